/**
 * A bounded reader and a deterministic writer for POSIX ustar archives (IEEE Std 1003.1-2017, pax
 * "ustar Interchange Format"). Our images use only regular files; anything else is refused by name.
 *
 * Why tar: standard tools can list and extract an image for inspection (`tar tvf image.tar`), and the
 * subset we accept is small enough to parse exhaustively here. The reader never touches the disk: it
 * returns validated entries, and the unpacker (slot-files.ts) writes them.
 *
 * Header (512 bytes, offsets in decimal): name 0/100, mode 100/8, uid 108/8, gid 116/8, size 124/12,
 * mtime 136/12, chksum 148/8, typeflag 156/1, linkname 157/100, magic 257/6 "ustar\0", version 263/2
 * "00", uname 265/32, gname 297/32, devmajor 329/8, devminor 337/8, prefix 345/155. Numeric fields are
 * octal ASCII terminated by NUL or space. The checksum is the sum of the header's bytes with the
 * chksum field read as eight spaces. The archive ends with two zero blocks; only zeros may follow.
 *
 * Refused: typeflags other than '0'/NUL (file) and '5' (directory) — symlinks '2', hard links '1',
 * character/block devices '3'/'4', FIFOs '6', contiguous '7', pax 'x'/'g' and GNU 'L'/'K'/… headers;
 * GNU magic; base-256 sizes; absolute paths, empty, '.' or '..' components, backslashes, characters
 * outside [A-Za-z0-9._+@-/]; duplicate paths and a file that is also a directory; entries, counts and
 * totals beyond the limits; truncated data; a bad checksum. Mode, owner and times are ignored: the
 * unpacker writes every file 0644, owned by the installer.
 */
import { FirmwareError } from './errors';

export interface TarEntry {
  path: string;
  data: Uint8Array;
}

export interface TarLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxPathLength: number;
  maxDepth: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = { maxEntries: 4096, maxEntryBytes: 64 * 1024 * 1024, maxTotalBytes: 256 * 1024 * 1024, maxPathLength: 255, maxDepth: 16 };

const BLOCK = 512;
const TYPE_NAMES: Record<string, string> = {
  '1': 'hard link',
  '2': 'symbolic link',
  '3': 'character device',
  '4': 'block device',
  '6': 'FIFO',
  '7': 'contiguous file',
  x: 'pax extended header',
  g: 'pax global header',
  L: 'GNU long name',
  K: 'GNU long link name',
  S: 'GNU sparse file',
  V: 'GNU volume header',
  M: 'GNU multi-volume continuation',
};
const PATH_CHARS = /^[A-Za-z0-9._+@/-]+$/;

const bad = (msg: string) => new FirmwareError('archive', `image archive: ${msg} — refusing the image`);

function field(h: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && h[end] !== 0) end++;
  let s = '';
  for (let i = off; i < end; i++) s += String.fromCharCode(h[i]!);
  return s;
}

function octal(h: Uint8Array, off: number, len: number, what: string): number {
  if ((h[off]! & 0x80) !== 0) throw bad(`${what}: base-256 numbers are not accepted`);
  const s = field(h, off, len).replace(/[ ]+$/, '').replace(/^ +/, '');
  if (!/^[0-7]{1,11}$/.test(s)) throw bad(`${what}: ${JSON.stringify(s)} is not an octal number`);
  return parseInt(s, 8);
}

function isZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

/** Check an archive path; returns it without a trailing slash. */
export function checkArchivePath(raw: string, limits: Pick<TarLimits, 'maxPathLength' | 'maxDepth'> = DEFAULT_TAR_LIMITS): string {
  if (raw.length === 0) throw bad('an entry has an empty name');
  if (raw.length > limits.maxPathLength) throw bad(`path of ${raw.length} characters exceeds ${limits.maxPathLength}`);
  if (raw.startsWith('/')) throw bad(`absolute path ${JSON.stringify(raw)}`);
  if (!PATH_CHARS.test(raw)) throw bad(`path ${JSON.stringify(raw)} has characters outside [A-Za-z0-9._+@-/]`);
  const p = raw.endsWith('/') ? raw.slice(0, -1) : raw;
  const parts = p.split('/');
  if (parts.length > limits.maxDepth) throw bad(`path ${JSON.stringify(raw)} is nested deeper than ${limits.maxDepth}`);
  for (const c of parts) {
    if (c === '') throw bad(`path ${JSON.stringify(raw)} has an empty component`);
    if (c === '.' || c === '..') throw bad(`path ${JSON.stringify(raw)} has a "${c}" component (path traversal)`);
  }
  return p;
}

