import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { ManualClock } from '../core/clock';
import { openJournal, type Journal } from './journal';
import { JournalInputError, JournalUnavailableError } from './errors';
import { createTokeniser } from './tokenise';
import { genesisHash, toHexLower, verifyChain } from './chain';
import { UnsealError } from './seal';
import { journalPersist } from './persist';
import { tempDir } from './testing/tmp';

let tmp: ReturnType<typeof tempDir>;
let clock: ManualClock;
const dataKey = new Uint8Array(randomBytes(32));
const tok = createTokeniser(new Uint8Array(32).fill(7));
const open = (extra: Partial<Parameters<typeof openJournal>[0]> = {}) => openJournal({ path: tmp.path('j.sqlite'), terminalId: 'T-0001', clock, dataKey, ...extra });

beforeEach(() => {
  tmp = tempDir();
  clock = new ManualClock();
});
afterEach(() => tmp.cleanup());

describe('append', () => {
  it('returns monotonic bigint sequence numbers starting at 1, durable across reopen', () => {
    const j = open();
    const seqs = [0, 1, 2].map((i) => j.append({ type: 'decision', service: 'metro-gate', outcome: 'approved', reason: 'ok', amountFen: 200 + i }).seq);
    expect(seqs).toEqual([1n, 2n, 3n]);
    j.close();
    const j2 = open();
    expect(j2.head).toBe(3n);
    expect(j2.get(2n)).toMatchObject({ seq: 2n, type: 'decision', service: 'metro-gate', outcome: 'approved', amountFen: 201, currency: 156, offline: false });
    expect(j2.append({ type: 'check', service: 'library-gate' }).seq).toBe(4n);
    j2.close();
  });

  it('keeps 64-bit sequence numbers exact (BigInt, never rounded)', () => {
    const j = open();
    j.append({ type: 'event', service: 'x' });
    j.close();
    // Simulate a terminal that has been running a very long time: move the anchor beyond 2^53.
    const db = new Database(tmp.path('j.sqlite'));
    const big = 2n ** 60n + 3n;
    db.prepare('DELETE FROM records').run();
    db.prepare("INSERT INTO meta (key, value) VALUES ('anchor_seq', ?), ('anchor_hash', ?)").run(big.toString(), toHexLower(genesisHash('T-0001')));
    db.prepare('UPDATE sync_state SET acked_through = ?').run(big);
    db.close();
    const j2 = open();
    const r = j2.append({ type: 'event', service: 'x' });
    expect(r.seq).toBe(big + 1n);
    expect(j2.get(big + 1n)!.seq).toBe(big + 1n);
    expect(j2.verify().ok).toBe(true);
    j2.close();
  });

  it('chains every record: the uploaded form verifies from the genesis hash', () => {
    const j = open();
    for (let i = 0; i < 50; i++) {
      clock.advance(1000);
      j.append({ type: 'decision', service: 'bus', amountFen: i, tokens: { card: tok('card-number', `A${i}`) }, payload: { atc: i, raw: new Uint8Array([i, 0xff]), big: 5n } });
    }
    const slice = j.nextUpload(100);
    expect(slice.prevHash).toBe(toHexLower(genesisHash('T-0001')));
    expect(slice.records).toHaveLength(50);
    expect(verifyChain('T-0001', genesisHash('T-0001'), slice.records).ok).toBe(true);
    expect(verifyChain('T-0002', genesisHash('T-0002'), slice.records).ok).toBe(false); // bound to the terminal
    expect(JSON.parse(slice.records[3]!.payload)).toEqual({ atc: 3, raw: '03FF', big: '5' });
    j.close();
  });

  it('appendMany is all or nothing', () => {
    const j = open();
    expect(() => j.appendMany([{ type: 'decision', service: 'a' }, { type: 'BAD TYPE', service: 'a' }])).toThrow(JournalInputError);
    expect(j.head).toBe(0n);
    const rs = j.appendMany([{ type: 'decision', service: 'a' }, { type: 'decision', service: 'a' }]);
    expect(rs.map((r) => r.seq)).toEqual([1n, 2n]);
    // A refusal inside the transaction (a result for a non-existent intent) rolls back the whole batch.
    expect(() => j.appendMany([{ type: 'decision', service: 'a' }, { type: 'result', service: 'a', refSeq: 1n }])).toThrow(/not an open intent/);
    expect(j.head).toBe(2n);
    expect(j.status().inService).toBe(true);
    j.close();
  });

  it('refuses to open a journal of another terminal', () => {
    open().close();
    expect(() => openJournal({ path: tmp.path('j.sqlite'), terminalId: 'T-0002' })).toThrow(/belongs to terminal "T-0001"/);
  });
});

