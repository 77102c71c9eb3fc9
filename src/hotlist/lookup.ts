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
import { hotlistKey, keyHalves, type HotlistIdKind, type HotlistKey } from './key';
import type { HotlistTable } from './table';

export type HotlistAnswer = 'listed' | 'not-listed' | 'unknown';

export interface HotlistLookup {
  /** Is this card / certificate blocked? */
  check(kind: HotlistIdKind, id: string): HotlistAnswer;
  /** The same for a precomputed key (hotlistKey). */
  checkKey(key: HotlistKey): HotlistAnswer;
  /** Version of the list answering (undefined when 'unknown'). */
  version(): number | undefined;
}

/** A lookup over whatever list the store has in force at each call (sees applied deltas at once). */
export function storeHotlist(store: ArtefactStore): HotlistLookup {
  const current = () => store.get<HotlistTable>(ARTEFACT_KINDS.hotlist);
  return {
    check: (kind, id) => answer(current()?.value, hotlistKey(kind, id)),
    checkKey: (key) => answer(current()?.value, key),
    version: () => current()?.version,
  };
}

/** A lookup over a fixed table (tests, replay of recorded transactions). */
export function tableHotlist(table: HotlistTable | undefined, version?: number): HotlistLookup {
  return {
    check: (kind, id) => answer(table, hotlistKey(kind, id)),
    checkKey: (key) => answer(table, key),
    version: () => (table ? version : undefined),
  };
}

function answer(table: HotlistTable | undefined, key: HotlistKey): HotlistAnswer {
  if (!table) return 'unknown';
  const { hi, lo } = keyHalves(key);
  return table.hasHalves(hi, lo) ? 'listed' : 'not-listed';
}