export function readTar(bytes: Uint8Array, limits: TarLimits = DEFAULT_TAR_LIMITS): TarEntry[] {
  if (bytes.length % BLOCK !== 0) throw bad(`length ${bytes.length} is not a multiple of ${BLOCK}`);
  const entries: TarEntry[] = [];
  const files = new Set<string>();
  const dirs = new Set<string>();
  const parents = new Set<string>(); // every directory implied by a path seen so far
  let total = 0;
  let off = 0;
  for (;;) {
    if (off + BLOCK > bytes.length) throw bad('truncated: no end-of-archive marker');
    if (isZero(bytes, off, off + BLOCK)) {
      if (off + 2 * BLOCK > bytes.length || !isZero(bytes, off + BLOCK, off + 2 * BLOCK)) throw bad('a single zero block where the end-of-archive marker needs two');
      if (!isZero(bytes, off + 2 * BLOCK, bytes.length)) throw bad('data after the end-of-archive marker');
      return entries;
    }
    if (entries.length >= limits.maxEntries) throw bad(`more than ${limits.maxEntries} entries`);
    const h = bytes.subarray(off, off + BLOCK);
    const stored = octal(h, 148, 8, 'checksum');
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    if (sum !== stored) throw bad(`header at offset ${off} has a bad checksum`);
    if (field(h, 257, 6) !== 'ustar' || h[262] !== 0 || h[263] !== 0x30 || h[264] !== 0x30) throw bad(`header at offset ${off} is not POSIX ustar`);
    const type = String.fromCharCode(h[156]!);
    const prefix = field(h, 345, 155);
    const name = field(h, 0, 100);
    const fullName = prefix ? `${prefix}/${name}` : name;
    if (type !== '0' && type !== '\0' && type !== '5') {
      throw bad(`entry ${JSON.stringify(fullName)} is a ${TYPE_NAMES[type] ?? `type ${JSON.stringify(type)} entry`}; only regular files are allowed`);
    }
    const path = checkArchivePath(fullName, limits);
    const size = octal(h, 124, 12, `size of ${JSON.stringify(path)}`);
    if (size > limits.maxEntryBytes) throw bad(`entry ${JSON.stringify(path)} is ${size} bytes, over the limit of ${limits.maxEntryBytes}`);
    total += size;
    if (total > limits.maxTotalBytes) throw bad(`contents exceed ${limits.maxTotalBytes} bytes`);
    const dataStart = off + BLOCK;
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (dataStart + padded > bytes.length) throw bad(`entry ${JSON.stringify(path)} is truncated`);
    if (files.has(path) || dirs.has(path)) throw bad(`duplicate entry ${JSON.stringify(path)}`);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (files.has(parent)) throw bad(`${JSON.stringify(path)} is inside ${JSON.stringify(parent)}, which is a file`);
    }
    if (type === '5') {
      if (size !== 0) throw bad(`directory ${JSON.stringify(path)} has a size`);
      dirs.add(path);
    } else {
      if (parents.has(path)) throw bad(`${JSON.stringify(path)} is both a file and a directory`);
      files.add(path);
      entries.push({ path, data: bytes.subarray(dataStart, dataStart + size) });
    }
    for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join('/'));
    off = dataStart + padded;
  }
}

function putString(h: Uint8Array, off: number, len: number, s: string): void {
  if (s.length > len) throw new RangeError(`tar field too long: ${s}`);
  for (let i = 0; i < s.length; i++) h[off + i] = s.charCodeAt(i);
}
function putOctal(h: Uint8Array, off: number, len: number, n: number): void {
  putString(h, off, len, n.toString(8).padStart(len - 1, '0') + '\0');
}

function splitName(path: string): { name: string; prefix: string } {
  if (path.length <= 100) return { name: path, prefix: '' };
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] === '/' && i <= 155 && path.length - i - 1 <= 100) return { prefix: path.slice(0, i), name: path.slice(i + 1) };
  }
  throw new RangeError(`path too long for ustar: ${path}`);
}

/**
 * Deterministic ustar: entries in the order given, mode 0644, uid/gid 0, mtime 0, no user names —
 * the same input files always give the same bytes (reproducible images).
 */
export function writeTar(
  entries: readonly TarEntry[],
  /** Tests only: write some entries with another typeflag (symlink, device…) to build hostile archives. */
  rawTypes?: ReadonlyMap<string, { type: string; linkname?: string }>,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (const e of entries) {
    const special = rawTypes?.get(e.path);
    const h = new Uint8Array(BLOCK);
    const { name, prefix } = splitName(e.path);
    putString(h, 0, 100, name);
    putOctal(h, 100, 8, 0o644);
    putOctal(h, 108, 8, 0);
    putOctal(h, 116, 8, 0);
    putOctal(h, 124, 12, e.data.length);
    putOctal(h, 136, 12, 0);
    h[156] = (special?.type ?? '0').charCodeAt(0);
    if (special?.linkname) putString(h, 157, 100, special.linkname);
    putString(h, 257, 6, 'ustar\0');
    putString(h, 263, 2, '00');
    putString(h, 345, 155, prefix);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    putString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
    chunks.push(h, e.data);
    size += BLOCK + e.data.length;
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad) {
      chunks.push(new Uint8Array(pad));
      size += pad;
    }
  }
  chunks.push(new Uint8Array(2 * BLOCK));
  size += 2 * BLOCK;
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
