/**
 * Writing an image into a slot directory and checking a slot on disk.
 *
 * The entries were validated by tar.ts and image.ts before this runs (paths relative, no traversal,
 * regular files only, hashes match the manifest). Here, defence in depth: every path is resolved and
 * must stay inside the slot; the slot directory is removed and created fresh, so it holds nothing we
 * did not create; files are created with O_EXCL ('wx': never follows or overwrites an existing link
 * or file), mode 0644; each file and then each directory is fsynced before the slot is called
 * `installed`.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, lstatSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { FirmwareError } from './errors';
import { fsyncDir, writeAllSync } from './fsutil';
import { MANIFEST_PATH, parseManifest, type ParsedImage } from './image';
import { sha256Hex } from './trust';

export function clearSlot(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  fsyncDir(dirname(dir));
}

function inside(dir: string, rel: string): string {
  const root = resolve(dir);
  const p = resolve(root, rel);
  if (!p.startsWith(root + sep)) throw new FirmwareError('archive', `unpack: ${rel} would land outside the slot`);
  return p;
}

/** Unpack a parsed image into an EMPTY slot directory. `onFile` lets tests interrupt mid-way. */
export function writeSlot(dir: string, image: ParsedImage, onFile?: (index: number, path: string) => void): void {
  const dirs = new Set<string>([resolve(dir)]);
  const all = [{ path: MANIFEST_PATH, data: image.manifestBytes }, ...image.files];
  all.forEach((f, i) => {
    const p = inside(dir, f.path);
    const parent = dirname(p);
    if (!dirs.has(parent)) {
      mkdirSync(parent, { recursive: true, mode: 0o755 });
      for (let d = parent; !dirs.has(d); d = dirname(d)) dirs.add(d);
    }
    const fd = openSync(p, 'wx', 0o644);
    try {
      writeAllSync(fd, f.data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    onFile?.(i, f.path);
  });
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) fsyncDir(d);
}

export interface SlotCheck {
  ok: boolean;
  problems: string[];
  version?: string;
  manifestSha256?: string;
}

/** Re-read a slot from disk and check every file against its manifest (sizes, hashes, no links). */
export function checkSlot(dir: string): SlotCheck {
  const problems: string[] = [];
  let manifestBytes: Uint8Array;
  try {
    manifestBytes = new Uint8Array(readFileSync(join(dir, MANIFEST_PATH)));
  } catch (e) {
    return { ok: false, problems: [`no readable ${MANIFEST_PATH} (${(e as Error).message})`] };
  }
  let manifest;
  try {
    manifest = parseManifest(manifestBytes);
  } catch (e) {
    return { ok: false, problems: [(e as Error).message] };
  }
  for (const f of manifest.files) {
    try {
      const p = inside(dir, f.path);
      const st = lstatSync(p);
      if (!st.isFile()) {
        problems.push(`${f.path} is not a regular file`);
        continue;
      }
      const data = readFileSync(p);
      if (data.length !== f.size || sha256Hex(data) !== f.sha256) problems.push(`${f.path} differs from the manifest`);
    } catch (e) {
      problems.push(`${f.path}: ${(e as Error).message}`);
    }
    if (problems.length >= 20) break;
  }
  return { ok: problems.length === 0, problems, version: manifest.version, manifestSha256: sha256Hex(manifestBytes) };
}
