/**
 * Graceful shutdown and restart of the runtime as a process: SIGTERM arrives while a card transaction
 * is in progress (a slow emulated card: the virtual driver's latency control) → the transaction
 * completes and is journaled, then the process exits 0. Restarted with `ykt start --config FILE` →
 * ready, and the journal (hash chain) verifies, with that record in it and acknowledged by the backend.
 *
 * Real processes and real signals; the card is in-process in the child (start-child.ts). Real time
 * is unavoidable here (a process's start-up); every wait has a deadline.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../core/paths';
import { createKeystore, openJournal } from '../../journal';
import { startLocalWorld, type LocalWorld } from '../demo/world';
import type { DecisionEvent } from '../events';

const CHILD = join(projectRoot(), 'src', 'runtime', 'e2e', 'start-child.ts');
const YKT = join(projectRoot(), 'src', 'cli', 'ykt.ts');
const TERMINAL = 'T-E2E-STOP-01';

interface Proc {
  p: ChildProcessWithoutNullStreams;
  lines: string[];
  err: string[];
  waitLine(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[]): Proc {
  const p = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: projectRoot(), stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const err: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buf = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (!w.re.test(line)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  p.stderr.setEncoding('utf8').on('data', (d: string) => err.push(d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => p.on('exit', (code, signal) => r({ code, signal })));
  return {
    p,
    lines,
    err,
    exited,
    waitLine(re, timeoutMs = 20_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no line ${re} within ${timeoutMs} ms; stdout:\n${lines.join('\n')}\nstderr:\n${err.join('').slice(-3000)}`)), timeoutMs);
        waiters.push({ re, resolve: (l) => (clearTimeout(t), resolve(l)) });
        void exited.then(() => setTimeout(() => reject(new Error(`exited before ${re}; stdout:\n${lines.join('\n')}\nstderr:\n${err.join('').slice(-3000)}`)), 50));
      });
    },
  };
}

let dir: string;
let world: LocalWorld;
let configPath: string;
let journalPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ykt-e2e-stop-'));
  world = await startLocalWorld({ dir: join(dir, 'world'), profile: { kind: 'library' } });
  const config = world.terminalConfig({ id: TERMINAL, profile: { kind: 'library', venue: 'e2e' }, config: { display: { port: 0 }, reader: { driver: 'virtual', virtual: { readers: [{ name: 'Emulated Reader 00 00' }] } } } });
  mkdirSync(config.terminal.dataDir, { recursive: true });
  await world.enrolTerminal(createKeystore(config.journal.keystorePath).publicKey, TERMINAL);
  journalPath = config.journal.path;
  configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
});

afterAll(async () => {
  await world?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ykt start: graceful shutdown and restart', () => {
  it('SIGTERM during a slow card transaction: the transaction completes and is journaled, then exit 0', async () => {
    const child = run([CHILD, configPath, '60']); // 60 ms per APDU: the read takes several hundred ms
    try {
      await child.waitLine(/^READY /);
      child.p.stdin.write('tap ssc-3rd-zhengzhou\n');
      await child.waitLine(/^IN-PROGRESS /);
      child.p.kill('SIGTERM');
      const exit = await child.exited;
      expect(exit, child.err.join('')).toEqual({ code: 0, signal: null });
    } finally {
      if (child.p.exitCode === null) child.p.kill('SIGKILL');
    }
    const order = child.lines.map((l) => l.split(' ')[0]!.replace(/:$/, ''));
    // stopping is announced before the decision arrives: the signal came mid-transaction
    const stoppingAt = child.lines.findIndex((l) => /SIGTERM: stopping/.test(l));
    const decisionAt = child.lines.findIndex((l) => l.startsWith('DECISION '));
    expect(stoppingAt, order.join(' ')).toBeGreaterThan(-1);
    expect(decisionAt).toBeGreaterThan(stoppingAt);
    expect(child.lines.some((l) => /^ykt: stopped in \d+ ms/.test(l))).toBe(true);
    const ev = JSON.parse(child.lines[decisionAt]!.slice('DECISION '.length)) as DecisionEvent;
    expect(ev).toMatchObject({ outcome: 'approved', reason: 'entry', source: 'ssse-card' });

    const j = openJournal({ path: journalPath, terminalId: TERMINAL, readonly: true, create: false });
    try {
      const rec = j.get(BigInt(ev.seq));
      expect(rec).toMatchObject({ outcome: 'approved', reason: 'entry', service: 'library' });
      expect(j.verify().ok).toBe(true);
    } finally {
      j.close();
    }
  }, 60_000);

  it('restart with ykt start --config: ready, the journal verifies, the record reaches the backend; SIGINT stops it (exit 0)', async () => {
    const ykt = run([YKT, 'start', '--config', configPath]);
    try {
      const ready = await ykt.waitLine(/^ykt: ready in \d+ ms/);
      expect(ready).toMatch(/library terminal T-E2E-STOP-01, display http:\/\/127\.0\.0\.1:\d+\//);
      const deadline = Date.now() + 15_000;
      let stored = 0;
      while (Date.now() < deadline && (stored = (await world.report(TERMINAL)).records) < 1) await new Promise((r) => setTimeout(r, 100));
      expect(stored).toBe(1);
      ykt.p.kill('SIGINT');
      expect(await ykt.exited).toEqual({ code: 0, signal: null });
    } finally {
      if (ykt.p.exitCode === null) ykt.p.kill('SIGKILL');
    }
    const j = openJournal({ path: journalPath, terminalId: TERMINAL, readonly: true, create: false });
    try {
      const v = j.verify();
      expect(v.ok, JSON.stringify(v)).toBe(true);
      expect(j.syncPosition()).toMatchObject({ head: 1n, ackedThrough: 1n, unsent: 0n });
    } finally {
      j.close();
    }
  }, 60_000);
});
