import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openJournal } from '../journal/index';
import { runHealthChecks } from './health';
import { journalCheck } from './checks';
import { judgeTrialJournal, sqliteJournalGuard } from './journal-guard';
import { ManualTimer } from './testing/harness';
import { TransactionGate } from './quiesce';
import { FirmwareError } from './errors';

describe('runHealthChecks', () => {
  it('passes when every check passes; a throw or ok:false fails with its message', async () => {
    const r = await runHealthChecks(
      [
        { name: 'a', run: async () => {} },
        { name: 'b', run: async () => ({ ok: false, detail: 'no reader' }) },
        { name: 'c', run: async () => { throw new Error('boom'); } },
      ],
      1000,
      new ManualTimer(),
    );
    expect(r).toEqual({ ok: false, results: [{ name: 'a', ok: true, detail: 'ok' }, { name: 'b', ok: false, detail: 'no reader' }, { name: 'c', ok: false, detail: 'boom' }] });
  });

  it('a check still running at the deadline fails, and is told to stop', async () => {
    const timer = new ManualTimer();
    let aborted = false;
    const p = runHealthChecks([{ name: 'slow', run: (signal) => new Promise(() => signal.addEventListener('abort', () => (aborted = true))) }], 5000, timer);
    await Promise.resolve();
    timer.fireAll();
    expect(await p).toEqual({ ok: false, results: [{ name: 'slow', ok: false, detail: 'no answer within the 5000 ms deadline' }] });
    expect(aborted).toBe(true);
  });
});

describe('journal checks', () => {
  const facts = { exists: true, schemaVersion: 1, head: '10', headHash: 'aa', unsent: '3' };
  it('judgeTrialJournal: unchanged ok; schema change fails and is restorable only with the same records', () => {
    expect(judgeTrialJournal(facts, facts).ok).toBe(true);
    expect(judgeTrialJournal(facts, { ...facts, schemaVersion: 2 })).toMatchObject({ ok: false, restore: true });
    expect(judgeTrialJournal(facts, { ...facts, schemaVersion: 2, head: '11', headHash: 'bb' })).toMatchObject({ ok: false, restore: false });
    expect(judgeTrialJournal(facts, { ...facts, head: '11', headHash: 'bb' })).toMatchObject({ ok: false, restore: false, detail: expect.stringMatching(/wrote to the journal/) });
    expect(judgeTrialJournal(null, { ...facts, exists: false }).ok).toBe(true);
  });
  it('journalCheck reports what it verified, on a real journal (SQLite)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ykt-fw-journal-'));
    try {
      const path = join(dir, 'journal.sqlite');
      const guard = sqliteJournalGuard({ path, terminalId: 'T-FW-CHECK' });
      const run = () => journalCheck(guard).run(new AbortController().signal);
      expect(await run()).toEqual({ ok: true, detail: 'no journal yet (first start)' });
      const j = openJournal({ path, terminalId: 'T-FW-CHECK' });
      for (let i = 0; i < 10; i++) j.append({ type: 'decision', service: 'metro-gate', outcome: 'approved', amountFen: 200 + i });
      j.close();
      expect(await run()).toEqual({ ok: true, detail: 'opens and verifies: 10 records, schema v1, 10 unsent' });
      const db = new Database(path);
      db.prepare('UPDATE records SET amount_fen = 1 WHERE seq = 4').run();
      db.close();
      expect(await run()).toEqual({ ok: false, detail: expect.stringMatching(/^does not verify: .*record 4 was altered/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TransactionGate', () => {
  it('drains at once when idle, refuses new transactions until resumed', async () => {
    const log: string[] = [];
    const g = new TransactionGate({ closeJournal: () => void log.push('close'), reopenJournal: () => void log.push('reopen'), timer: new ManualTimer() });
    expect(await g.drain({ timeoutMs: 10 })).toEqual({ inFlight: 0, journalClosed: true });
    expect(() => g.enter()).toThrow(/update/);
    await g.resume();
    g.enter();
    g.leave();
    expect(log).toEqual(['close', 'reopen']);
    expect(() => g.leave()).toThrow(/without enter/);
  });
  it('times out with a busy error and reopens the gate', async () => {
    const timer = new ManualTimer();
    const g = new TransactionGate({ closeJournal: () => {}, reopenJournal: () => {}, timer });
    g.enter();
    const p = g.drain({ timeoutMs: 10 });
    timer.fireAll();
    await expect(p).rejects.toBeInstanceOf(FirmwareError);
    expect(g.draining).toBe(false);
  });
});

describe('TransactionGate lease', () => {
  it('a drain nobody ends (installer killed) expires and runs onLeaseExpired', async () => {
    const timer = new ManualTimer();
    const log: string[] = [];
    const g: TransactionGate = new TransactionGate({
      closeJournal: () => void log.push('close'),
      reopenJournal: () => void log.push('reopen'),
      leaseMs: 600_000,
      onLeaseExpired: async () => {
        log.push('recover');
        await g.resume();
      },
      timer,
    });
    await g.drain({ timeoutMs: 10 });
    timer.fireAll();
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['close', 'recover', 'reopen']);
    expect(g.draining).toBe(false);
  });
  it('a resumed drain does not expire later', async () => {
    const timer = new ManualTimer();
    const log: string[] = [];
    const g = new TransactionGate({ closeJournal: () => {}, reopenJournal: () => void log.push('reopen'), leaseMs: 1000, timer });
    await g.drain({ timeoutMs: 10 });
    await g.resume();
    timer.fireAll();
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['reopen']);
  });
});
