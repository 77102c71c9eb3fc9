/**
 * Block ciphers, MACs and key diversification for PBOC application cryptograms (PBOC 3.0 / EMV Book 2
 * Annex A1) and the PBOC / T-Union e-purse (JR/T 0025 part 2, JT/T 978), through node:crypto: single
 * DES, 3DES (double-length keys, used as K1‖K2‖K1) and SM4 (GM/T 0002-2012).
 *
 * MACs: ISO/IEC 9797-1 padding method 2 (append 80, then 00 to a block boundary), then
 *   - cbcMac: MAC algorithm 1 (CBC, IV 0, the last block) with any block cipher;
 *   - mac('3des'): MAC algorithm 3 (single-DES CBC with K1, final block 3DES: decrypt K2, encrypt K1);
 *   - mac('sm4'):  MAC algorithm 1 with SM4.
 * Used by the emulated cards and PSAM and by issuer-side checks in tests; the terminal never holds keys.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

export type BlockAlgorithm = '3des' | 'sm4';

function ecb(name: string, key: Uint8Array, block: Uint8Array, decrypt = false): Uint8Array {
  const c = decrypt ? createDecipheriv(name, key, null) : createCipheriv(name, key, null);
  c.setAutoPadding(false);
  const a = c.update(block);
  const b = c.final();
  return b.length ? new Uint8Array(Buffer.concat([a, b])) : new Uint8Array(a.buffer, a.byteOffset, a.length);
}

function checkKey(what: string, key: Uint8Array, length: number): void {
  if (key.length !== length) throw new RangeError(`${what} key: expected ${length} bytes, got length=${key.length}`);
}

/** 3DES-EDE with a 16-byte key (K1‖K2‖K1), ECB, whole blocks. */
export function des3Encrypt(key16: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey('3DES', key16, 16);
  if (data.length % 8) throw new RangeError(`3DES data: expected a multiple of 8 bytes, got ${data.length}`);
  return ecb('des-ede-ecb', key16, data);
}

/** Single DES, as 3DES with K‖K (EDE with equal keys is DES; OpenSSL 3 keeps plain DES in "legacy"). */
export function desEncrypt(key8: Uint8Array, block: Uint8Array): Uint8Array {
  checkKey('DES', key8, 8);
  const k = new Uint8Array(16);
  k.set(key8, 0);
  k.set(key8, 8);
  return ecb('des-ede-ecb', k, block);
}

function desDecrypt(key8: Uint8Array, block: Uint8Array): Uint8Array {
  const k = new Uint8Array(16);
  k.set(key8, 0);
  k.set(key8, 8);
  return ecb('des-ede-ecb', k, block, true);
}

export function sm4Encrypt(key16: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey('SM4', key16, 16);
  if (data.length % 16) throw new RangeError(`SM4 data: expected a multiple of 16 bytes, got ${data.length}`);
  return ecb('sm4-ecb', key16, data);
}

export function blockEncrypt(alg: BlockAlgorithm, key16: Uint8Array, data: Uint8Array): Uint8Array {
  return alg === '3des' ? des3Encrypt(key16, data) : sm4Encrypt(key16, data);
}

/** ISO/IEC 9797-1 padding method 2: append 80, then 00 up to a multiple of the block size (always pads). */
export function pad80(data: Uint8Array, block: number): Uint8Array {
  const n = Math.floor(data.length / block + 1) * block;
  const out = new Uint8Array(n);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/** ISO/IEC 9797-1 MAC algorithm 1 (CBC, IV 0) over the padded data: the whole last block. */
export function cbcMac(encryptBlock: (block: Uint8Array) => Uint8Array, blockSize: number, data: Uint8Array): Uint8Array {
  const padded = pad80(data, blockSize);
  let acc: Uint8Array = new Uint8Array(blockSize);
  for (let off = 0; off < padded.length; off += blockSize) {
    const x = new Uint8Array(blockSize);
    for (let i = 0; i < blockSize; i++) x[i] = acc[i]! ^ padded[off + i]!;
    acc = encryptBlock(x);
  }
  return acc;
}

/** MAC per the header: 8 bytes for 3DES (algorithm 3), 16 bytes for SM4 (algorithm 1; callers take 8). */
export function mac(alg: BlockAlgorithm, key16: Uint8Array, data: Uint8Array): Uint8Array {
  if (alg === 'sm4') return cbcMac((b) => sm4Encrypt(key16, b), 16, data);
  const k1 = key16.subarray(0, 8);
  const k2 = key16.subarray(8, 16);
  return desEncrypt(k1, desDecrypt(k2, cbcMac((b) => desEncrypt(k1, b), 8, data)));
}

/**
 * One level of key diversification with an 8-byte factor (EMV Book 2 A1.4 option A for the UDK from
 * the PAN block; the PBOC e-purse's issuer and card levels):
 *   3DES: K' = 3DES_K(f) ‖ 3DES_K(~f)        SM4: K' = SM4_K(f ‖ ~f)
 */
export function diversify(alg: BlockAlgorithm, key16: Uint8Array, factor8: Uint8Array): Uint8Array {
  if (factor8.length !== 8) throw new RangeError(`diversification factor: expected 8 bytes, got length=${factor8.length}`);
  const inv = factor8.map((b) => b ^ 0xff);
  if (alg === '3des') {
    const out = new Uint8Array(16);
    out.set(des3Encrypt(key16, factor8), 0);
    out.set(des3Encrypt(key16, inv), 8);
    return out;
  }
  const both = new Uint8Array(16);
  both.set(factor8, 0);
  both.set(inv, 8);
  return sm4Encrypt(key16, both);
}
