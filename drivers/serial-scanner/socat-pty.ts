/**
 * Real pseudo-terminal pairs for the serial scanner's stack tests: `socat -d -d pty,raw,echo=0,link=A
 * pty,raw,echo=0,link=B`. The scanner opens A; the test writes to B as the scanner hardware would;
 * killing socat (SIGKILL) is unplugging the scanner. Needs the Debian package socat (.ci/system-packages.txt).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';

export interface PtyPair {
  /** The scanner's side. */
  device: string;
  /** The "hardware" side the test writes to. */
  wire: string;
  process: ChildProcess;
  write(data: string | Uint8Array): void;
  /** Unplug: SIGKILL socat, the pty pair disappears. */
  kill(): Promise<void>;
}

export function requireSocat(): void {
  const r = spawnSync('socat', ['-V'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error('socat is not installed: the serial scanner stack tests need it (apt-get install socat; listed in .ci/system-packages.txt)');
}

export function startPtyPair(device: string, wire: string, timeoutMs = 5000): Promise<PtyPair> {
  return new Promise((resolve, reject) => {
    const p = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${wire}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`socat did not start within ${timeoutMs} ms: ${log}`));
    }, timeoutMs);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('starting data transfer loop')) {
        clearTimeout(timer);
        let fd: number | undefined;
        resolve({
          device,
          wire,
          process: p,
          write(data) {
            fd ??= openSync(wire, 'r+');
            writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
          },
          kill: () =>
            new Promise<void>((r) => {
              if (fd !== undefined) {
                try {
                  closeSync(fd);
                } catch {
                  /* already gone */
                }
                fd = undefined;
              }
              if (p.exitCode !== null || p.signalCode !== null) return r();
              p.once('exit', () => r());
              p.kill('SIGKILL');
            }),
        });
      }
    });
  });
}
