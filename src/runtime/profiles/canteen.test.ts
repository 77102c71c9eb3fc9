// Canteen POS through the runtime harness (in-process reader and scanner, local backend, real journal)
// and the operator API over HTTP on loopback: amount entry, an amount used once, the subsidy wallet
// spent before the card, the daily limit, refund of the last sale, hotlisted PAN, EC too low, e-code
// post-paid with the same subsidy (卡码同权).
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testSeed } from '../demo/world';
import type { DecisionEvent } from '../events';
import { READER, startHarness, type Harness } from '../testing/harness';
import { ecBalanceOf, holderTokenOf, operatorClient, ShiftedClock, ZHENGZHOU_CARD_ID, ZHENGZHOU_PAN, zhengzhouCard } from './pos/testing';

const DAY = 86_400_000;
let h: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A roster giving the Zhengzhou holder (card and code alike) the elderly-70 subsidy (8.00 a day by default). */
function elderlyRoster(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ykt-roster-'));
  dirs.push(dir);
  const file = join(dir, 'roster.json');
  writeFileSync(file, JSON.stringify({ [holderTokenOf(testSeed('holder-token-key'), ZHENGZHOU_CARD_ID)]: ['elderly-70'] }));
  return file;
}

const canteen = (over: Record<string, unknown> = {}) => ({ kind: 'canteen', operatorApi: { port: 0 }, ...over });

const recordsOf = (hh: Harness, txn: string) => hh.terminal.services.journal.list({ limit: 1000 }).filter((r) => r.txn === txn);

