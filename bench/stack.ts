/**
 * Helpers shared by the benchmarks that run over the real PC/SC stack (pcscd + vpcd: bench/pcsc,
 * bench/pboc, bench/transit): connecting once pcscd has seen the card, and the child process that
 * plays the emulated chips (bench/*-vicc.ts) so that the benchmark process's CPU is the terminal's alone.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CardConnection, ReaderDriver } from '../src/reader/types';

/** Connect to `reader` as soon as pcscd reports a card there (it polls vpcd ≈ every 0.4 s). */
export async function connectWhenPresent(d: ReaderDriver, reader: string, timeoutMs = 10_000): Promise<CardConnection> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await d.connect(reader);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Start `bench/<script>` (an emulated-chip process that prints "ready" once its vpcd bridges are in,
 * and exits when its stdin closes) and wait until it is ready. `stop()` closes its stdin and waits for it.
 */
export async function startVicc(script: string, args: readonly (string | number)[]): Promise<{ stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(dirname(fileURLToPath(import.meta.url)), script), ...args.map(String)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    void exited.then((code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return {
    async stop() {
      child.stdin!.end();
      await exited;
    },
  };
}
