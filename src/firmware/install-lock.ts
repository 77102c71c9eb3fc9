/**
 * One install at a time per firmware root (the update agent and an operator's `ykt image install`
 * may race): `<root>/install.lock` created with O_EXCL, holding the owner's pid. A lock whose pid is
 * no longer alive (the installer was killed) is taken over — the state it left is settled by
 * recoverAtBoot before anything else.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FirmwareError } from './errors';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireInstallLock(root: string): () => void {
  mkdirSync(root, { recursive: true });
  const path = join(root, 'install.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new FirmwareError('io', `cannot create ${path}: ${(e as Error).message}`);
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new FirmwareError('state', `another install is running (pid ${pid}, ${path}); wait for it to finish`);
      }
      rmSync(path, { force: true }); // stale: its owner died
    }
  }
  throw new FirmwareError('state', `cannot take ${path}`);
}
