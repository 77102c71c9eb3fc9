/**
 * Block ciphers and MACs for application cryptograms (PBOC 3.0 / EMV Book 2 Annex A1): 3DES (double-
 * length keys, used as K1‖K2‖K1) and SM4 (GM/T 0002-2012), through node:crypto.
 *
 * MAC: ISO/IEC 9797-1 padding method 2 (append 80, then 00 to a block boundary), then
 *   - 3DES: MAC algorithm 3 (single-DES CBC with K1, final block 3DES: decrypt K2, encrypt K1);
 *   - SM4:  MAC algorithm 1 (SM4-CBC, last block).
 * Used by the emulated card and by issuer-side verification in tests; the terminal never holds keys.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

export type BlockAlgorithm = '3des' | 'sm4';

function ecb(name: string, key: Uint8Array, block: Uint8Array, decrypt = false): Uint8Array {
  const c = decrypt ? createDecipheriv(name, key, null) : createCipheriv(name, key, null);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(block), c.final()]));
}

/** 3DES-EDE with a 16-byte key (K1‖K2‖K1), ECB, whole blocks. */
export function des3Encrypt(key16: Uint8Array, data: Uint8Array): Uint8Array {
  if (key16.length !== 16) throw new RangeError(`3DES key: expected Uint8Array of length 16, got length=${key16.length}`);
  if (data.length % 8) throw new RangeError(`3DES data: expected a multiple of 8 bytes, got ${data.length}`);
  return ecb('des-ede-ecb', key16, data);
}

/** Single DES (as 3DES with K‖K), ECB. OpenSSL 3 keeps single DES in the legacy provider only. */
function desEncrypt(key8: Uint8Array, block: Uint8Array): Uint8Array {
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
  if (key16.length !== 16) throw new RangeError(`SM4 key: expected Uint8Array of length 16, got length=${key16.length}`);
  if (data.length % 16) throw new RangeError(`SM4 data: expected a multiple of 16 bytes, got ${data.length}`);
  return ecb('sm4-ecb', key16, data);
}

export function blockEncrypt(alg: BlockAlgorithm, key16: Uint8Array, data: Uint8Array): Uint8Array {
  return alg === '3des' ? des3Encrypt(key16, data) : sm4Encrypt(key16, data);
}

export const blockSize = (alg: BlockAlgorithm): number => (alg === '3des' ? 8 : 16);

/** ISO/IEC 9797-1 padding method 2. */
export function pad80(data: Uint8Array, block: number): Uint8Array {
  const n = Math.floor(data.length / block + 1) * block;
  const out = new Uint8Array(n);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

function xorInto(acc: Uint8Array, b: Uint8Array, off: number): void {
  for (let i = 0; i < acc.length; i++) acc[i]! ^= b[off + i]!;
}

/** MAC per the header: 8 bytes for 3DES (algorithm 3), 16 bytes for SM4 (algorithm 1; callers take 8). */
export function mac(alg: BlockAlgorithm, key16: Uint8Array, data: Uint8Array): Uint8Array {
  const bs = blockSize(alg);
  const padded = pad80(data, bs);
  let acc: Uint8Array = new Uint8Array(bs);
  if (alg === 'sm4') {
    for (let off = 0; off < padded.length; off += bs) {
      xorInto(acc, padded, off);
      acc = sm4Encrypt(key16, acc);
    }
    return acc;
  }
  const k1 = key16.subarray(0, 8);
  const k2 = key16.subarray(8, 16);
  for (let off = 0; off < padded.length; off += bs) {
    xorInto(acc, padded, off);
    acc = desEncrypt(k1, acc);
  }
  return desEncrypt(k1, desDecrypt(k2, acc));
}
