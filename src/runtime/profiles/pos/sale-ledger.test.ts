// The sale ledger and subsidy wallet (write-ahead of the journal) and the reconciliation of what a crash
// leaves between two steps, against the real journal of a running terminal.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../testing/harness';
import { reconcileLedger } from './sale-flow';
import { SaleLedger, SaleLedgerError } from './sale-ledger';

const HOLDER = 'AAAAAAAAAAAAAAAAAAAAAAAAAA';
const DAY = 20261122;
let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness({ profile: { kind: 'canteen', operatorApi: { enabled: false } } });
  dir = mkdtempSync(join(tmpdir(), 'ykt-ledger-'));
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const fresh = () => new SaleLedger(join(dir, `ledger-${++n}.sqlite`));
const hold = (l: SaleLedger, txn: string, subsidyFen: number, chargedFen: number, method: 'card' | 'ecode' | 'subsidy' = 'card') =>
  l.hold({ txn, day: DAY, holder: HOLDER, method, totalFen: subsidyFen + chargedFen, subsidyFen, chargedFen, entitledFen: 8_00, hintSeq: h.terminal.services.journal.head, atMs: Date.now() });

describe('sale ledger', () => {
  it('holds the subsidy write-ahead, gives it back on a void, counts standing sales toward the day', () => {
    const l = fresh();
    expect(l.wallet(HOLDER, DAY, 8_00)).toEqual({ creditedFen: 8_00, spentFen: 0, balanceFen: 8_00 });
    hold(l, 't1', 5_00, 1_00);
    expect(l.wallet(HOLDER, DAY, 8_00).balanceFen).toBe(3_00);
    expect(l.spentToday(HOLDER, DAY)).toBe(6_00);
    l.finish('t1', false, null);
    expect(l.wallet(HOLDER, DAY, 8_00).balanceFen).toBe(8_00);
    expect(l.spentToday(HOLDER, DAY)).toBe(0);
    hold(l, 't2', 8_00, 0, 'subsidy');
    expect(() => hold(l, 't3', 1, 0, 'subsidy')).toThrow(SaleLedgerError); // the wallet does not hold it
    expect(l.get('t3')).toBeUndefined(); // all or nothing
    l.finish('t2', true, 7n);
    expect(l.lastSale()).toMatchObject({ txn: 't2', state: 'done', saleSeq: 7n });
    // a richer category later the same day raises the credit, never lowers it
    expect(l.wallet(HOLDER, DAY, 10_00).balanceFen).toBe(2_00);
    expect(l.wallet(HOLDER, DAY, 0).balanceFen).toBe(0);
    // refund: the subsidy goes back to the sale's day
    l.beginRefund('t2', 0n);
    expect(l.spentToday(HOLDER, DAY)).toBe(8_00);
    l.completeRefund('t2', 9n);
    expect(l.spentToday(HOLDER, DAY)).toBe(0);
    expect(l.wallet(HOLDER, DAY, 8_00).balanceFen).toBe(8_00);
    expect(() => l.beginRefund('t2', 0n)).toThrow(SaleLedgerError);
    hold(l, 't4', 0, 1_00); // no subsidy: nothing to reserve
    expect(() => l.hold({ txn: 't5', day: DAY, holder: HOLDER, method: 'card', totalFen: 3, subsidyFen: 1, chargedFen: 1, entitledFen: 0, hintSeq: 0n, atMs: 0 })).toThrow(/!= total/);
    l.close();
  });

  it('survives a reopen (durable file)', () => {
    const path = join(dir, 'reopen.sqlite');
    const a = new SaleLedger(path);
    a.hold({ txn: 'r1', day: DAY, holder: HOLDER, method: 'card', totalFen: 9_00, subsidyFen: 4_00, chargedFen: 5_00, entitledFen: 8_00, hintSeq: 12n, atMs: 1 });
    a.close();
    const b = new SaleLedger(path);
    expect(b.unsettled()).toMatchObject([{ txn: 'r1', state: 'held', hintSeq: 12n, subsidyFen: 4_00 }]);
    expect(b.wallet(HOLDER, DAY, 8_00).balanceFen).toBe(4_00);
    b.close();
  });

  it('reconciles what a crash left, from the journal', () => {
    const s = h.terminal.services;
    const j = s.journal;
    const l = fresh();
    // a: the sale record was written, the ledger not settled
    hold(l, 'a', 2_00, 3_00);
    j.append({ type: 'sale', service: 'canteen', outcome: 'approved', reason: 'ok', amountFen: 5_00, txn: 'a' });
    // b: the card paid (kernel result approved), the sale record never written
    hold(l, 'b', 2_00, 3_00);
    const ib = j.append({ type: 'intent', service: 'canteen', txn: 'b', payload: { kind: 'pboc.intent' } }).seq;
    j.append({ type: 'result', service: 'canteen', outcome: 'approved', reason: 'ok', amountFen: 3_00, refSeq: ib, txn: 'b', tokens: { pan: 'BBBBBBBBBBBBBBBBBBBBBBBBBB' } });
    // c: stopped during the card payment (intent, no result)
    hold(l, 'c', 2_00, 1_00);
    j.append({ type: 'intent', service: 'canteen', txn: 'c', payload: { kind: 'pboc.intent' } });
    // d: nothing reached the journal
    hold(l, 'd', 1_00, 0, 'subsidy');
    expect(l.wallet(HOLDER, DAY, 8_00).balanceFen).toBe(1_00);

    const report = reconcileLedger(s, l, 'canteen');
    expect(report.map((r) => [r.txn, r.was, r.now, r.recoveredSeq !== undefined])).toEqual([
      ['a', 'held', 'done', false],
      ['b', 'held', 'done', true],
      ['c', 'held', 'void', true],
      ['d', 'held', 'void', false],
    ]);
    expect(l.wallet(HOLDER, DAY, 8_00).balanceFen).toBe(4_00); // a and b keep their 2.00 each
    const rb = j.get(report[1]!.recoveredSeq!)!;
    expect(rb).toMatchObject({ type: 'sale', outcome: 'approved', reason: 'recovered-after-restart', amountFen: 5_00, txn: 'b', tokens: { holder: HOLDER, pan: 'BBBBBBBBBBBBBBBBBBBBBBBBBB' }, payload: { subsidyFen: 2_00, chargedFen: 3_00, recovered: true } });
    expect(j.get(report[2]!.recoveredSeq!)).toMatchObject({ type: 'sale', outcome: 'cannot-decide', reason: 'interrupted', txn: 'c' });
    expect(l.unsettled()).toEqual([]);

    // refunds: one recorded before the crash, one not
    l.beginRefund('a', j.head);
    j.append({ type: 'refund', service: 'canteen', outcome: 'approved', reason: 'refund', amountFen: 5_00, txn: 'a' });
    l.beginRefund('b', j.head);
    expect(reconcileLedger(s, l, 'canteen').map((r) => [r.txn, r.now])).toEqual([
      ['a', 'refunded'],
      ['b', 'done'],
    ]);
    expect(l.get('a')!.state).toBe('refunded');
    expect(l.wallet(HOLDER, DAY, 8_00).balanceFen).toBe(6_00);
    l.close();
  });
});
