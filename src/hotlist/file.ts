/**
 * The hotlist's files on the terminal: a base file and, after deltas, an overlay file.
 *
 *   offset size
 *     0     4  magic "YKHF"
 *     4     1  format = 1
 *     5     1  role: 1 base, 2 overlay
 *     6     2  reserved, 0
 *     8     8  version of the list this file belongs to, u64 little-endian
 *    16     4  A = keys in the first array (base: all keys; overlay: added keys), u32 little-endian
 *    20     4  R = keys in the second array (overlay: removed keys; base: 0), u32 little-endian
 *    24     8  reserved, 0
 *    32    32  SHA-256 over bytes [0, 32) ‖ bytes [64, end)
 *    64   8·A  keys (keys.ts layout), then 8·R keys
 *
 * Verified on every load (SHA-256 of 80 MB ≈ 50 ms with SHA extensions): a corrupt or truncated file is
 * a HotlistFileError, never a silently shorter list. Files are written once under a fresh name and
 * fsync'ed; which files are in force is decided elsewhere (the artefact store's SQLite row), so a crash
 * while writing leaves only an unreferenced file that the next start deletes.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { keyCount, keysAsBytes, type KeyArray } from './keys';

const HEADER = 64;
const MAGIC = [0x59, 0x4b, 0x48, 0x46]; // "YKHF"

export type KeyFileRole = 'base' | 'overlay';

export interface KeyFile {
  role: KeyFileRole;
  version: number;
  first: KeyArray;
  second: KeyArray;
  bytes: number;
}

export class HotlistFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: 'missing' | 'corrupt' | 'io',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`hotlist file ${path}: ${message}`, options);
    this.name = 'HotlistFileError';
  }
}

function header(role: KeyFileRole, version: number, a: number, r: number): Uint8Array {
  const h = new Uint8Array(HEADER);
  const dv = new DataView(h.buffer);
  h.set(MAGIC);
  h[4] = 1;
  h[5] = role === 'base' ? 1 : 2;
  dv.setBigUint64(8, BigInt(version), true);
  dv.setUint32(16, a, true);
  dv.setUint32(20, r, true);
  return h;
}

function digest(head: Uint8Array, first: Uint8Array, second: Uint8Array): Buffer {
  return createHash('sha256').update(head.subarray(0, 32)).update(first).update(second).digest();
}

/** SHA-256 in 8 MiB slices with a yield between them (80 MiB would hold the event loop ≈ 50 ms). */
async function digestYielding(head: Uint8Array, parts: Uint8Array[]): Promise<Buffer> {
  const h = createHash('sha256').update(head.subarray(0, 32));
  const SLICE = 8 << 20;
  for (const p of parts) {
    for (let o = 0; o < p.length; o += SLICE) {
      h.update(p.subarray(o, o + SLICE));
      if (p.length > SLICE) await new Promise<void>((r) => setImmediate(r));
    }
  }
  return h.digest();
}

/** Write a key file under a new name and fsync it (the caller fsyncs the directory). */
export async function writeKeyFile(path: string, role: KeyFileRole, version: number, first: KeyArray, second: KeyArray): Promise<number> {
  const head = header(role, version, keyCount(first), keyCount(second));
  const a = keysAsBytes(first);
  const b = keysAsBytes(second);
  head.set(await digestYielding(head, [a, b]), 32);
  const fh = await open(path, 'wx'); // a fresh name: never overwrite a file that may be in force
  try {
    await fh.writev([head, a, b]);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return HEADER + a.length + b.length;
}

/** Read and verify a key file. The keys are views into one aligned buffer (no copy). */
export function readKeyFile(path: string, expect: { role: KeyFileRole; version?: number }): KeyFile {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new HotlistFileError(path, code === 'ENOENT' ? 'missing' : 'io', code === 'ENOENT' ? 'missing' : `cannot open (${code})`, { cause: e });
  }
  try {
    const size = fstatSync(fd).size;
    if (size < HEADER) throw new HotlistFileError(path, 'corrupt', `truncated: ${size} bytes, shorter than the ${HEADER}-byte header`);
    const buf = new Uint8Array(new ArrayBuffer(size));
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    if (off !== size) throw new HotlistFileError(path, 'corrupt', `short read: ${off} of ${size} bytes`);
    const dv = new DataView(buf.buffer);
    if (!MAGIC.every((b, i) => buf[i] === b)) throw new HotlistFileError(path, 'corrupt', 'not a hotlist key file (bad magic)');
    if (buf[4] !== 1) throw new HotlistFileError(path, 'corrupt', `format ${buf[4]} is not supported`);
    const role: KeyFileRole | undefined = buf[5] === 1 ? 'base' : buf[5] === 2 ? 'overlay' : undefined;
    if (role !== expect.role) throw new HotlistFileError(path, 'corrupt', `expected a ${expect.role} file, found role byte ${buf[5]}`);
    const version = Number(dv.getBigUint64(8, true));
    if (expect.version !== undefined && version !== expect.version) throw new HotlistFileError(path, 'corrupt', `holds version ${version}, expected ${expect.version}`);
    const a = dv.getUint32(16, true);
    const r = dv.getUint32(20, true);
    const want = HEADER + 8 * (a + r);
    if (size !== want) throw new HotlistFileError(path, 'corrupt', `${size} bytes but the header announces ${a} + ${r} keys (${want} bytes): truncated or padded`);
    const first = buf.subarray(HEADER, HEADER + 8 * a);
    const second = buf.subarray(HEADER + 8 * a);
    const d = digest(buf, first, second);
    if (!d.equals(buf.subarray(32, 64))) throw new HotlistFileError(path, 'corrupt', 'SHA-256 mismatch: the file was damaged after it was written');
    return {
      role,
      version,
      first: new Uint32Array(buf.buffer, HEADER, 2 * a),
      second: new Uint32Array(buf.buffer, HEADER + 8 * a, 2 * r),
      bytes: size,
    };
  } finally {
    closeSync(fd);
  }
}
