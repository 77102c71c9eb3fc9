/**
 * kill -9 during an install. A child process (testing/install-child.ts) records transactions in a
 * real journal (src/journal: WAL, synchronous=FULL), then installs an update and is SIGKILLed at one
 * install point. The test then plays the next boot (recoverAtBoot) and checks, for every point:
 * the terminal ends on a working slot (files match its manifest, the runtime starts), every record
 * the child saw durable is in the journal and the chain verifies, and a retried install completes.
 */
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openJournal } from '../journal/index';
import { recoverAtBoot } from './boot';
import { installUpdate, type InstallPoint } from './installer';
import { checkSlot } from './slot-files';
import { readState, slotDir } from './slots';
import { bundleEntry } from '../sync/testing/bundle';
import { createHarness, HARDWARE, TERMINAL_ID, type Harness } from './testing/harness';
import type { SampleBehaviour } from './testing/sample-runtime';

let child: string;
beforeAll(async () => {
  child = await bundleEntry('src/firmware/testing/install-child.ts');
});
afterAll(() => rmSync(child, { force: true }));

let h: Harness;
beforeEach(async () => {
  h = createHarness({ records: 20 });
  h.publish('1.0.0');
  expect((await installUpdate(h.options())).result).toBe('installed');
  await h.gate.resume();
  h.journal().close(); // the child is the terminal now
});
afterEach(() => h.cleanup());

const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');

/** Run the child until it announces `stopAt`, then SIGKILL it. Returns the highest durable seq. */
async function runChildAndKill(stopAt: InstallPoint | 'none'): Promise<{ durable: number; points: string[]; done?: string; signal: string | null }> {
  const pinnedPath = join(h.dir, 'pinned-root.json');
  writeFileSync(pinnedPath, h.pinned);
  const cfg = {
    root: h.root,
    repo: h.repo,
    pinnedPath,
    journalPath: h.journalPath,
    terminalId: TERMINAL_ID,
    hardware: HARDWARE,
    now: h.clock.now(),
    records: 5,
    stopAt,
    env: { YKT_TEST_SQLITE: sqlite, YKT_TEST_JOURNAL: h.journalPath },
  };
  const p = spawn(process.execPath, [child, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let durable = 0;
  const points: string[] = [];
  let done: string | undefined;
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  let buf = '';
  p.stdout.setEncoding('utf8');
  p.stdout.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('DURABLE ')) durable = Number(line.slice(8));
      if (line.startsWith('AT ')) {
        points.push(line.slice(3));
        if (line.slice(3) === stopAt) p.kill('SIGKILL');
      }
      if (line.startsWith('DONE ')) done = line.slice(5);
    }
  });
  const signal = await new Promise<string | null>((r) => p.on('exit', (_c, s) => r(s)));
  if (stopAt !== 'none' && signal !== 'SIGKILL') throw new Error(`child ended without being killed at ${stopAt}: ${err}`);
  return { durable, points, done, signal };
}

function expectWorkingSlot(expectVersion: string): void {
  const boot = recoverAtBoot({ root: h.root, clock: h.clock, journal: h.guard });
  expect(boot.version).toBe(expectVersion);
  expect(checkSlot(slotDir(h.root, boot.active!)).ok).toBe(true);
  expect(readState(h.root).trial).toBeNull();
  const out = execFileSync(process.execPath, [join(h.root, 'current', boot.entry!)], { encoding: 'utf8' }).trim();
  expect(out).toBe(`yikatong sample runtime ${expectVersion}`);
}

function expectJournalComplete(durable: number): void {
  expect(durable).toBe(25); // 20 before + 5 by the child
  const j = openJournal({ path: h.journalPath, terminalId: TERMINAL_ID, clock: h.clock }); // the next runtime, read-write
  try {
    expect(j.head).toBe(BigInt(durable));
    expect(j.verify()).toMatchObject({ ok: true, records: durable });
    expect(j.append({ type: 'event', service: 'boot' }).seq).toBe(BigInt(durable + 1));
  } finally {
    j.close();
  }
}

async function expectRetrySucceeds(version: string): Promise<void> {
  const r = await installUpdate(h.options({ quiesce: { drain: async () => ({ inFlight: 0, journalClosed: true }), resume: async () => {}, retire: async () => {} } }));
  expect(['installed', 'up-to-date']).toContain(r.result);
  expect(r.version).toBe(version);
  expectWorkingSlot(version);
}

const BEFORE_COMMIT: InstallPoint[] = ['verified', 'slot-writing', 'unpacking', 'unpacked', 'drained', 'switched', 'started', 'checked', 'healthy'];

describe('kill -9 during install', () => {
  it('runs to the end when not killed (the points, in order)', async () => {
    h.publish('1.1.0');
    const r = await runChildAndKill('none');
    expect(r.points).toEqual([...BEFORE_COMMIT, 'committed']);
    expect(JSON.parse(r.done!)).toMatchObject({ result: 'installed', version: '1.1.0', slot: 'b' });
    expectWorkingSlot('1.1.0');
    expectJournalComplete(r.durable);
  });

  it.each(BEFORE_COMMIT)('killed at "%s": the next boot is on the previous slot, nothing lost, a retry installs', async (point) => {
    h.publish('1.1.0');
    const r = await runChildAndKill(point);
    expect(r.points.at(-1)).toBe(point);
    expectWorkingSlot('1.0.0');
    expectJournalComplete(r.durable);
    await expectRetrySucceeds('1.1.0');
  });

  it('killed right after commit: the next boot is on the new slot', async () => {
    h.publish('1.1.0');
    const r = await runChildAndKill('committed');
    expectWorkingSlot('1.1.0');
    expectJournalComplete(r.durable);
    await expectRetrySucceeds('1.1.0');
  });

  it.each<[SampleBehaviour, InstallPoint]>([
    ['migrates', 'checked'],
    ['unhealthy', 'checked'],
  ])('a %s trial killed at "%s": rolled back at boot, journal schema as before', async (behaviour, point) => {
    h.publish('1.1.0', behaviour);
    const r = await runChildAndKill(point);
    expectWorkingSlot('1.0.0');
    const db = new Database(h.journalPath, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
    expectJournalComplete(r.durable);
    expect(readState(h.root).slots.b.status).toBe('bad');
  });
});