describe('canteen POS', () => {
  it('operator API on loopback: token required, amount shown at idle, used for exactly one sale', async () => {
    h = await startHarness({ profile: canteen({ maxAmountFen: 50_00 }) });
    const op = operatorClient(h.terminal);
    expect(op.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // no token, wrong token
    expect((await op.call('GET', '/operator/state', undefined, null)).status).toBe(401);
    expect((await op.call('POST', '/operator/amount', { fen: 100 }, 'x'.repeat(32))).status).toBe(401);
    // bad amounts are refused before anything is pending
    expect(await op.call('POST', '/operator/amount', { fen: 12.5 })).toMatchObject({ status: 400, body: { error: 'bad-amount' } });
    expect(await op.call('POST', '/operator/amount', { fen: 0 })).toMatchObject({ status: 400, body: { error: 'bad-amount' } });
    expect(await op.call('POST', '/operator/amount', { fen: 50_01 })).toMatchObject({ status: 400, body: { error: 'bad-amount' } });
    expect(await op.call('POST', '/operator/amount', { fen: 100, yuan: 1 })).toMatchObject({ status: 400, body: { error: 'bad-request' } });
    expect(await op.call('POST', '/operator/register')).toMatchObject({ status: 404, body: { error: 'not-supported' } });
    expect(h.terminal.hub.state()).toMatchObject({ kind: 'idle', prompt: 'enter-amount' });

    const st = await op.amount(12_34);
    expect(st).toMatchObject({ profile: 'canteen', pending: { amountFen: 12_34, register: false }, inProgress: null });
    expect(h.terminal.hub.state()).toMatchObject({ kind: 'idle', prompt: 'tap-or-scan', amountFen: 12_34 });

    const card = zhengzhouCard();
    const sale = await h.tap(card);
    expect(sale).toMatchObject({ outcome: 'approved', reason: 'ok', source: 'pboc-card', amountFen: 12_34, balanceFen: 500_00 - 12_34, maskedId: '623100*******0138', message: 'paid 12.34 CNY by card' });
    expect(ecBalanceOf(card)).toBe(500_00 - 12_34);
    // the same amount is not charged twice: the next tap is told to wait for an amount, nothing moves
    const again = await h.tap(card);
    expect(again).toMatchObject({ outcome: 'declined', reason: 'no-amount', message: 'enter the amount first: nothing was charged' });
    expect(ecBalanceOf(card)).toBe(500_00 - 12_34);
    expect(await op.state()).toMatchObject({ pending: null, lastSale: { seq: sale.seq, amountFen: 12_34, chargedFen: 12_34, method: 'card', state: 'sold' } });
    expect(h.terminal.hub.state()).toMatchObject({ kind: 'result' });

    // journal: the kernel's intent and result, then the sale, all under the sale's txn; then the decline
    const txn = (await op.state()).lastSale as { txn: string };
    expect(recordsOf(h, txn.txn).map((r) => [r.type, r.outcome, r.amountFen])).toEqual([
      ['intent', null, null],
      ['result', 'approved', 12_34],
      ['sale', 'approved', 12_34],
    ]);
    const last = h.terminal.services.journal.latest(1)[0]!;
    expect([last.seq.toString(), last.type, last.reason]).toEqual([again.seq, 'decision', 'no-amount']);

    // cancel drops a pending amount
    await op.amount(5_00);
    expect(await op.cancel()).toMatchObject({ cancelled: true, state: { pending: null } });
    expect(h.terminal.hub.state()).toMatchObject({ kind: 'idle', prompt: 'enter-amount' });
    expect(await op.cancel()).toMatchObject({ cancelled: false });
  });

  it('a card or code with no amount pending is declined and recorded; the code is not consumed', async () => {
    h = await startHarness({ profile: canteen() });
    const op = operatorClient(h.terminal);
    const card = zhengzhouCard();
    const a = await h.tap(card);
    expect(a).toMatchObject({ outcome: 'declined', reason: 'no-amount' });
    expect(ecBalanceOf(card)).toBe(500_00);
    const code = h.world.phone(ZHENGZHOU_CARD_ID).code('payment');
    expect(await h.scan(code)).toMatchObject({ outcome: 'declined', reason: 'no-amount', source: 'ecode' });
    // the same code, once an amount is typed, pays: it was not verified (nor marked used) before
    await op.amount(3_00);
    expect(await h.scan(code)).toMatchObject({ outcome: 'approved', source: 'ecode', amountFen: 3_00 });
    const j = h.terminal.services.journal;
    expect(j.list({ limit: 10 }).filter((r) => r.reason === 'no-amount')).toHaveLength(2);
  });

  it('a card and a code at once: one amount, one sale; the amount cannot change while the card pays', async () => {
    h = await startHarness({ profile: canteen() });
    const op = operatorClient(h.terminal);
    const next = (device: string) => new Promise<DecisionEvent>((resolve) => {
      const off = h!.terminal.onDecision((ev) => ev.device === device && (off(), resolve(ev)));
    });
    await op.amount(6_00);
    h.driver.setLatency(READER, 15); // a slow card: the payment takes a while
    const card = zhengzhouCard();
    const cardDecision = next(READER);
    h.driver.insertCard(READER, card);
    const deadline = Date.now() + 5_000;
    while ((await op.state()).inProgress === null && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(await op.state()).toMatchObject({ pending: null, inProgress: { amountFen: 6_00 } });
    expect(await op.call('POST', '/operator/amount', { fen: 1_00 })).toMatchObject({ status: 409, body: { error: 'busy' } });
    expect(await op.call('POST', '/operator/cancel')).toMatchObject({ status: 409, body: { error: 'busy' } });
    expect(await op.call('POST', '/operator/refund')).toMatchObject({ status: 409, body: { error: 'busy' } });
    const codeDecision = next('Emulated Scanner');
    h.scanner.present(h.world.phone(ZHENGZHOU_CARD_ID).code('payment'));
    expect(await codeDecision).toMatchObject({ outcome: 'declined', reason: 'payment-in-progress' });
    expect(await cardDecision).toMatchObject({ outcome: 'approved', amountFen: 6_00 });
    h.driver.removeCard(READER);
    expect(ecBalanceOf(card)).toBe(500_00 - 6_00);
    expect(await op.state()).toMatchObject({ pending: null, inProgress: null });
  });

  it('tearing: the card leaves at every APDU in turn — every decision recorded, no charge without the amount used up, no subsidy spent on an unfinished sale', async () => {
    h = await startHarness({ profile: canteen({ subsidy: { rosterFile: elderlyRoster() }, dailyLimitFen: 0 }) });
    const op = operatorClient(h.terminal);
    const j = h.terminal.services.journal;
    const ledgerPath = join(h.world.config.terminal.dataDir, 'canteen-sales.sqlite');
    const ledger = () => {
      const db = new Database(ledgerPath, { readonly: true });
      try {
        const held = (db.prepare("SELECT COUNT(*) AS n FROM sales WHERE state = 'held'").get() as { n: number }).n;
        const done = (db.prepare("SELECT COALESCE(SUM(subsidy_fen), 0) AS n FROM sales WHERE state = 'done'").get() as { n: number }).n;
        const spent = (db.prepare('SELECT COALESCE(SUM(spent_fen), 0) AS n FROM wallet').get() as { n: number }).n;
        return { held, done, spent };
      } finally {
        db.close();
      }
    };
    const reasons = new Set<string>();
    for (let after = 0; after < 40; after++) {
      if ((await op.state()).pending === null) await op.amount(10_00);
      const card = zhengzhouCard();
      h.driver.setFault(READER, { kind: 'vanish', after, executes: true });
      const ev = await h.tap(card);
      h.driver.setFault(READER, undefined);
      reasons.add(ev.reason);
      expect(j.get(BigInt(ev.seq)), `tear after ${after}`).toMatchObject({ outcome: ev.outcome, reason: ev.reason });
      const debited = ecBalanceOf(card)! < 500_00;
      const st = await op.state();
      if (debited) expect(st.pending, `tear after ${after}: EC debited, the amount must be used up`).toBeNull();
      if (ev.outcome === 'approved') {
        expect(debited).toBe(true);
        expect(ev).toMatchObject({ amountFen: 2_00, fullAmountFen: 10_00 });
      }
      const l = ledger();
      expect(l.held, `tear after ${after}: no sale left held`).toBe(0);
      expect(l.spent, `tear after ${after}: the wallet matches the finished sales`).toBe(l.done);
      if (ev.outcome === 'approved') break;
    }
    // refused before the debit (card removed while reading), torn during / after it, finally approved
    expect([...reasons]).toEqual(expect.arrayContaining(['card-removed', 'torn-after-charge', 'ok']));
  });

  it('an amount left pending expires: the tap after the timeout is not charged', async () => {
    const clock = new ShiftedClock();
    h = await startHarness({ profile: canteen({ amountTimeoutSeconds: 60 }), clock });
    const op = operatorClient(h.terminal);
    await op.amount(4_00);
    clock.advance(61_000);
    const card = zhengzhouCard();
    expect(await h.tap(card)).toMatchObject({ outcome: 'declined', reason: 'no-amount' });
    expect(ecBalanceOf(card)).toBe(500_00);
    expect(await op.state()).toMatchObject({ pending: null });
  });

  it('subsidy first, the rest on the card; the wallet is shared by card and code and refills the next day', async () => {
    const clock = new ShiftedClock();
    h = await startHarness({ profile: canteen({ subsidy: { rosterFile: elderlyRoster() }, dailyLimitFen: 0 }), clock });
    const op = operatorClient(h.terminal);
    const card = zhengzhouCard();

    await op.amount(12_00);
    const first = await h.tap(card);
    expect(first).toMatchObject({ outcome: 'approved', amountFen: 4_00, fullAmountFen: 12_00, concession: 'elderly-70', balanceFen: 500_00 - 4_00, message: 'paid 12.00 CNY: subsidy 8.00, card 4.00' });
    expect(ecBalanceOf(card)).toBe(500_00 - 4_00); // only the rest reached the card
    const sale = h.terminal.services.journal.get(BigInt(first.seq))!;
    expect(sale).toMatchObject({ type: 'sale', amountFen: 12_00, payload: { kind: 'pos.sale', method: 'card', totalFen: 12_00, subsidyFen: 8_00, chargedFen: 4_00, category: 'elderly-70' } });
    expect(h.terminal.services.journal.get(sale.refSeq!)).toMatchObject({ type: 'result', amountFen: 4_00 });

    // the wallet is empty for today: the code of the same holder pays everything post-paid
    const phone = h.world.phone(ZHENGZHOU_CARD_ID);
    await op.amount(3_00);
    const code = await h.scan(phone.code('payment'));
    expect(code).toMatchObject({ outcome: 'approved', source: 'ecode', amountFen: 3_00, message: 'paid 3.00 CNY post-paid' });
    expect(code.concession).toBeUndefined();

    // next day: 8.00 again; a sale within it does not touch the card at all
    clock.advance(DAY);
    await op.amount(6_50);
    const covered = await h.tap(card);
    expect(covered).toMatchObject({ outcome: 'approved', source: 'ssse-card', amountFen: 0, fullAmountFen: 6_50, concession: 'elderly-70', message: 'paid 6.50 CNY from the subsidy' });
    expect(ecBalanceOf(card)).toBe(500_00 - 4_00);
    // …and the code gets the rest of the same wallet (卡码同权)
    await op.amount(2_00);
    expect(await h.scan(phone.code('payment'))).toMatchObject({ outcome: 'approved', amountFen: 50, fullAmountFen: 2_00, concession: 'elderly-70', message: 'paid 2.00 CNY: subsidy 1.50, post-paid 0.50' });
  });

  it('daily spending limit per holder, card and code together; a declined sale keeps the amount pending', async () => {
    h = await startHarness({ profile: canteen({ dailyLimitFen: 20_00 }) });
    const op = operatorClient(h.terminal);
    const card = zhengzhouCard();
    await op.amount(12_00);
    expect((await h.tap(card)).outcome).toBe('approved');
    await op.amount(9_00);
    const over = await h.tap(card);
    expect(over).toMatchObject({ outcome: 'declined', reason: 'daily-limit', message: 'over the daily limit of 20.00 CNY: 8.00 left today' });
    expect(ecBalanceOf(card)).toBe(500_00 - 12_00);
    expect(await op.state()).toMatchObject({ pending: { amountFen: 9_00 } }); // still pending: nothing was charged
    expect(await h.scan(h.world.phone(ZHENGZHOU_CARD_ID).code('payment'))).toMatchObject({ outcome: 'declined', reason: 'daily-limit' });
    // another holder is not affected
    expect(await h.scan(h.world.phone('440100D1560000050000000000003003').code('payment'))).toMatchObject({ outcome: 'approved', amountFen: 9_00 });
    await op.amount(8_00);
    expect((await h.tap(card)).outcome).toBe('approved');
  });

  it('refund of the last sale: subsidy back to the wallet, card part recorded for the backend; once; not after the window', async () => {
    const clock = new ShiftedClock();
    h = await startHarness({ profile: canteen({ subsidy: { rosterFile: elderlyRoster() }, refundWindowSeconds: 120 }), clock });
    const op = operatorClient(h.terminal);
    const card = zhengzhouCard();
    await op.amount(10_00);
    const sale = await h.tap(card);
    expect(sale).toMatchObject({ outcome: 'approved', amountFen: 2_00, fullAmountFen: 10_00 });

    const shown = new Promise((resolve) => h!.terminal.onDecision(resolve));
    const refund = await op.refund();
    expect(refund).toMatchObject({ decision: { outcome: 'approved', reason: 'refund' }, saleSeq: sale.seq, amountFen: 10_00, subsidyFen: 8_00, cardFen: 2_00, postpaidFen: 0 });
    expect(await shown).toMatchObject({ outcome: 'approved', reason: 'refund', device: 'operator', seq: refund.seq });
    const rec = h.terminal.services.journal.get(BigInt(refund.seq as string))!;
    expect(rec).toMatchObject({ type: 'refund', outcome: 'approved', amountFen: 10_00, refSeq: BigInt(sale.seq), payload: { subsidyFen: 8_00, cardFen: 2_00, card: 'refund-by-backend' } });
    expect(ecBalanceOf(card)).toBe(500_00 - 2_00); // EC is not credited offline
    expect(await op.state()).toMatchObject({ lastSale: { state: 'refunded', refundableUntilMs: null } });
    // the subsidy is back: the next sale is covered again
    await op.amount(8_00);
    expect(await h.tap(card)).toMatchObject({ outcome: 'approved', amountFen: 0, fullAmountFen: 8_00 });

    // a refund of the same sale twice is refused (the last sale is now the 8.00 one: refund it, then again)
    expect(await op.refund()).toMatchObject({ decision: { outcome: 'approved' }, subsidyFen: 8_00 });
    expect(await op.refund()).toMatchObject({ decision: { outcome: 'declined', reason: 'already-refunded' } });

    // after the window
    await op.amount(1_00);
    await h.tap(card);
    clock.advance(121_000);
    const late = await op.refund();
    expect(late).toMatchObject({ decision: { outcome: 'declined', reason: 'refund-window-passed' } });
    expect(h.terminal.services.journal.get(BigInt(late.seq as string))).toMatchObject({ type: 'refund', outcome: 'declined' });
  });

  it('a hotlisted PAN is declined and the subsidy is not spent', async () => {
    h = await startHarness({ profile: canteen({ subsidy: { rosterFile: elderlyRoster() } }), hotlisted: [{ kind: 'pan', id: ZHENGZHOU_PAN }] });
    const op = operatorClient(h.terminal);
    const card = zhengzhouCard();
    await op.amount(10_00);
    const lost = await h.tap(card);
    expect(lost).toMatchObject({ outcome: 'declined', reason: 'hotlisted' });
    // qPBOC reads the PAN only after the GPO, where the card already debited its EC (8.00 subsidy, 2.00 on
    // the card): the kernel records that TC with the decline for the backend. Money moved, so the amount
    // is used up (no second charge by another tap); the sale is declined, so the subsidy is not spent.
    expect(ecBalanceOf(card)).toBe(500_00 - 2_00);
    const j = h.terminal.services.journal;
    const sale = j.get(BigInt(lost.seq))!;
    expect(sale).toMatchObject({ type: 'sale', outcome: 'declined', reason: 'hotlisted', amountFen: null, payload: { subsidyFen: 8_00, chargedFen: 2_00, payment: { cryptogramType: 'TC' } } });
    expect(j.get(sale.refSeq!)).toMatchObject({ type: 'result', outcome: 'declined', reason: 'hotlisted', amountFen: 2_00 });
    expect(await op.state()).toMatchObject({ pending: null });
    // the wallet still holds 8.00: the e-code of the holder pays 10.00 with 8.00 of subsidy
    await op.amount(10_00);
    expect(await h.scan(h.world.phone(ZHENGZHOU_CARD_ID).code('payment'))).toMatchObject({ outcome: 'approved', amountFen: 2_00, fullAmountFen: 10_00 });
  });

  it('a lost social security card (hotlisted) is declined before any payment', async () => {
    h = await startHarness({ profile: canteen(), hotlisted: [{ kind: 'ssc', id: 'A41001001' }] });
    const op = operatorClient(h.terminal);
    const card = zhengzhouCard();
    await op.amount(1_00);
    expect(await h.tap(card)).toMatchObject({ outcome: 'declined', reason: 'hotlisted' });
    expect(ecBalanceOf(card)).toBe(500_00);
  });

  it('EC balance too low: declined, nothing charged, the amount stays for another way to pay', async () => {
    h = await startHarness({ profile: canteen() });
    const op = operatorClient(h.terminal);
    const card = zhengzhouCard({ ecBalanceFen: 3_20 });
    await op.amount(4_00);
    expect(await h.tap(card)).toMatchObject({ outcome: 'declined', reason: 'ec-balance-low', message: 'EC balance 3.20 < amount 4.00: top up the card or pay another way' });
    expect(ecBalanceOf(card)).toBe(3_20);
    const paid = await h.scan(h.world.phone(ZHENGZHOU_CARD_ID).code('payment'));
    expect(paid, JSON.stringify(paid)).toMatchObject({ outcome: 'approved', amountFen: 4_00 });
  });

  it('e-code payment: post-paid charge recorded offline within the journal limits; wrong scope refused', async () => {
    h = await startHarness({ profile: canteen(), config: { journal: { offline: { perTransactionFen: 10_00 } } } });
    const op = operatorClient(h.terminal);
    const phone = h.world.phone(ZHENGZHOU_CARD_ID);
    await op.amount(7_50);
    const ok = await h.scan(phone.code('payment'));
    expect(ok).toMatchObject({ outcome: 'approved', source: 'ecode', amountFen: 7_50 });
    const j = h.terminal.services.journal;
    const recs = j.list({ limit: 20 }).filter((r) => r.txn && r.txn === j.get(BigInt(ok.seq))!.txn);
    expect(recs.map((r) => [r.type, r.outcome, r.amountFen, r.offline])).toEqual([
      ['postpaid', 'approved', 7_50, true],
      ['sale', 'approved', 7_50, false],
    ]);
    expect(recs[0]!.tokens.holder).toBe(holderTokenOf(h.world.holderTokenKey, ZHENGZHOU_CARD_ID)); // the card holder's token
    expect(j.exposure()).toMatchObject({ count: 1, totalFen: 7_50 });
    // over the offline per-transaction limit
    await op.amount(12_00);
    expect(await h.scan(phone.code('payment'))).toMatchObject({ outcome: 'declined', reason: 'offline-per-transaction-limit' });
    // a code made for another service
    expect(await h.scan(phone.code('transit'))).toMatchObject({ outcome: 'declined', reason: 'wrong-scope' });
    expect(await op.state()).toMatchObject({ pending: { amountFen: 12_00 } });
  });
});
