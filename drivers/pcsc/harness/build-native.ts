/**
 * Compiles the harness's two small C helpers with gcc, once per source version, into
 * `.var/pcsc-harness/<hash>/` (or $YKT_HARNESS_DIR): the TCP_NODELAY LD_PRELOAD shim and the
 * socket-activation launcher. Fails loudly when gcc is missing (Debian: gcc libc6-dev).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../../../src/core/paths';

const here = dirname(fileURLToPath(import.meta.url));

export interface HarnessBinaries {
  /** LD_PRELOAD this into pcscd. */
  nodelayShim: string;
  /** socket-activate SOCKET PROGRAM [ARGS...] */
  socketActivate: string;
}

let cached: HarnessBinaries | undefined;

export function buildHarnessBinaries(outRoot = process.env.YKT_HARNESS_DIR ?? join(projectRoot(), '.var', 'pcsc-harness')): HarnessBinaries {
  if (cached) return cached;
  const shimSrc = join(here, 'tcp-nodelay-shim.c');
  const launchSrc = join(here, 'socket-activate.c');
  const hash = createHash('sha256').update(readFileSync(shimSrc)).update(readFileSync(launchSrc)).digest('hex').slice(0, 12);
  const dir = join(outRoot, hash);
  mkdirSync(dir, { recursive: true });
  const nodelayShim = join(dir, 'libtcpnodelay.so');
  const socketActivate = join(dir, 'socket-activate');
  compile(nodelayShim, ['-shared', '-fPIC', '-O2', '-Wall', '-o', '{out}', shimSrc, '-ldl']);
  compile(socketActivate, ['-O2', '-Wall', '-o', '{out}', launchSrc]);
  cached = { nodelayShim, socketActivate };
  return cached;
}

function compile(out: string, args: string[]): void {
  if (existsSync(out)) return;
  // Build to a temporary name, then rename: parallel test processes never see half a binary.
  const tmp = `${out}.${process.pid}.tmp`;
  const r = spawnSync('gcc', args.map((a) => (a === '{out}' ? tmp : a)), { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('the PC/SC test harness needs gcc to build its helpers: apt-get install gcc libc6-dev (listed in .ci/system-packages.txt)');
  }
  if (r.status !== 0) throw new Error(`gcc failed building ${out}:\n${r.stderr}`);
  renameSync(tmp, out);
}
