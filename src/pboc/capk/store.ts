/**
 * The terminal's CA public keys (CAPK) for offline data authentication, by RID and index, each with its
 * checksum (validated when the set is loaded — a key whose checksum does not match is refused, not
 * used), its expiry (a key past expiry is not used for a transaction on a later date), and the
 * issuer-certificate revocation list (EMV Book 2 §5.3 step 10: RID, CA index, certificate serial).
 *
 * RSA keys: checksum = SHA-1(RID ‖ index ‖ modulus ‖ exponent) (EMV Book 2 §11.2.2).
 * SM2 keys: checksum = SM3(RID ‖ index ‖ public key x ‖ y) — the SM convention here is unconfirmed
 * (JR/T 0025.17 text not at hand): the hash algorithm indicator travels with each key (01 SHA-1,
 * 07 SM3), so a different convention is a data change, not a code change.
 */
import { equalBytes, toHex } from '../../../apdu/hex';
import { ConfigError } from '../../core/errors';
import { sha1, sm3, HASH_ALGORITHM } from '../crypto/hash';
import { rsaPublicKey } from '../crypto/rsa';
import type { RsaCaKey } from '../oda/rsa-oda';
import type { Sm2CaKey } from '../oda/sm2-oda';
import { fail, type OdaFailure } from '../oda/result';

export type CapkAlgorithm = 'rsa' | 'sm2';

export interface CapkEntry {
  rid: Uint8Array;
  index: number;
  algorithm: CapkAlgorithm;
  /** RSA */
  modulus?: Uint8Array;
  exponent?: Uint8Array;
  /** SM2: x ‖ y, 64 bytes */
  publicKey?: Uint8Array;
  hashAlgorithm: number;
  checksum: Uint8Array;
  /** Last valid day, YYYYMMDD. */
  expiry: number;
}

export interface Revocation {
  rid: Uint8Array;
  index: number;
  /** Issuer certificate serial number, 3 bytes as 6 hex digits. */
  serial: string;
}

export type CaKey = ({ algorithm: 'rsa' } & RsaCaKey) | ({ algorithm: 'sm2' } & Sm2CaKey);

export function capkChecksum(e: Omit<CapkEntry, 'checksum'>): Uint8Array {
  const idx = Uint8Array.of(e.index);
  const parts = e.algorithm === 'rsa' ? [e.rid, idx, e.modulus!, e.exponent!] : [e.rid, idx, e.publicKey!];
  if (e.hashAlgorithm === HASH_ALGORITHM.sha1) return sha1(...parts);
  if (e.hashAlgorithm === HASH_ALGORITHM.sm3) return sm3(...parts);
  throw new RangeError(`hash algorithm ${e.hashAlgorithm} not supported`);
}

const keyOf = (rid: Uint8Array | string, index: number, alg: CapkAlgorithm) => `${typeof rid === 'string' ? rid.toUpperCase() : toHex(rid)}:${index}:${alg}`;
const idName = (rid: Uint8Array, index: number) => `CA ${toHex(rid)} index ${index.toString(16).toUpperCase().padStart(2, '0')}`;

export class CapkStore {
  private readonly keys = new Map<string, CapkEntry>();
  private readonly revoked = new Set<string>();
  private readonly built = new Map<string, CaKey>();

  /** Throws ConfigError naming the first bad key (checksum mismatch, wrong lengths, duplicates). */
  constructor(entries: readonly CapkEntry[], revocations: readonly Revocation[] = []) {
    for (const e of entries) {
      const name = idName(e.rid, e.index);
      if (e.rid.length !== 5) throw new ConfigError('pboc.capk', `${name}: RID must be 5 bytes`);
      if (!Number.isInteger(e.index) || e.index < 0 || e.index > 255) throw new ConfigError('pboc.capk', `${name}: index must be a byte`);
      if (e.algorithm === 'rsa') {
        if (!e.modulus || e.modulus.length < 64 || e.modulus.length > 248 || !e.exponent || e.exponent.length < 1 || e.exponent.length > 3) {
          throw new ConfigError('pboc.capk', `${name}: RSA key needs a modulus of 64..248 bytes and an exponent of 1..3 bytes`);
        }
      } else if (!e.publicKey || e.publicKey.length !== 64) throw new ConfigError('pboc.capk', `${name}: SM2 key must be 64 bytes (x ‖ y)`);
      let sum: Uint8Array;
      try {
        sum = capkChecksum(e);
      } catch (err) {
        throw new ConfigError('pboc.capk', `${name}: ${(err as Error).message}`);
      }
      if (!equalBytes(sum, e.checksum)) throw new ConfigError('pboc.capk', `${name}: checksum mismatch (key data corrupted or altered)`);
      const k = keyOf(e.rid, e.index, e.algorithm);
      if (this.keys.has(k)) throw new ConfigError('pboc.capk', `${name} (${e.algorithm}) is listed twice`);
      this.keys.set(k, e);
    }
    for (const r of revocations) this.revoked.add(`${toHex(r.rid)}:${r.index}:${r.serial.toUpperCase()}`);
  }

  get size(): number {
    return this.keys.size;
  }

  entries(): CapkEntry[] {
    return [...this.keys.values()];
  }

  get revocationCount(): number {
    return this.revoked.size;
  }

  /** The key for a transaction on `today` (YYYYMMDD), or a failure saying why not. */
  lookup(rid: Uint8Array, index: number, algorithm: CapkAlgorithm, today: number): ({ ok: true; key: CaKey }) | OdaFailure {
    const k = keyOf(rid, index, algorithm);
    const e = this.keys.get(k);
    if (!e) return fail('capk-missing', `no ${algorithm === 'sm2' ? 'SM2 ' : ''}CA public key for ${idName(rid, index)}`);
    if (e.expiry < today) return fail('capk-expired', `${idName(rid, index)} expired ${String(e.expiry).replace(/(\d{4})(\d{2})(\d{2})/, '$1-$2-$3')}`);
    let key = this.built.get(k);
    if (!key) {
      key = e.algorithm === 'rsa' ? { algorithm: 'rsa', rid: e.rid, index: e.index, key: rsaPublicKey(e.modulus!, e.exponent!) } : { algorithm: 'sm2', rid: e.rid, index: e.index, publicKey: e.publicKey! };
      this.built.set(k, key);
    }
    return { ok: true, key };
  }

  isRevoked = (rid: Uint8Array, index: number, serial: string): boolean => this.revoked.has(`${toHex(rid)}:${index}:${serial.toUpperCase()}`);
}
