/**
 * RSA for EMV offline data authentication (EMV Book 2 §5–6): the terminal only ever does the public
 * operation ("recovery"): X = S^e mod n, via node:crypto's publicDecrypt with no padding and a cached
 * KeyObject (≈ 12 µs for 1024 bits, ≈ 21 µs for 1984 bits with e = 3 on these machines — DOMAIN.md §5).
 *
 * A key built from card data may be hostile (even modulus, absurd exponent): building it or using it
 * never throws past this module — rsaRecover returns undefined and the caller fails the ODA step.
 */
import { constants, createPublicKey, publicDecrypt, type KeyObject } from 'node:crypto';
import { toHex } from '../../../apdu/hex';

export interface RsaPublicKey {
  modulus: Uint8Array;
  exponent: Uint8Array;
  /** undefined when OpenSSL refused the key (hostile or malformed data). */
  key: KeyObject | undefined;
}

const CACHE_MAX = 256;
const cache = new Map<string, RsaPublicKey>();

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function stripLeadingZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/**
 * The public key (modulus, exponent), its KeyObject built once and cached (LRU, 256 keys: CA and issuer
 * keys recur on every tap; ICC keys are per card).
 */
export function rsaPublicKey(modulus: Uint8Array, exponent: Uint8Array): RsaPublicKey {
  const id = toHex(modulus) + '/' + toHex(exponent);
  const hit = cache.get(id);
  if (hit) {
    cache.delete(id);
    cache.set(id, hit);
    return hit;
  }
  let key: KeyObject | undefined;
  try {
    if (modulus.length >= 64 && modulus[0] !== 0 && (modulus[modulus.length - 1]! & 1) === 1 && exponent.length >= 1 && exponent.length <= 3) {
      key = createPublicKey({ key: { kty: 'RSA', n: b64url(modulus), e: b64url(stripLeadingZeros(exponent)) }, format: 'jwk' });
    }
  } catch {
    key = undefined;
  }
  const k: RsaPublicKey = { modulus: modulus.slice(), exponent: exponent.slice(), key };
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(id, k);
  return k;
}

/**
 * The RSA public operation on a block as long as the modulus (EMV "recovery"). Returns undefined when
 * the input length differs from the modulus length, the value is not below the modulus, or the key is
 * unusable — all of which mean "this certificate or signature does not verify".
 */
export function rsaRecover(key: RsaPublicKey, block: Uint8Array): Uint8Array | undefined {
  if (!key.key || block.length !== key.modulus.length) return undefined;
  try {
    const out = publicDecrypt({ key: key.key, padding: constants.RSA_NO_PADDING }, block);
    if (out.length === block.length) return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    // OpenSSL strips nothing with NO_PADDING, but be exact: left-pad to the modulus length.
    const r = new Uint8Array(block.length);
    r.set(out, block.length - out.length);
    return r;
  } catch {
    return undefined;
  }
}
