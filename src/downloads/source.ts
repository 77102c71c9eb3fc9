/**
 * Backend side: where published artefacts come from (backend-routes.ts serves them). The publisher
 * builds and signs (publisher.ts); a source only stores and selects — it never holds a private key and
 * does not need to verify (terminals do).
 *
 * Selection for a terminal that has version `have` of a kind:
 *   - have ≥ the latest version → up to date (HTTP 304);
 *   - a delta whose base is `have` → the one reaching the highest version (the terminal then asks again);
 *   - otherwise (or when the terminal asks for a full one) → the latest full artefact.
 * Publish a full artefact for every version; deltas are optional shortcuts.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { artefactHeaderSchema, isEnvelope, MAX_HEADER_BYTES, parseEnvelope, sha256Hex, type ArtefactHeader } from './envelope';

export interface PublishedArtefact {
  kind: string;
  version: number;
  base?: number;
  created: number;
  expires: number;
  /** Envelope size in bytes. */
  size: number;
  /** SHA-256 of the whole envelope, hex. */
  sha256?: string;
}

export type Selection = { status: 'ok'; meta: PublishedArtefact; bytes: Uint8Array } | { status: 'up-to-date'; latest: number } | { status: 'not-found'; why: string };

export interface ArtefactSource {
  /** Everything published, newest first per kind. */
  list(): Promise<PublishedArtefact[]>;
  /** What a terminal at `have` should download next (`full`: ignore deltas). */
  select(kind: string, have: number | undefined, full?: boolean): Promise<Selection>;
}

/** The selection rule (shared by every source). */
export function chooseArtefact(all: PublishedArtefact[], kind: string, have: number | undefined, full = false): { meta: PublishedArtefact } | { upToDate: number } | { notFound: string } {
  const mine = all.filter((a) => a.kind === kind);
  if (mine.length === 0) return { notFound: `nothing published for kind "${kind}"` };
  const latest = Math.max(...mine.map((a) => a.version));
  if (have !== undefined && have >= latest) return { upToDate: latest };
  if (have !== undefined && !full) {
    const deltas = mine.filter((a) => a.base === have).sort((a, b) => b.version - a.version);
    if (deltas[0]) return { meta: deltas[0] };
  }
  const fulls = mine.filter((a) => a.base === undefined).sort((a, b) => b.version - a.version);
  if (!fulls[0]) return { notFound: `no full "${kind}" artefact is published (only deltas)` };
  if (have !== undefined && fulls[0].version <= have) return { upToDate: latest };
  return { meta: fulls[0] };
}

function metaOf(h: ArtefactHeader, size: number, sha256?: string): PublishedArtefact {
  return { kind: h.kind, version: h.version, ...(h.base !== undefined ? { base: h.base } : {}), created: h.created, expires: h.expires, size, ...(sha256 ? { sha256 } : {}) };
}

const newestFirst = (a: PublishedArtefact, b: PublishedArtefact) => a.kind.localeCompare(b.kind) || b.version - a.version || (a.base ?? -1) - (b.base ?? -1);

/** In-memory source (tests, the demo, a backend that keeps artefacts in its database and loads them). */
export class MemoryArtefactSource implements ArtefactSource {
  private readonly items: { meta: PublishedArtefact; bytes: Uint8Array }[] = [];

  /** Add a signed artefact (structure checked; signatures are the terminals' business). */
  publish(bytes: Uint8Array): PublishedArtefact {
    const env = parseEnvelope(bytes);
    const meta = metaOf(env.header, bytes.length, sha256Hex(bytes));
    const same = this.items.findIndex((i) => i.meta.kind === meta.kind && i.meta.version === meta.version && i.meta.base === meta.base);
    if (same >= 0) this.items.splice(same, 1);
    this.items.push({ meta, bytes });
    return meta;
  }

  async list(): Promise<PublishedArtefact[]> {
    return this.items.map((i) => i.meta).sort(newestFirst);
  }

  async select(kind: string, have: number | undefined, full = false): Promise<Selection> {
    const c = chooseArtefact(this.items.map((i) => i.meta), kind, have, full);
    if ('upToDate' in c) return { status: 'up-to-date', latest: c.upToDate };
    if ('notFound' in c) return { status: 'not-found', why: c.notFound };
    return { status: 'ok', meta: c.meta, bytes: this.items.find((i) => i.meta === c.meta)!.bytes };
  }
}

/**
 * A directory of `*.ykta` files written by the publisher (any names). Headers are re-read when a file's
 * size or mtime changes, so publishing is "write to a temp name, rename into the directory".
 */
export class DirectoryArtefactSource implements ArtefactSource {
  private readonly cache = new Map<string, { stamp: string; meta: PublishedArtefact | null }>();

  constructor(readonly dir: string) {}

  private scan(): { meta: PublishedArtefact; file: string }[] {
    const out: { meta: PublishedArtefact; file: string }[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.ykta')) continue;
      const file = join(this.dir, name);
      const st = statSync(file);
      const stamp = `${st.size}:${st.mtimeMs}`;
      let c = this.cache.get(name);
      if (!c || c.stamp !== stamp) {
        c = { stamp, meta: readMeta(file, st.size) };
        this.cache.set(name, c);
      }
      if (c.meta) out.push({ meta: c.meta, file });
    }
    return out;
  }

  async list(): Promise<PublishedArtefact[]> {
    return this.scan()
      .map((s) => s.meta)
      .sort(newestFirst);
  }

  async select(kind: string, have: number | undefined, full = false): Promise<Selection> {
    const items = this.scan();
    const c = chooseArtefact(items.map((i) => i.meta), kind, have, full);
    if ('upToDate' in c) return { status: 'up-to-date', latest: c.upToDate };
    if ('notFound' in c) return { status: 'not-found', why: c.notFound };
    const file = items.find((i) => i.meta === c.meta)!.file;
    return { status: 'ok', meta: c.meta, bytes: new Uint8Array(await readFile(file)) };
  }
}

/** Read only the header of an envelope file; null if it is not one (ignored, like a stray file). */
function readMeta(file: string, size: number): PublishedArtefact | null {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(size, 8 + MAX_HEADER_BYTES));
    readSync(fd, buf, 0, buf.length, 0);
    if (buf.length < 8 || !isEnvelope(buf)) return null;
    const h = buf.readUInt32BE(4);
    if (h > MAX_HEADER_BYTES || 8 + h > buf.length) return null;
    const parsed = artefactHeaderSchema.safeParse(JSON.parse(buf.toString('utf8', 8, 8 + h)));
    return parsed.success ? metaOf(parsed.data, size) : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
