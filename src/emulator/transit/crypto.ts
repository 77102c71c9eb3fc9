/**
 * The e-purse cryptography the emulated card and PSAM compute (and the clearing backend checks), on
 * node:crypto. PBOC e-purse (JR/T 0025 part 2 annex, JT/T 978) as summarised in DOMAIN.md §1.3:
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
import { createCipheriv } from 'node:crypto';

export type EpAlgorithm = '3des' | 'sm4';

function ecb(cipher: string, key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv(cipher, key, null);
  c.setAutoPadding(false);
  const a = c.update(block);
  const b = c.final();
  return b.length ? new Uint8Array(Buffer.concat([a, b])) : new Uint8Array(a.buffer, a.byteOffset, a.length);
}

/** Single DES, as 2-key 3DES with K1 = K2 (EDE with equal keys is DES; OpenSSL 3 keeps plain DES in "legacy"). */
export function desEncrypt(key8: Uint8Array, block8: Uint8Array): Uint8Array {
  if (key8.length !== 8) throw new RangeError(`DES key: expected 8 bytes, got length=${key8.length}`);
  const k = new Uint8Array(16);
  k.set(key8, 0);
  k.set(key8, 8);
  return ecb('des-ede-ecb', k, block8);
}

/** 2-key 3DES (16-byte key) or 3-key (24-byte) ECB on whole blocks. */
export function tdesEncrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (key.length === 16) return ecb('des-ede-ecb', key, data);
  if (key.length === 24) return ecb('des-ede3-ecb', key, data);
  throw new RangeError(`3DES key: expected 16 or 24 bytes, got length=${key.length}`);
}

export function sm4Encrypt(key16: Uint8Array, data: Uint8Array): Uint8Array {
  if (key16.length !== 16) throw new RangeError(`SM4 key: expected 16 bytes, got length=${key16.length}`);
  return ecb('sm4-ecb', key16, data);
}

/** ISO/IEC 9797-1 padding method 2: append 80, then 00 up to a multiple of the block size (always pads). */
export function pad80(data: Uint8Array, block: number): Uint8Array {
  const n = (Math.floor(data.length / block) + 1) * block;
  const out = new Uint8Array(n);
  out.set(data, 0);
  out[data.length] = 0x80;
  return out;
}

function cbcMac(encrypt: (b: Uint8Array) => Uint8Array, block: number, data: Uint8Array): Uint8Array {
  const p = pad80(data, block);
  let x: Uint8Array = new Uint8Array(block);
  for (let o = 0; o < p.length; o += block) {
    const y = new Uint8Array(block);
    for (let i = 0; i < block; i++) y[i] = x[i]! ^ p[o + i]!;
    x = encrypt(y);
  }
  return x;
}

/** 4-byte MAC with an 8-byte DES key (3DES variant) or a 16-byte SM4 key (SM4 variant). */
export function epMac(alg: EpAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  const full = alg === '3des' ? cbcMac((b) => desEncrypt(key, b), 8, data) : cbcMac((b) => sm4Encrypt(key, b), 16, data);
  return full.slice(0, 4);
}

/** One level of key diversification with an 8-byte factor. */
export function diversify(alg: EpAlgorithm, key16: Uint8Array, factor8: Uint8Array): Uint8Array {
  if (factor8.length !== 8) throw new RangeError(`diversification factor: expected 8 bytes, got length=${factor8.length}`);
  const inv = factor8.map((b) => b ^ 0xff);
  if (alg === '3des') {
    const out = new Uint8Array(16);
    out.set(tdesEncrypt(key16, factor8), 0);
    out.set(tdesEncrypt(key16, inv), 8);
    return out;
  }
  const both = new Uint8Array(16);
  both.set(factor8, 0);
  both.set(inv, 8);
  return sm4Encrypt(key16, both);
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
  if (alg === '3des') return tdesEncrypt(purchaseKey16, input);
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
