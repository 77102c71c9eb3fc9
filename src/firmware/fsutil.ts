/**
 * Durable file operations. A state change is write-temp + fsync + rename + fsync(directory): after a
 * crash at any point the file holds either the old or the new content, never a torn mix (POSIX
 * rename(2) is atomic; the directory fsync makes the rename itself durable).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, symlinkSync, writeSync, readlinkSync, constants } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeAllSync(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

/** Atomically replace `path` with `data` (mode 0644 unless given). */
export function atomicWriteFile(path: string, data: Uint8Array | string, mode = 0o644): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}`);
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeAllSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dir);
}

/** Atomically point the symlink `link` at `target` (symlink a temp name, rename over). */
export function atomicSymlink(target: string, link: string): void {
  try {
    if (readlinkSync(link) === target) return;
  } catch {
    /* missing or not a link: replace */
  }
  const tmp = join(dirname(link), `.${basename(link)}.tmp-${process.pid}`);
  rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, link);
  fsyncDir(dirname(link));
}
