/**
 * Application cryptograms, issuer side (EMV Book 2 Annex A1.4 / §8.1 as PBOC 3.0 uses them): what the
 * emulated card computes and what an issuer (or a test) checks. The terminal never holds these keys.
 *
 *   UDK  (card master key for AC) from the issuer master key and the PAN (EMV option A):
 *          Y = rightmost 16 digits of PAN ‖ PAN sequence number (zero-padded on the left), 8 bytes BCD;
 *          3DES: UDK = E(MK, Y) ‖ E(MK, Y ⊕ FF…FF);   SM4: UDK = E(MK, Y ‖ (Y ⊕ FF…FF)).
 *   SK   session key from the UDK and the ATC (EMV common session key derivation, A1.3):
 *          3DES: E(UDK, ATC ‖ F0 ‖ 00×5) ‖ E(UDK, ATC ‖ 0F ‖ 00×5);   SM4: E(UDK, ATC ‖ 00×14).
 *   AC   = MAC(SK, data) — ISO 9797-1 padding 2; 3DES MAC algorithm 3, SM4 MAC algorithm 1 (leftmost 8).
 *          data = 9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 ‖ 82 ‖ 9F36 ‖ CVR (IAD bytes 4–7).
 * The PBOC issuer's exact derivation options are scheme data (unconfirmed here); this convention is the
 * project's, shared by card and checker so cryptograms are real MACs that a wrong key cannot forge.
 */
import { encodeBcd } from '../../../apdu/codec';
import { concat } from '../../../apdu/hex';
import { blockEncrypt, diversify, mac, type BlockAlgorithm } from './symmetric';

export interface AcInput {
  amount: Uint8Array; // 9F02
  otherAmount: Uint8Array; // 9F03
  country: Uint8Array; // 9F1A
  tvr: Uint8Array; // 95
  currency: Uint8Array; // 5F2A
  date: Uint8Array; // 9A
  type: Uint8Array; // 9C
  un: Uint8Array; // 9F37
  aip: Uint8Array; // 82
  atc: Uint8Array; // 9F36
  iad: Uint8Array; // 9F10
}

export function panBlock(pan: string, panSequence: string): Uint8Array {
  const digits = (pan + panSequence.padStart(2, '0')).replace(/\D/g, '');
  return encodeBcd(digits.slice(-16).padStart(16, '0'));
}

export function deriveUdk(alg: BlockAlgorithm, masterKey: Uint8Array, pan: string, panSequence: string): Uint8Array {
  return diversify(alg, masterKey, panBlock(pan, panSequence));
}

export function sessionKey(alg: BlockAlgorithm, udk: Uint8Array, atc: Uint8Array): Uint8Array {
  if (alg === '3des') {
    const l = concat(atc, Uint8Array.of(0xf0, 0, 0, 0, 0, 0));
    const r = concat(atc, Uint8Array.of(0x0f, 0, 0, 0, 0, 0));
    return concat(blockEncrypt('3des', udk, l), blockEncrypt('3des', udk, r));
  }
  return blockEncrypt('sm4', udk, concat(atc, new Uint8Array(14)));
}

export function acData(i: AcInput): Uint8Array {
  return concat(i.amount, i.otherAmount, i.country, i.tvr, i.currency, i.date, i.type, i.un, i.aip, i.atc, i.iad.subarray(3, 7));
}

export function applicationCryptogram(alg: BlockAlgorithm, masterKey: Uint8Array, pan: string, panSequence: string, input: AcInput): Uint8Array {
  const sk = sessionKey(alg, deriveUdk(alg, masterKey, pan, panSequence), input.atc);
  return mac(alg, sk, acData(input)).slice(0, 8);
}
