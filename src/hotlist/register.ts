/**
 * Registers the "hotlist" artefact kind with the download store (integration point for the runtime):
 *
 *   registerHotlistKind(registry, { dir: join(cfg.downloads.dataDir, 'hotlist'), ...cfg.downloads.hotlist });
 */
import { DAY, ARTEFACT_KINDS, type ArtefactRegistry } from '../downloads/registry';
import { decodeHotlistPayload, type HotlistPayload } from './payload';
import { hotlistSink } from './sink';
import type { HotlistTable } from './table';

export interface HotlistKindOptions {
  /** Directory for the hotlist's files (inside downloads.dataDir). */
  dir: string;
  /** downloads.hotlist.maxEntries */
  maxEntries: number;
  /** downloads.hotlist.compactAfterEntries (store.maintain folds the overlay above this) */
  compactAfterEntries: number;
  /** downloads.hotlist.maxOverlayEntries (an apply folds the overlay above this); default 4,000,000 */
  maxOverlayEntries?: number;
  /** Stale after this age unless downloads.maxAgeMs.hotlist says otherwise. Default 2 days. */
  defaultMaxAgeMs?: number;
}

export function registerHotlistKind(registry: ArtefactRegistry, o: HotlistKindOptions): ArtefactRegistry {
  return registry.register<HotlistTable, HotlistPayload>({
    kind: ARTEFACT_KINDS.hotlist,
    description: 'lost or blocked cards and e-code certificates (挂失), hashed keys; full and delta',
    maxPayloadBytes: Math.min(0xffff_ffff, 32 + 8 * o.maxEntries),
    defaultMaxAgeMs: o.defaultMaxAgeMs ?? 2 * DAY,
    validate: (payload, header) => {
      const p = decodeHotlistPayload(payload, o.maxEntries);
      // The envelope's `base` (checked by the store) and the payload's type must agree.
      if (p.type === 'delta' && header.base === undefined) throw new Error('hotlist payload is a delta but the artefact names no base version');
      if (p.type === 'full' && header.base !== undefined) throw new Error(`hotlist payload is a full list but the artefact is a delta on v${header.base}`);
      return p;
    },
    sink: hotlistSink({ dir: o.dir, compactAfterEntries: o.compactAfterEntries, maxOverlayEntries: o.maxOverlayEntries ?? 4_000_000 }),
  });
}
