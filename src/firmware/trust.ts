/**
 * The terminal's side of TUF (spec 1.0 §5, "detailed client workflow"), as a pure function: trusted
 * metadata in, new metadata bytes in, trusted time in → new trusted metadata out, or a FirmwareError
 * naming the rule that failed. No I/O here; trust-store.ts persists the result.
 *
 * Rules enforced:
 * - root chain (§5.3): each new root N+1 is signed by a threshold of root N's root keys AND a
 *   threshold of its own; versions step by exactly one; the final root must not be expired. When
 *   the timestamp or targets keys change, their trusted copies are dropped (§5.3.11, recovery from a
 *   fast-forward attack).
 * - timestamp (§5.4): threshold of the timestamp role; version never decreases; the targets version
 *   it names never decreases; not expired.
 * - targets (§5.6): length and SHA-256 equal to what the timestamp names (checked before parsing);
 *   threshold of the targets role; version equal to the timestamp's; never decreases; not expired.
 * - trusted time: max(clock, time floor). The floor is the latest trusted time seen by a successful
 *   update, so rewinding the RTC cannot make expired metadata valid again (freeze attack).
 */
import { createHash } from 'node:crypto';
import { FirmwareError } from './errors';
import {
  expiresAt,
  parseMetadata,
  toHexLower,
  verifyRole,
  type Metadata,
  type RootSigned,
  type TargetsSigned,
  type TimestampSigned,
} from './metadata';

/** At most this many root versions are walked in one update (TUF's max root rotations). */
export const MAX_ROOT_ROTATIONS = 32;

export interface TrustedState {
  root: Metadata<'root'>;
  timestamp?: Metadata<'timestamp'>;
  targets?: Metadata<'targets'>;
  /** Trusted time floor, epoch ms. */
  timeFloor: number;
}

export interface MetadataBundle {
  /** Root files newer than the trusted one, in order (N+1, N+2, …); may be empty. */
  roots: Uint8Array[];
  timestamp: Uint8Array;
  targets: Uint8Array;
}

/** Trust a pinned (provisioned) root: it must be self-signed by a threshold of its own root keys. */
export function trustPinnedRoot(bytes: Uint8Array, nowMs: number): TrustedState {
  const root = parseMetadata('root', bytes, 'pinned root.json');
  verifyRole(root, 'root', root.signed, 'pinned root.json');
  return { root, timeFloor: nowMs };
}

export function trustedTime(state: TrustedState, clockNow: number): number {
  return Math.max(clockNow, state.timeFloor);
}

function sameRole(a: RootSigned, b: RootSigned, role: 'targets' | 'timestamp'): boolean {
  const x = a.roles[role];
  const y = b.roles[role];
  return x.threshold === y.threshold && x.keyids.length === y.keyids.length && x.keyids.every((k) => y.keyids.includes(k)) && x.keyids.every((k) => a.keys[k]!.public === b.keys[k]?.public);
}

function checkNotExpired(signed: { expires: string; version: number }, what: string, now: number): void {
  if (expiresAt(signed) <= now) {
    throw new FirmwareError(
      'expired',
      `${what} v${signed.version} expired at ${signed.expires} (trusted time ${new Date(now).toISOString()}): the repository must publish fresh metadata — refusing it (freeze protection)`,
    );
  }
}

/** Walk the root chain. */
export function updateRoot(state: TrustedState, newRoots: readonly Uint8Array[]): TrustedState {
  if (newRoots.length > MAX_ROOT_ROTATIONS) throw new FirmwareError('malformed', `more than ${MAX_ROOT_ROTATIONS} root versions in one update`);
  let cur = state;
  for (const [i, bytes] of newRoots.entries()) {
    const expected = cur.root.signed.version + 1;
    const what = `root.json #${i + 1} of the chain`;
    const next = parseMetadata('root', bytes, what);
    // Signatures first: an unsigned file tells us nothing, not even its version.
    verifyRole(next, 'root', cur.root.signed, `${what} (v${next.signed.version}) checked with the trusted root's keys`);
    verifyRole(next, 'root', next.signed, `${what} (v${next.signed.version}) checked with its own keys`);
    if (next.signed.version < expected) throw new FirmwareError('rollback', `${what}: version ${next.signed.version} is not newer than the trusted root v${cur.root.signed.version}`);
    if (next.signed.version > expected) throw new FirmwareError('mismatch', `${what}: version ${next.signed.version} skips v${expected}; every root version must be presented in order`);
    const keep = (role: 'targets' | 'timestamp') => sameRole(cur.root.signed, next.signed, role);
    cur = {
      root: next,
      timestamp: keep('timestamp') && keep('targets') ? cur.timestamp : undefined,
      targets: keep('targets') ? cur.targets : undefined,
      timeFloor: cur.timeFloor,
    };
  }
  return cur;
}

/** SHA-256 as lower-case hex: the one hash helper of the firmware code (metadata, images, manifests, slots). */
export function sha256Hex(b: Uint8Array): string {
  return toHexLower(createHash('sha256').update(b).digest());
}

/**
 * The whole update: root chain, timestamp, targets. Returns the new trusted state; the caller persists
 * it. `clockNow` is the injected clock's wall time.
 */
export function updateTrust(state: TrustedState, bundle: MetadataBundle, clockNow: number): TrustedState {
  const now = trustedTime(state, clockNow);
  const s = updateRoot(state, bundle.roots);
  const root = s.root.signed;
  checkNotExpired(root, 'root.json', now);

  const ts = parseMetadata('timestamp', bundle.timestamp);
  verifyRole(ts, 'timestamp', root);
  const tsSigned: TimestampSigned = ts.signed;
  if (s.timestamp) {
    const old = s.timestamp.signed;
    if (tsSigned.version < old.version) throw new FirmwareError('rollback', `timestamp.json: version ${tsSigned.version} is older than the trusted v${old.version}`);
    const oldT = old.meta['targets.json'].version;
    if (tsSigned.meta['targets.json'].version < oldT) {
      throw new FirmwareError('rollback', `timestamp.json names targets.json v${tsSigned.meta['targets.json'].version}, older than the trusted v${oldT}`);
    }
  }
  checkNotExpired(tsSigned, 'timestamp.json', now);

  const want = tsSigned.meta['targets.json'];
  if (bundle.targets.length !== want.length) {
    throw new FirmwareError('mismatch', `targets.json is ${bundle.targets.length} bytes but timestamp.json v${tsSigned.version} names ${want.length}: files from different releases (mix-and-match) — refusing`);
  }
  if (sha256Hex(bundle.targets) !== want.hashes.sha256) {
    throw new FirmwareError('mismatch', `targets.json's SHA-256 differs from the one timestamp.json v${tsSigned.version} names: files from different releases (mix-and-match) — refusing`);
  }
  const tg = parseMetadata('targets', bundle.targets);
  verifyRole(tg, 'targets', root);
  const tgSigned: TargetsSigned = tg.signed;
  if (tgSigned.version !== want.version) throw new FirmwareError('mismatch', `targets.json is v${tgSigned.version} but timestamp.json names v${want.version}`);
  if (s.targets && tgSigned.version < s.targets.signed.version) {
    throw new FirmwareError('rollback', `targets.json: version ${tgSigned.version} is older than the trusted v${s.targets.signed.version}`);
  }
  checkNotExpired(tgSigned, 'targets.json', now);
  return { root: s.root, timestamp: ts, targets: tg, timeFloor: now };
}
