/**
 * The hotlist as kernels and profiles see it: a synchronous, allocation-light membership check
 * (≈ 1 µs; bench/hotlist.ts). Three answers, like the EU certificate verifiers: a card is listed, is
 * not listed, or the terminal cannot tell because it holds no usable list. Whether an old list is
 * still good enough is the profile's stale policy: read store.status('hotlist').stale next to this.
 *
 * Ids that do not have their kind's shape throw a RangeError (normaliseHotlistId): a kernel turns that
 * into a ProtocolError/decline, never into "not listed".
 */
import { ARTEFACT_KINDS } from '../downloads/registry';
import type { ArtefactStore } from '../downloads/store';
import { hexKeyHalves, hotlistKeyHalves, keyHalves, type HotlistIdKind, type HotlistKey } from './key';
import type { HotlistTable } from './table';

export type HotlistAnswer = 'listed' | 'not-listed' | 'unknown';

export interface HotlistLookup {
  /** Is this card / certificate blocked? */
  check(kind: HotlistIdKind, id: string): HotlistAnswer;
  /** The same for a precomputed key (hotlistKey), or its 16-hex-digit form (Credential.hotlistKeys). */
  checkKey(key: HotlistKey | string): HotlistAnswer;
  /** Version of the list answering (undefined when 'unknown'). */
  version(): number | undefined;
}

/** A lookup over whatever list the store has in force at each call (sees applied deltas at once). */
export function storeHotlist(store: ArtefactStore): HotlistLookup {
  return lookupOver(() => store.get<HotlistTable>(ARTEFACT_KINDS.hotlist));
}

/** A lookup over a fixed table (tests, replay of recorded transactions). */
export function tableHotlist(table: HotlistTable | undefined, version?: number): HotlistLookup {
  return lookupOver(() => (table ? { value: table, version } : undefined));
}

function lookupOver(current: () => { value: HotlistTable; version?: number } | undefined): HotlistLookup {
  // Halves computed without BigInt: a lookup allocates almost nothing (no GC pauses at a gate).
  const answer = (h: { hi: number; lo: number }): HotlistAnswer => {
    const t = current()?.value;
    if (!t) return 'unknown';
    return t.hasHalves(h.hi, h.lo) ? 'listed' : 'not-listed';
  };
  return {
    check: (kind, id) => answer(hotlistKeyHalves(kind, id)),
    checkKey: (key) => answer(typeof key === 'string' ? hexKeyHalves(key) : keyHalves(key)),
    version: () => current()?.version,
  };
}

/**
 * A yes/no predicate for kernels that take `isHotlisted(kind, id) => boolean` (src/transit, src/ssse).
 * What "no usable list" means is the profile's stale policy, so the caller must say it: 'decline'
 * (fail-closed: treat as listed) or 'accept' (fail-open). Pair it with store.status('hotlist').stale if
 * an old list should also count as unusable.
 */
export function hotlistPredicate(lookup: HotlistLookup, whenUnknown: 'decline' | 'accept'): (kind: HotlistIdKind, id: string) => boolean {
  return (kind, id) => {
    const a = lookup.check(kind, id);
    return a === 'listed' || (a === 'unknown' && whenUnknown === 'decline');
  };
}
