/**
 * The e-purse cryptography the emulated card and PSAM compute (and the clearing backend checks), on
 * the block ciphers, MAC and diversification of src/pboc/crypto/symmetric.ts. PBOC e-purse (JR/T 0025
 * part 2 annex, JT/T 978) as summarised in DOMAIN.md §1.3:
 *
 *   diversify:   3DES: K' = 3DES_K(f) ‖ 3DES_K(~f)          SM4: K' = SM4_K(f ‖ ~f)
 *   session key: 3DES: SK = 3DES_DPK(random4 ‖ seq2 ‖ tseq-low2)                           (8 bytes)
 *                SM4:  SK = SM4_DPK(random4 ‖ seq2 ‖ tseq-low2 ‖ 80 00 00 00 00 00 00 00)  (16 bytes)
 *   MAC1 = MAC_SK(amount4 ‖ type1 ‖ terminal6 ‖ datetime7)
 *   MAC2 = MAC_SK(amount4)
 *   TAC  = MAC_TK(amount4 ‖ type1 ‖ terminal6 ‖ tseq4 ‖ datetime7), TK = DTK-left ⊕ DTK-right (3DES)
 *                                                                      TK = DTK (SM4)
 *   MAC  = CBC-MAC, IV 0, ISO/IEC 9797-1 padding method 2 (80 00…), first 4 bytes of the last block;
 *          single DES for the 8-byte 3DES-variant keys, SM4 for the SM4 variant.
 *
 * The 3DES formulas are the published PBOC ones. The SM4 session-key padding and SM4 MAC truncation
 * are this project's assumption (unconfirmed): they only have to agree between the emulated card and
 * the emulated PSAM; a real PSAM computes its own.
 */
import { cbcMac, des3Encrypt, desEncrypt, diversify, sm4Encrypt, type BlockAlgorithm } from '../../pboc/crypto/symmetric';

export type EpAlgorithm = BlockAlgorithm;

/** 4-byte MAC with an 8-byte DES key (3DES variant) or a 16-byte SM4 key (SM4 variant). */
export function epMac(alg: EpAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  const full = alg === '3des' ? cbcMac((b) => desEncrypt(key, b), 8, data) : cbcMac((b) => sm4Encrypt(key, b), 16, data);
  return full.slice(0, 4);
}

/**
 * Two-level (or n-level) diversification. `factors` in the order they travel in the PSAM's MAC1
 * command (card serial first, issuer last): the last factor is the top level, applied first.
 */
export function diversifyChain(alg: EpAlgorithm, master16: Uint8Array, factors: readonly Uint8Array[]): Uint8Array {
  let k = master16;
  for (let i = factors.length - 1; i >= 0; i--) k = diversify(alg, k, factors[i]!);
  return k;
}

export function sessionKey(alg: EpAlgorithm, purchaseKey16: Uint8Array, random4: Uint8Array, epSeq2: Uint8Array, terminalSeq4: Uint8Array): Uint8Array {
  const input = new Uint8Array(alg === '3des' ? 8 : 16);
  input.set(random4, 0);
  input.set(epSeq2, 4);
  input.set(terminalSeq4.subarray(2, 4), 6);
  if (alg === '3des') return des3Encrypt(purchaseKey16, input);
  input[8] = 0x80;
  return sm4Encrypt(purchaseKey16, input);
}

/** The key TAC is computed with: DTK-left ⊕ DTK-right for 3DES, the DTK itself for SM4. */
export function tacKey(alg: EpAlgorithm, dtk16: Uint8Array): Uint8Array {
  if (alg === 'sm4') return dtk16;
  const k = new Uint8Array(8);
  for (let i = 0; i < 8; i++) k[i] = dtk16[i]! ^ dtk16[i + 8]!;
  return k;
}

export interface PurchaseMacInput {
  amount4: Uint8Array;
  type: number;
  terminal6: Uint8Array;
  dateTime7: Uint8Array;
}

export function mac1Data(i: PurchaseMacInput): Uint8Array {
  const d = new Uint8Array(18);
  d.set(i.amount4, 0);
  d[4] = i.type;
  d.set(i.terminal6, 5);
  d.set(i.dateTime7, 11);
  return d;
}

export function tacData(i: PurchaseMacInput & { terminalSeq4: Uint8Array }): Uint8Array {
  const d = new Uint8Array(22);
  d.set(i.amount4, 0);
  d[4] = i.type;
  d.set(i.terminal6, 5);
  d.set(i.terminalSeq4, 11);
  d.set(i.dateTime7, 15);
  return d;
}
