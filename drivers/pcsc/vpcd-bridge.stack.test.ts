/**
 * The vpcd bridge on the real stack, in the situation that deadlocked it: the PC/SC client and the
 * virtual card in one process, the JS thread busy while pcscd's presence poll asks vpcd for the ATR,
 * then a synchronous SCardDisconnect (which pcscd serialises behind that poll). The ATR must come from
 * the bridge's link worker, not from the JS thread. Run in a child process: a deadlock there is a
 * timeout here, not a frozen test runner.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PcscdHarness } from './harness/pcscd-harness';

const CHILD = fileURLToPath(new URL('./harness/busy-disconnect-child.ts', import.meta.url));
let h: PcscdHarness;

beforeAll(async () => {
  h = await PcscdHarness.start({ vpcdInstances: 1 });
});

afterAll(async () => {
  await h?.dispose();
});

it('a synchronous disconnect during a presence poll does not wait for the busy JS thread', async () => {
  const rounds = 3;
  const { code, out, timedOut } = await new Promise<{ code: number | null; out: string; timedOut: boolean }>((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD, String(h.slots[0]!.port), h.slots[0]!.reader, String(rounds)], {
      env: h.clientEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (out += b.toString()));
    let timedOut = false;
    // Each round: ≤ 0.6 s busy + a connect; a deadlock never ends.
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, 20_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, timedOut });
    });
  });
  expect(timedOut, `child deadlocked; its output:\n${out}`).toBe(false);
  expect(code, out).toBe(0);
  expect(out).toContain(`round ${rounds - 1} closed`);
  expect(out).toContain('done');
});
