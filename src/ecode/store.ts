/**
 * What the e-code verifier needs to keep across restarts, behind one narrow interface so the
 * integrator can host it in the journal's database later (sqlite-store.ts is the implementation):
 * the replay seen-set, the anti-passback memory, the revocation list and the installed trust list.
 * Every method is synchronous (better-sqlite3 style): a durable step is atomic and never half-done.
 */
import type { RevocationList } from './revocations';

export interface AdmitRequest {
  /** Identity of this presentation: the same code or (certificate, counter) gets the same key. Absent for static codes. */
  replayKey?: string;
  /** When the seen entry may be forgotten (the code is refused as too old after that anyway). */
  replayExpiresAtMs: number;
  /** Anti-passback: the pseudonymous holder token and the profile it applies to. */
  holderToken: string;
  profile: string;
  /** 0 = no anti-passback in this profile. */
  passbackWindowMs: number;
  nowMs: number;
}

export type AdmitResult = 'admitted' | 'replayed' | 'anti-passback';

export interface RevocationState {
  version: number;
  issuedAtMs: number;
  entries: number;
}

export interface EcodeStore {
  /**
   * Checks replay and anti-passback; when `record` and both pass, records both in ONE durable
   * transaction before returning 'admitted'. With record=false it only checks (a dry run).
   */
  admit(req: AdmitRequest, record: boolean): AdmitResult;
  /** Is any of these revocation hashes listed and not expired at nowMs? */
  isRevoked(hashes: readonly string[], nowMs: number): boolean;
  revocationState(): RevocationState | undefined;
  /** Apply a full list or an increment atomically. Throws RevocationApplyError when it does not fit. */
  applyRevocations(list: RevocationList): RevocationState;
  saveTrustList(bytes: Uint8Array, version: number): void;
  loadTrustList(): { bytes: Uint8Array; version: number } | undefined;
  /** Forget expired seen entries, passback entries older than maxPassbackMs, expired revocations. */
  prune(nowMs: number, maxPassbackMs: number): { seen: number; passback: number; revoked: number };
  /**
   * The verifier's inline housekeeping (every `pruneEvery` admitted codes, on the scan path): only the
   * seen and passback entries. Expired revocations (millions of rows, no expiry index) are reclaimed when
   * a list is applied and by prune(), off the scan path — they are ignored by isRevoked() meanwhile.
   */
  pruneAdmissions(nowMs: number, maxPassbackMs: number): { seen: number; passback: number };
  close(): void;
}

export class RevocationApplyError extends Error {
  constructor(
    readonly why: 'gap' | 'rollback',
    message: string,
  ) {
    super(message);
    this.name = 'RevocationApplyError';
  }
}
