/**
 * The syncer against the real backend in-process (SQLite store, fastify inject), with a transport
 * wrapper that loses requests or answers on a script. No real sleeping: clock, random and sleep are
 * injected.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { createBackend } from '../backend/server';
import { createSqliteStore, type SqliteStore } from '../backend/sqlite-store';
import { injectTransport, testTerminal, type TestTerminal } from '../backend/testing/terminal';
import { tempDir } from '../journal/testing/tmp';
import { openJournal } from '../journal/journal';
import { formatPrometheus } from '../journal/metric';
import { fullJitterDelay } from './backoff';
import { createSyncer } from './syncer';
import type { SendResult, Transport } from './transport';
import type { UploadBatch } from './batch';

type Fault = 'ok' | 'lost-request' | 'lost-answer' | 'error-500-after' | 'stale-answer';

/** Wraps a transport; each send takes the next fault from the script (then 'ok'). */
function scripted(inner: Transport, script: Fault[]) {
  const sent: UploadBatch[] = [];
  let lastAck: SendResult | undefined;
  const t: Transport = {
    async send(b, timeoutMs) {
      sent.push(b);
      const f = script.shift() ?? 'ok';
      if (f === 'lost-request') return { kind: 'unknown', why: 'ECONNRESET (test)' };
      if (f === 'stale-answer' && lastAck) return lastAck;
      const r = await inner.send(b, timeoutMs);
      if (r.kind === 'ack') lastAck = r;
      if (f === 'lost-answer') return { kind: 'unknown', why: 'timeout (test)' };
      if (f === 'error-500-after') return { kind: 'unknown', why: 'HTTP 500 (test)' };
      return r;
    },
  };
  return { transport: t, sent };
}

let tmp: ReturnType<typeof tempDir>;
let store: SqliteStore;
let app: FastifyInstance;
let t: TestTerminal;

async function backendRecords(id: string): Promise<string[]> {
  return (await store.records(id, 0n, 1_000_000)).map((r) => `${r.seq}:${r.hash}`);
}
const journalRecords = (tt: TestTerminal) => tt.journal.wire(0n, 1_000_000).map((r) => `${r.seq}:${r.hash}`);

beforeEach(async () => {
  tmp = tempDir('ykt-sync-');
  store = createSqliteStore(tmp.path('backend.sqlite'));
  await store.migrate();
  app = createBackend({ store });
  await app.ready();
  t = testTerminal('T-S1', tmp.path('journal.sqlite'));
  await store.registerTerminal(t.id, Buffer.from(t.keystore.publicKey).toString('hex'), t.keystore.keyId, 0);
});
afterEach(async () => {
  t.journal.close();
  await app.close();
  await store.close();
  tmp.cleanup();
});

describe('exactly once despite lost requests and answers', () => {
  it('retries an unknown outcome with the same batch (same ids, same bytes)', async () => {
    t.write(250);
    const { transport, sent } = scripted(injectTransport(app), ['lost-answer', 'lost-request', 'error-500-after', 'ok', 'lost-answer']);
    const s = createSyncer({ journal: t.journal, transport, signer: t.signer, clock: t.clock, config: { batchRecords: 100 } });
    const outcomes = [];
    for (let i = 0; i < 10; i++) {
      const r = await s.syncOnce();
      outcomes.push(r.failure?.kind ?? (r.caughtUp ? 'caught-up' : 'partial'));
      if (r.caughtUp) break;
    }
    expect(outcomes).toEqual(['unknown', 'unknown', 'unknown', 'unknown', 'caught-up']);
    // the first four sends are the same batch object: identical ids and bytes
    expect(sent.slice(0, 4).every((b) => b === sent[0])).toBe(true);
    expect(sent.map((b) => `${b.firstSeq}-${b.lastSeq}`)).toEqual(['1-100', '1-100', '1-100', '1-100', '101-200', '101-200', '201-250']);
    expect(await backendRecords(t.id)).toEqual(journalRecords(t));
    expect(s.status()).toMatchObject({ state: 'idle', unconfirmed: 0n, ackedThrough: 250n, consecutiveFailures: 0, retries: 4 });
  });

  it('does not take a stale (reordered) answer for the current batch', async () => {
    t.write(20);
    const { transport } = scripted(injectTransport(app), ['ok', 'stale-answer']);
    const s = createSyncer({ journal: t.journal, transport, signer: t.signer, clock: t.clock, config: { batchRecords: 10 } });
    const r1 = await s.syncOnce();
    expect(r1.failure?.message).toMatch(/acknowledges 1…10, not batch 11…20/);
    expect(t.journal.syncPosition().ackedThrough).toBe(10n);
    expect((await s.syncOnce()).caughtUp).toBe(true);
    expect(await backendRecords(t.id)).toEqual(journalRecords(t));
  });

  it('resumes after a crash from the watermark; re-sent records are reported as duplicates', async () => {
    t.write(300);
    const a = scripted(injectTransport(app), ['ok', 'lost-answer']);
    const s1 = createSyncer({ journal: t.journal, transport: a.transport, signer: t.signer, clock: t.clock, config: { batchRecords: 100 } });
    await s1.syncOnce(); // 1–100 acked, 101–200 stored at the backend but the answer was lost
    expect(t.journal.syncPosition().ackedThrough).toBe(100n);
    t.journal.close(); // crash: the in-memory pending batch is gone
    const j = openJournal({ path: tmp.path('journal.sqlite'), terminalId: t.id });
    const s2 = createSyncer({ journal: j, transport: injectTransport(app), signer: t.signer, config: { batchRecords: 150 } }); // other batch boundaries
    expect(await s2.syncOnce()).toMatchObject({ caughtUp: true, records: 200 });
    expect(s2.status().duplicatesReported).toBe(100);
    expect(await backendRecords(t.id)).toEqual(j.wire(0n, 1000).map((r) => `${r.seq}:${r.hash}`));
    expect(await store.report(t.id)).toMatchObject({ records: 300, duplicatesReceived: 100, gaps: [] });
    j.close();
    t.journal = openJournal({ path: tmp.path('journal.sqlite'), terminalId: t.id }); // for afterEach
  });
});

