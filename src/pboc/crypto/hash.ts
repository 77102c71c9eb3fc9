/**
 * Hashes used by offline data authentication: SHA-1 (EMV Book 2 Annex B3, hash algorithm indicator 01)
 * and SM3 (GM/T 0004-2012, indicator 07 in PBOC 3.0's SM variant). Both through node:crypto (OpenSSL):
 * SM3 ≈ 4 µs per 120 bytes here (DOMAIN.md §5).
 */
import { createHash } from 'node:crypto';

export function sha1(...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function sm3(...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sm3');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** Hash algorithm indicators (EMV Book 2 Annex B3; PBOC 3.0 adds 07 = SM3). */
export const HASH_ALGORITHM = { sha1: 0x01, sm3: 0x07 } as const;