describe('write-ahead intents', () => {
  it('tracks intents until their result, across a crash', () => {
    const j = open();
    const i1 = j.appendIntent({ service: 'metro', amountFen: 300, txn: 'tx-1', payload: { step: 'before DEBIT' } });
    const i2 = j.appendIntent({ service: 'metro', amountFen: 200, txn: 'tx-2' });
    j.appendResult(i1.seq, { service: 'metro', outcome: 'approved', reason: 'ok', amountFen: 300, txn: 'tx-1' });
    expect(() => j.appendResult(i1.seq, { service: 'metro', outcome: 'approved' })).toThrow(/not an open intent/);
    j.close(); // "crash" after the DEBIT of tx-2 was sent
    const j2 = open();
    const open2 = j2.openIntents();
    expect(open2.map((r) => [r.seq, r.txn])).toEqual([[i2.seq, 'tx-2']]);
    j2.append({ type: 'unconfirmed', service: 'metro', refSeq: i2.seq, reason: 'torn' }); // does not close
    expect(j2.openIntents()).toHaveLength(1);
    j2.appendResult(i2.seq, { service: 'metro', outcome: 'approved', reason: 'recovered-by-prove' });
    expect(j2.openIntents()).toHaveLength(0);
    j2.close();
  });

  it('serves the kernel runner persist channel', () => {
    const j = open();
    const persist = journalPersist(j, { service: 'transit' });
    const a = persist('intent', { amountFen: 150, txn: 't9' });
    const b = persist('result', { refSeq: a.seq, outcome: 'approved' });
    expect([a.seq, b.seq]).toEqual([1n, 2n]);
    expect(j.get(1n)).toMatchObject({ type: 'intent', service: 'transit', amountFen: 150 });
    expect(() => persist('result', 42)).toThrow(JournalInputError);
    // an intent may name the currency before any amount moves (PBOC kernel)
    const c = persist('intent', { currency: 156, txn: 't10' });
    expect(j.get(c.seq)).toMatchObject({ amountFen: null, currency: 156 });
    j.close();
  });
});

