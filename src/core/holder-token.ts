/**
 * The pseudonymous holder token (卡码同权): the same person must get the same token whether they tap
 * the card or show the e-code, without any terminal seeing an ID number.
 *
 *   token = base32(HMAC-SHA256(holderTokenKey, "ykt-holder-v1" ‖ card identification code))[0..26]
 *
 * The card identification code is SSSE EF05 tag 01 (16 bytes: region ‖ RID D156000005 ‖ 8 card bytes),
 * readable without authentication. The issuing platform computes the same token when it issues the
 * e-code's holder certificate. `holderTokenKey` is a scheme parameter distributed with the signed
 * parameter set (project convention, not a national standard).
 */
import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

export function holderTokenFromCardId(holderTokenKey: Uint8Array, cardIdentificationCode: Uint8Array): string {
  if (holderTokenKey.length < 16) throw new RangeError(`holderTokenKey: expected at least 16 bytes, got length=${holderTokenKey.length}`);
  if (cardIdentificationCode.length !== 16) throw new RangeError(`card identification code: expected 16 bytes, got length=${cardIdentificationCode.length}`);
  const mac = createHmac('sha256', holderTokenKey).update('ykt-holder-v1').update(cardIdentificationCode).digest();
  return holderTokenFromBytes(mac.subarray(0, 16));
}

/** 16 bytes → the 26-character token (as carried in the e-code's holder certificate, src/ecode/format.ts). */
export function holderTokenFromBytes(bytes: Uint8Array): string {
  return base32(bytes).slice(0, 26);
}

/** The 26-character token → its 16 bytes. Strict: only the canonical text of some 16 bytes is accepted. */
export function holderTokenToBytes(token: string): Uint8Array {
  if (token.length !== 26) throw new RangeError(`holder token: expected 26 base32 characters, got ${token.length}`);
  const out = new Uint8Array(16);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < 26; i++) {
    const v = ALPHABET.indexOf(token[i]!);
    if (v < 0) throw new RangeError(`holder token: character ${JSON.stringify(token[i])} at ${i} is not base32`);
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (o < 16) out[o++] = (acc >>> bits) & 0xff;
    }
  }
  // 26 × 5 = 130 bits: the last 2 bits are padding and must be zero, so the text is canonical.
  if ((acc & ((1 << bits) - 1)) !== 0) throw new RangeError('holder token: non-zero padding bits (not a canonical token)');
  return out;
}
