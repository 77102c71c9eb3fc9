/**
 * Where the hotlist lives on the terminal: <dir>/base-v<N>-<rand>.ykhl and, after deltas,
 * <dir>/ovl-v<N>-<rand>.ykhl (file.ts). The artefact store's SQLite row holds a pointer naming the two
 * files in force plus the expected count and fingerprint; switching is that row's transaction, so a
 * crash while files are written leaves the old pointer and the old, complete files.
 *
 * A delta writes only the overlay (cumulative changes since the base: 100,000 changes ≈ 0.8 MB), never
 * the 80 MB base. store.maintain() — the runtime calls it when idle — folds an overlay larger than
 * compactAfterEntries into a new base (same version, new pointer, same atomic switch); an apply does it
 * itself only past maxOverlayEntries, so memory and files stay bounded if maintain() is never called.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ArtefactRefused } from '../downloads/errors';
import type { ArtefactHeader } from '../downloads/envelope';
import type { ArtefactSink } from '../downloads/registry';
import { readKeyFile, writeKeyFile } from './file';
import { EMPTY_KEYS } from './keys';
import type { HotlistPayload } from './payload';
import { HotlistTable } from './table';

interface Pointer {
  base: string;
  overlay: string | null;
  count: number;
  /** XOR fingerprint, 16 hex digits (hi ‖ lo). */
  xor: string;
}

export interface HotlistSinkOptions {
  dir: string;
  /** downloads.hotlist.compactAfterEntries: maintain() folds the overlay above this. */
  compactAfterEntries: number;
  /** downloads.hotlist.maxOverlayEntries: an apply folds the overlay itself above this. */
  maxOverlayEntries: number;
}

const fp = (t: HotlistTable): string => t.fingerprint.hi.toString(16).padStart(8, '0') + t.fingerprint.lo.toString(16).padStart(8, '0');
const FILE_RE = /^(base|ovl)-v\d+-[0-9a-f]{8}\.ykhl$/;

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function hotlistSink(opts: HotlistSinkOptions): ArtefactSink<HotlistTable, HotlistPayload> {
  mkdirSync(opts.dir, { recursive: true });
  // Which base file each table in memory was built on (an overlay file always refers to one base).
  const baseOf = new WeakMap<HotlistTable, string>();
  const name = (prefix: string, version: number): string => `${prefix}-v${version}-${randomBytes(4).toString('hex')}.ykhl`;

  return {
    load(pointerText: string, header: ArtefactHeader): HotlistTable {
      const p = JSON.parse(pointerText) as Pointer;
      if (typeof p.base !== 'string' || !FILE_RE.test(p.base) || (p.overlay !== null && !FILE_RE.test(String(p.overlay)))) throw new Error('hotlist pointer names no valid file');
      const base = readKeyFile(join(opts.dir, p.base), { role: 'base' });
      if (base.version > header.version) throw new Error(`hotlist base file holds v${base.version}, newer than v${header.version} in force`);
      let table = HotlistTable.fromParts(base.first);
      if (p.overlay) {
        const ovl = readKeyFile(join(opts.dir, p.overlay), { role: 'overlay', version: header.version });
        table = HotlistTable.fromParts(base.first, ovl.first, ovl.second, table.baseXor);
      } else if (base.version !== header.version) throw new Error(`hotlist base file holds v${base.version} but v${header.version} is in force and no overlay is named`);
      if (table.size !== p.count || fp(table) !== p.xor) throw new Error(`hotlist files give ${table.size} entries / fingerprint ${fp(table)}, the store recorded ${p.count} / ${p.xor}`);
      baseOf.set(table, p.base);
      return table;
    },

    async prepare(current: HotlistTable | undefined, parsed: HotlistPayload, header: ArtefactHeader): Promise<{ pointer: string; value: HotlistTable }> {
      let next: HotlistTable;
      let newBase = parsed.type === 'full';
      if (parsed.type === 'full') next = HotlistTable.fromParts(parsed.adds);
      else {
        if (!current) throw new ArtefactRefused('wrong-base', `hotlist v${header.version}: a delta needs a list in force`, header.kind, header.version);
        next = await current.applyDeltaAsync(parsed.adds, parsed.removes);
        if (next.size !== parsed.resultCount || next.fingerprint.hi !== parsed.resultXor.hi || next.fingerprint.lo !== parsed.resultXor.lo) {
          throw new ArtefactRefused(
            'result-mismatch',
            `hotlist v${header.version}: applying the delta on v${header.base} gives ${next.size} entries, the publisher signed ${parsed.resultCount} (or the fingerprints differ): this terminal's list diverged; a full hotlist is needed`,
            header.kind,
            header.version,
          );
        }
        if (next.overlaySize > opts.maxOverlayEntries) {
          next = await next.compactAsync();
          newBase = true;
        }
      }
      let baseName: string;
      let overlayName: string | null = null;
      if (newBase) {
        baseName = name('base', header.version);
        await writeKeyFile(join(opts.dir, baseName), 'base', header.version, next.base, EMPTY_KEYS);
      } else {
        const b = current && baseOf.get(current);
        if (!b) throw new Error('hotlist: the base file of the list in force is unknown');
        baseName = b;
        // Cumulative changes since the base, stamped with the new version (even when empty).
        overlayName = name('ovl', header.version);
        await writeKeyFile(join(opts.dir, overlayName), 'overlay', header.version, next.adds, next.removes);
      }
      await fsyncDir(opts.dir);
      baseOf.set(next, baseName);
      const pointer: Pointer = { base: baseName, overlay: overlayName, count: next.size, xor: fp(next) };
      return { pointer: JSON.stringify(pointer), value: next };
    },

    async maintain(current: HotlistTable, header: ArtefactHeader): Promise<{ pointer: string; value: HotlistTable } | undefined> {
      if (current.overlaySize <= opts.compactAfterEntries) return undefined;
      const next = await current.compactAsync();
      const baseName = name('base', header.version);
      await writeKeyFile(join(opts.dir, baseName), 'base', header.version, next.base, EMPTY_KEYS);
      await fsyncDir(opts.dir);
      baseOf.set(next, baseName);
      const pointer: Pointer = { base: baseName, overlay: null, count: next.size, xor: fp(next) };
      return { pointer: JSON.stringify(pointer), value: next };
    },

    cleanup(pointerText: string | undefined): void {
      const keep = new Set<string>();
      if (pointerText) {
        try {
          const p = JSON.parse(pointerText) as Pointer;
          keep.add(p.base);
          if (p.overlay) keep.add(p.overlay);
        } catch {
          return; // unreadable pointer: delete nothing (load() reports the corruption)
        }
      }
      let names: string[];
      try {
        names = readdirSync(opts.dir);
      } catch {
        return;
      }
      for (const n of names) {
        if (FILE_RE.test(n) && !keep.has(n)) {
          try {
            unlinkSync(join(opts.dir, n));
          } catch {
            /* retried at the next cleanup */
          }
        }
      }
    },
  };
}