describe('refusals and journal failures', () => {
  it('a refused batch marks nothing and says why', async () => {
    t.write(5);
    const other = testTerminal('T-S2', tmp.path('other.sqlite'));
    other.write(5);
    const s = createSyncer({ journal: other.journal, transport: injectTransport(app), signer: other.signer, clock: other.clock });
    const r = await s.syncOnce();
    expect(r.failure).toMatchObject({ kind: 'refused', message: expect.stringMatching(/unknown-terminal.*enrol/) });
    expect(s.status()).toMatchObject({ state: 'refused', unconfirmed: 5n });
    expect(formatPrometheus(s.metrics())).toMatch(/^ykt_sync_refused 1$/m);
    other.journal.close();
  });

  it('a tampered unsent record stops the syncer and puts the journal out of service', async () => {
    t.write(5);
    const db = new Database(tmp.path('journal.sqlite'));
    db.prepare('UPDATE records SET amount_fen = 0 WHERE seq = 3').run();
    db.close();
    const s = createSyncer({ journal: t.journal, transport: injectTransport(app), signer: t.signer, clock: t.clock });
    await expect(s.run(new AbortController().signal)).rejects.toThrow(/tampered/);
    expect(t.journal.status()).toMatchObject({ inService: false, reason: 'tampered' });
    expect(await backendRecords(t.id)).toEqual([]);
  });
});

describe('backoff with full jitter', () => {
  it('delays are random × min(max, base × 2^attempt) and reset after success', async () => {
    t.write(3);
    const { transport } = scripted(injectTransport(app), ['lost-request', 'lost-request', 'lost-request', 'lost-request', 'lost-request', 'ok']);
    const delays: number[] = [];
    const ac = new AbortController();
    const s = createSyncer({
      journal: t.journal,
      transport,
      signer: t.signer,
      clock: t.clock,
      random: () => 0.5,
      config: { backoffBaseMs: 1000, backoffMaxMs: 5000, idlePollMs: 60_000 },
      sleep: async (ms) => {
        delays.push(ms);
        t.clock.advance(ms);
        if (s.status().unconfirmed === 0n) ac.abort();
      },
    });
    await s.run(ac.signal);
    expect(delays).toEqual([500, 1000, 2000, 2500, 2500, 60_000]);
    expect(s.status()).toMatchObject({ state: 'stopped', unconfirmed: 0n, consecutiveFailures: 0 });
  });

  it('fullJitterDelay stays within [0, cap)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (a, base, max, r) => {
        const d = fullJitterDelay(a, base, max, () => r);
        return d >= 0 && d <= Math.min(max, base * 2 ** a) && Number.isInteger(d);
      }),
    );
    expect(() => fullJitterDelay(0, 1, 1, () => 1)).toThrow(/\[0, 1\)/);
  });
});

describe('property: any schedule of lost requests, lost answers, stale answers and crashes', () => {
  it('ends with exactly the journal at the backend', async () => {
    const faults = fc.constantFrom<Fault | 'crash'>('ok', 'ok', 'lost-request', 'lost-answer', 'error-500-after', 'stale-answer', 'crash');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 150 }), fc.integer({ min: 3, max: 40 }), fc.array(faults, { maxLength: 40 }), async (n, batch, schedule) => {
        const id = `T-P${++run}`;
        const tt = testTerminal(id, tmp.path(`p${run}.sqlite`));
        await store.registerTerminal(id, Buffer.from(tt.keystore.publicKey).toString('hex'), tt.keystore.keyId, 0);
        tt.write(n);
        const script = schedule.filter((f): f is Fault => f !== 'crash');
        const { transport } = scripted(injectTransport(app), script);
        let s = createSyncer({ journal: tt.journal, transport, signer: tt.signer, clock: tt.clock, config: { batchRecords: batch } });
        let crashes = schedule.filter((f) => f === 'crash').length;
        for (let i = 0; i < 500; i++) {
          const r = await s.syncOnce({ maxBatches: 1 });
          if (r.caughtUp && script.length === 0) break;
          if (crashes > 0) {
            crashes--;
            s = createSyncer({ journal: tt.journal, transport, signer: tt.signer, clock: tt.clock, config: { batchRecords: Math.max(1, batch - 1) } });
          }
        }
        expect(tt.journal.syncPosition().unsent).toBe(0n);
        expect(await backendRecords(id)).toEqual(journalRecords(tt));
        expect(await store.report(id)).toMatchObject({ records: n, gaps: [] });
        tt.journal.close();
      }),
      { numRuns: 20 },
    );
  });
});
