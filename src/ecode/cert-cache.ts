/**
 * Verified holder certificates, keyed by their exact bytes (body ‖ issuer signature). What is cached is
 * the fact "these exact 143 bytes verify under issuer key K", and values computed from those bytes alone
 * (display fields, revocation hashes, hotlist key: CertDerived): every other check (K still in the
 * trust list and valid, certificate validity, status, scope, revocation, replay, the phone's
 * signature) runs on every code. A certificate that differs in a single bit is a different key and
 * is verified from scratch, so the cache can never let a forged or altered certificate through.
 * Cleared whenever a trust list is installed.
 */
import type { EntitlementCategory } from '../core/credential';
import { parseCertificate, type HolderCertificate } from './format';
import type { SchemeFields } from './scheme';
import type { IssuerKey } from './trust-list';

export interface CachedCert {
  cert: HolderCertificate;
  key: IssuerKey;
  /** What the certificate alone determines (display fields, revocation hashes, hotlist key), computed once. */
  derived: CertDerived;
}

/** Values that depend on the certificate only: the same for every code of a phone. Treat as read-only. */
export interface CertDerived {
  /** The serial as 16 upper-case hex digits (replay key, hotlist id). */
  serial: string;
  /** Display fields of the certificate, in the order they are shown after the code's own. */
  fields: Readonly<SchemeFields>;
  categories: readonly EntitlementCategory[];
  revocationHashes: readonly string[];
  hotlistKeys: readonly string[];
}

export class CertCache {
  private readonly map = new Map<string, CachedCert>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity: number) {}

  static keyOf(certBytes: Uint8Array): string {
    return Buffer.from(certBytes.buffer, certBytes.byteOffset, certBytes.length).toString('latin1');
  }

  get(key: string): CachedCert | undefined {
    const v = this.map.get(key);
    if (v) {
      this.hits++;
      // LRU: move to the end.
      this.map.delete(key);
      this.map.set(key, v);
    } else this.misses++;
    return v;
  }

  set(key: string, v: CachedCert): void {
    if (this.capacity <= 0) return;
    if (this.map.size >= this.capacity) this.map.delete(this.map.keys().next().value!);
    // Keep private copies: the cached certificate must not alias a caller's buffer that may be reused.
    this.map.set(key, { cert: parseCertificate(new Uint8Array(v.cert.bytes)), key: v.key, derived: v.derived });
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