describe('personal data', () => {
  it('refuses clear identifiers in tokens and personal fields in the payload', () => {
    const j = open();
    expect(() => j.append({ type: 'decision', service: 'a', tokens: { pan: '6222021234567894' } })).toThrow(/not a token/);
    expect(() => j.append({ type: 'decision', service: 'a', payload: { card: { pan: '6222021234567894' } } })).toThrow(/payload\.card\.pan/);
    expect(() => j.append({ type: 'decision', service: 'a', payload: { holderName: '张三' } })).toThrow(/personal data/);
    // judged on the stored form: a bigint or bytes under such a name are refused too
    expect(() => j.append({ type: 'decision', service: 'a', payload: { card: { pan: 6222021234567894n } } })).toThrow(/payload\.card\.pan/);
    expect(() => j.append({ type: 'decision', service: 'a', payload: [{ track2: new Uint8Array([0x62, 0x22]) }] })).toThrow(/payload\.0\.track2/);
    // a token under such a name is fine
    expect(j.append({ type: 'decision', service: 'a', payload: { pan: tok('pan', '6222021234567894') } }).seq).toBe(1n);
    expect(j.head).toBe(1n);
    j.close();
  });

  it('seals what the service needs with AES-256-GCM bound to the record', () => {
    const j = open();
    const r = j.append({ type: 'decision', service: 'hospital-registration', personal: { name: '张三', idNumber: '11010519491231002X' }, tokens: { id: tok('id-number', '11010519491231002X') } });
    const rec = j.get(r.seq)!;
    expect(rec.hasSealed).toBe(true);
    expect(j.unsealPersonal(rec)).toEqual({ name: '张三', idNumber: '11010519491231002X' });
    j.close();
    // Not in clear anywhere in the file
    const raw = new Database(tmp.path('j.sqlite')).prepare('SELECT * FROM records').all();
    expect(JSON.stringify(raw)).not.toContain('11010519491231002X');
    // Another key, or the blob moved to another record, fails
    const j2 = openJournal({ path: tmp.path('j.sqlite'), terminalId: 'T-0001', clock, dataKey: new Uint8Array(32) });
    expect(() => j2.unsealPersonal(j2.get(1n)!)).toThrow(UnsealError);
    j2.close();
  });

  it('refuses personal data without a data key', () => {
    const j = openJournal({ path: tmp.path('j.sqlite'), terminalId: 'T-0001', clock });
    expect(() => j.append({ type: 'decision', service: 'h', personal: { name: 'x' } })).toThrow(/without a data key/);
    j.close();
  });
});

