/**
 * Where the terminal reads a repository from. The update agent (or `ykt sync`) downloads the
 * repository's files into a local directory; the installer reads them through this interface, with
 * sizes checked before whole files are read.
 *
 * Repository layout (also what repository.ts writes):
 *   metadata/1.root.json, 2.root.json, …   every root version (the chain a terminal walks)
 *   metadata/root.json                     the newest root (convenience copy, not used by terminals)
 *   metadata/targets.json                  signed by the targets role
 *   metadata/timestamp.json                signed by the timestamp role, short-lived
 *   targets/<name>                         the images
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { FirmwareError } from './errors';
import { TARGET_NAME_RE } from './metadata';

export interface RepositorySource {
  /** A metadata file, or undefined when absent. Refuses files over maxBytes without reading them. */
  metadata(name: string, maxBytes: number): Promise<Uint8Array | undefined>;
  /** An image; refuses (image-size) one whose length is not `length` before reading it. */
  target(name: string, length: number): Promise<Uint8Array>;
}

function readBounded(path: string, check: (size: number) => void): Uint8Array | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FirmwareError('io', `cannot open ${path}: ${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FirmwareError('io', `${path} is not a regular file`);
    check(st.size);
    const buf = new Uint8Array(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) throw new FirmwareError('io', `${path} shrank while being read`);
      off += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

export function dirSource(dir: string): RepositorySource {
  return {
    async metadata(name, maxBytes) {
      if (!/^(\d{1,9}\.)?[a-z]+\.json$/.test(name)) throw new FirmwareError('malformed', `bad metadata file name ${name}`);
      return readBounded(join(dir, 'metadata', name), (size) => {
        if (size > maxBytes) throw new FirmwareError('malformed', `${name}: ${size} bytes exceeds the limit of ${maxBytes}`);
      });
    },
    async target(name, length) {
      if (!TARGET_NAME_RE.test(name)) throw new FirmwareError('malformed', `bad target name ${name}`);
      const bytes = readBounded(join(dir, 'targets', name), (size) => {
        if (size !== length) throw new FirmwareError('image-size', `image ${name} is ${size} bytes but the signed metadata says ${length} — refusing it before reading`);
      });
      if (!bytes) throw new FirmwareError('no-target', `image ${name} is listed in targets.json but missing from the repository`);
      return bytes;
    },
  };
}
