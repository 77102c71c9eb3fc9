import { describe, expect, it } from 'vitest';
import { runHealthChecks } from './health';
import { journalCheck } from './checks';
import { judgeTrialJournal, type JournalGuard } from './journal-guard';
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
  it('journalCheck reports what it verified', async () => {
    const guard: JournalGuard = { path: '/j', inspect: () => facts, verify: () => ({ ok: false, records: 10, problems: ['record 4 was altered'] }), snapshot: () => {}, restore: () => {} };
    expect(await journalCheck(guard).run(new AbortController().signal)).toEqual({ ok: false, detail: 'does not verify: record 4 was altered' });
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