describe('sync watermark and offline exposure', () => {
  let j: Journal;
  beforeEach(() => {
    j = open({ config: { offline: { maxCount: 3, maxTotalFen: 1000, maxOldestAgeMs: 3600_000, perTransactionFen: 500 } } });
  });
  afterEach(() => j.close());

  it('counts offline approvals until the backend acknowledges them', () => {
    j.append({ type: 'decision', service: 'pos', outcome: 'approved', amountFen: 300, offline: true });
    clock.advance(60_000);
    j.append({ type: 'decision', service: 'pos', outcome: 'approved', amountFen: 400, offline: true });
    j.append({ type: 'check', service: 'gate' });
    expect(j.exposure()).toEqual({ count: 2, totalFen: 700, oldestTs: clock.now() - 60_000 });
    expect(j.checkOffline(200)).toEqual({ ok: true });
    expect(j.checkOffline(400)).toMatchObject({ ok: false, reason: 'offline-amount-limit', limit: 1000, current: 700 });
    expect(j.checkOffline(600)).toMatchObject({ ok: false, reason: 'offline-per-transaction-limit' });
    const slice = j.nextUpload(2);
    expect(slice.records.map((r) => r.seq)).toEqual(['1', '2']);
    // an acknowledgement with a hash that is not ours changes nothing
    expect(() => j.acknowledge({ firstSeq: 1n, lastSeq: 2n, lastHash: '00'.repeat(32) })).toThrow(/not ours/);
    expect(j.syncPosition().ackedThrough).toBe(0n);
    expect(j.acknowledge({ firstSeq: 1n, lastSeq: 1n, lastHash: slice.records[0]!.hash })).toBe(true);
    expect(j.exposure()).toEqual({ count: 1, totalFen: 400, oldestTs: clock.now() });
    expect(j.acknowledge({ firstSeq: 1n, lastSeq: 1n, lastHash: slice.records[0]!.hash })).toBe(false); // stale duplicate
    expect(() => j.acknowledge({ firstSeq: 3n, lastSeq: 3n, lastHash: j.get(3n)!.hash })).toThrow(/skips/);
    expect(j.acknowledge({ firstSeq: 1n, lastSeq: 3n, lastHash: j.get(3n)!.hash })).toBe(true);
    expect(j.exposure()).toEqual({ count: 0, totalFen: 0, oldestTs: null });
    expect(j.syncPosition()).toMatchObject({ head: 3n, ackedThrough: 3n, unsent: 0n });
    expect(j.nextUpload(10).records).toEqual([]);
  });

  it('refuses by count and by age', () => {
    for (let i = 0; i < 3; i++) j.append({ type: 'decision', service: 'pos', amountFen: 1, offline: true });
    expect(j.checkOffline(1)).toMatchObject({ ok: false, reason: 'offline-count-limit', limit: 3, current: 3 });
    j.acknowledge({ firstSeq: 1n, lastSeq: 1n, lastHash: j.get(1n)!.hash });
    expect(j.checkOffline(1).ok).toBe(true);
    clock.advance(3600_001);
    expect(j.checkOffline(1)).toMatchObject({ ok: false, reason: 'offline-age-limit' });
  });

  it('recomputes the exposure when the journal reopens and when another process acknowledges', () => {
    j.append({ type: 'decision', service: 'pos', amountFen: 100, offline: true });
    j.append({ type: 'decision', service: 'pos', amountFen: 200, offline: true });
    const other = open();
    expect(other.exposure()).toMatchObject({ count: 2, totalFen: 300 });
    other.acknowledge({ firstSeq: 1n, lastSeq: 1n, lastHash: other.get(1n)!.hash });
    other.close();
    expect(j.exposure()).toMatchObject({ count: 1, totalFen: 200 });
  });

  it('prunes only acknowledged records and still verifies', () => {
    for (let i = 0; i < 10; i++) j.append({ type: 'decision', service: 'pos', amountFen: i });
    const intent = j.appendIntent({ service: 'pos' });
    j.append({ type: 'decision', service: 'pos' });
    j.acknowledge({ firstSeq: 1n, lastSeq: 12n, lastHash: j.get(12n)!.hash });
    expect(j.prune(100n)).toBe(10n); // stops before the open intent (11)
    expect(j.get(10n)).toBeUndefined();
    expect(j.get(intent.seq)).toBeDefined();
    expect(j.verify()).toMatchObject({ ok: true, records: 2 });
    j.appendResult(intent.seq, { service: 'pos', outcome: 'approved' });
    j.close();
    j = open();
    expect(j.verify().ok).toBe(true);
    expect(j.append({ type: 'decision', service: 'pos' }).seq).toBe(14n);
  });

  it('exports metric values', () => {
    j.append({ type: 'decision', service: 'pos', amountFen: 100, offline: true });
    const m = Object.fromEntries(j.metrics().map((x) => [x.name, x.value]));
    expect(m).toMatchObject({ ykt_journal_head_seq: 1, ykt_journal_unsent_records: 1, ykt_journal_offline_count: 1, ykt_journal_offline_amount_fen: 100, ykt_journal_in_service: 1 });
  });
});

describe('out of service', () => {
  it('a full disk puts the journal out of service and nothing is acknowledged as recorded', () => {
    const j = open({ config: { maxSizeMiB: 1 } });
    let shown = 0;
    let err: unknown;
    try {
      for (;;) {
        j.append({ type: 'decision', service: 'pos', outcome: 'approved', payload: { pad: 'x'.repeat(4000) } });
        shown++; // only after a durable append
      }
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JournalUnavailableError);
    expect((err as JournalUnavailableError).reason).toBe('disk-full');
    expect(j.status()).toMatchObject({ inService: false, reason: 'disk-full' });
    expect(() => j.append({ type: 'decision', service: 'pos' })).toThrow(/disk-full/); // sticky
    j.close();
    const j2 = open({ config: { maxSizeMiB: 0 } });
    expect(j2.head).toBe(BigInt(shown)); // every shown decision is there, and nothing else
    expect(j2.verify().ok).toBe(true);
    j2.close();
  });

  it('is closed after close()', () => {
    const j = open();
    j.close();
    expect(() => j.append({ type: 'decision', service: 'a' })).toThrow(/closed/);
  });
});
