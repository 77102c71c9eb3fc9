// Bus validator through the in-process reader (card + PSAM in a second slot) and scanner: e-purse fare
// with concessions, transfer and caps, hotlists, insufficient funds, torn debit recovered across taps
// and across a restart, QuickPass fallback, e-code rides priced like the card (卡码同权), offline.
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualReaderDriver } from '../../../drivers/virtual/index';
import { toHex } from '../../../apdu/hex';
import { holderTokenFromCardId } from '../../core/holder-token';
import { fromHex } from '../../../apdu/hex';
import { loadPbocCard, pbocAppOf } from '../../emulator/pboc/card';
import { loadPsam, loadTransitCard } from '../../emulator/transit/fixtures';
import { createLogger } from '../../log/logger';
import type { DecisionEvent } from '../events';
import { Terminal } from '../terminal';
import { READER, SAM_READER, startHarness, type Harness } from '../testing/harness';
import { RideLedger } from './transit/ride-ledger';
import { SERIAL, TestClock, ZHENGZHOU_CARD_ID, cst, purseOf, zhengzhouTransitCard } from './transit/testing';

let h: Harness | undefined;
const extra: Terminal[] = [];
afterEach(async () => {
  for (const t of extra.splice(0)) await t.stop();
  await h?.close();
  h = undefined;
});

const WEDNESDAY_8AM = cst('2026-11-25T08:00'); // peak hour on a weekday: no off-peak concession
const bus = (o: Record<string, unknown> = {}) => ({ kind: 'bus', fareProfile: 'bus-26', ...o });

async function busHarness(o: { profile?: Record<string, unknown>; at?: number; hotlisted?: Parameters<typeof startHarness>[0]['hotlisted']; psam?: string | false } = {}) {
  const clock = new TestClock(o.at ?? WEDNESDAY_8AM);
  h = await startHarness({ profile: bus(o.profile), psam: o.psam === false ? undefined : (o.psam ?? 'psam-test-1'), hotlisted: o.hotlisted, clock });
  return { h, clock };
}

const journal = () => h!.terminal.services.journal;
const recordOf = (ev: DecisionEvent) => journal().get(BigInt(ev.seq))!;
/** The ride ledger's rows, oldest first (a second connection to the validator's file). */
const ledgerRows = () => {
  const l = new RideLedger(`${h!.terminal.services.config.terminal.dataDir}/transit-rides.sqlite`);
  try {
    return l.latest().reverse();
  } finally {
    l.close();
  }
};
/** Card APDUs of a tunion-adult bus tap before DEBIT: SELECT SSSE, SELECT EP, READ 0017, GET BALANCE, 2× READ 001E, INIT CAPP, UPDATE CAPP 001E. */
const DEBIT_AT = 8;

describe('bus validator: transport e-purse through the PSAM', () => {
  it('charges the flat fare, shows fare and balance, and the shown decision is the durable kernel result', async () => {
    await busHarness();
    const card = loadTransitCard('tunion-adult');
    const ev = await h!.tap(card.card);
    expect(ev).toMatchObject({ profile: 'bus', source: 'transit-card', outcome: 'approved', reason: 'ok', amountFen: 200, balanceFen: 4800, maskedId: '3*****************01' });
    expect(ev.fullAmountFen).toBeUndefined();
    expect(card.purse.state).toMatchObject({ balanceFen: 4800, debits: 1 });
    const rec = recordOf(ev);
    expect(rec).toMatchObject({ type: 'result', outcome: 'approved', amountFen: 200, service: 'bus' });
    expect(journal().get(rec.refSeq!)).toMatchObject({ type: 'intent', amountFen: 200 });
    expect(journal().openIntents()).toHaveLength(0);
    // the PSAM in its slot was never taken for a tap; the serial is never stored in clear
    expect(journal().list({ limit: 50 }).map((r) => r.type)).toEqual(['intent', 'result']);
    expect(JSON.stringify(journal().list({ limit: 50 }), (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).not.toContain(SERIAL.adult);
    expect(ledgerRows()).toEqual([expect.objectContaining({ industry: 'bus', kind: 'single', line: 26, fen: 200, source: 'transit-card' })]);
  });

  it('concessions by the card category: 70+ free, students half (full fare shown)', async () => {
    await busHarness();
    const elderly = await h!.tap(loadTransitCard('tunion-elderly-70').card);
    expect(elderly).toMatchObject({ outcome: 'approved', amountFen: 0, fullAmountFen: 200, concession: 'elderly-70', balanceFen: 1000 });
    const student = loadTransitCard('tunion-student-sm4');
    expect(await h!.tap(student.card)).toMatchObject({ outcome: 'approved', amountFen: 100, fullAmountFen: 200, concession: 'student', balanceFen: 4900 });
    expect(student.purse.state.balanceFen).toBe(4900);
  });

  it('transfer discount within the window (from the card’s own travel record), full fare outside it', async () => {
    // tunion-adult rode bus 26 on 2026-11-21 at 18:05; this validator is route 58 (1.00)
    await busHarness({ profile: { fareProfile: 'bus-58' }, at: cst('2026-11-21T18:50') });
    const ev = await h!.tap(loadTransitCard('tunion-adult').card);
    expect(ev).toMatchObject({ outcome: 'approved', amountFen: 0, fullAmountFen: 100 });
    expect(recordOf(ev).refSeq).not.toBeNull();
    const intent = journal().get(recordOf(ev).refSeq!)!;
    expect(intent.payload).toMatchObject({ ride: { transfer: 'transfer-90', line: 58 } });
    await h!.close();
    await busHarness({ profile: { fareProfile: 'bus-58' }, at: cst('2026-11-21T20:00') });
    expect(await h!.tap(loadTransitCard('tunion-adult').card)).toMatchObject({ outcome: 'approved', amountFen: 100 });
  });

  it('卡码同权: card and code of one holder share the daily cap (15.00) through the ride ledger', async () => {
    await busHarness();
    const phone = h!.world.phone(ZHENGZHOU_CARD_ID);
    for (let i = 0; i < 7; i++) expect(await h!.scan(phone.code('transit'))).toMatchObject({ outcome: 'approved', source: 'ecode', amountFen: 200 });
    // the same holder's social security card with a standard T-Union e-purse: only 1.00 left under the cap
    const card = zhengzhouTransitCard({ category: 1, balanceFen: 5000 });
    const ev = await h!.tap(card);
    expect(ev).toMatchObject({ outcome: 'approved', source: 'transit-card', amountFen: 100, fullAmountFen: 200, maskedId: '3*****************02' });
    expect(purseOf(card).state.balanceFen).toBe(4900);
    expect(await h!.scan(phone.code('transit'))).toMatchObject({ outcome: 'approved', amountFen: 0, fullAmountFen: 200 });
    const holder = holderTokenFromCardId(h!.terminal.services.holderTokenKey, fromHex(ZHENGZHOU_CARD_ID));
    const rows = ledgerRows() as { holder: string; fen: number; source: string }[];
    expect(rows).toHaveLength(9);
    expect(new Set(rows.map((r) => r.holder))).toEqual(new Set([holder]));
    expect(rows.reduce((n, r) => n + r.fen, 0)).toBe(1500);
  });

  it('hotlisted T-Union card and hotlisted social security card: declined before any charge, recorded', async () => {
    await busHarness({ hotlisted: [{ kind: 'tunion', id: SERIAL.adult }, { kind: 'ssc', id: 'A41001001' }] });
    const lost = loadTransitCard('tunion-adult');
    const ev = await h!.tap(lost.card);
    expect(ev).toMatchObject({ outcome: 'declined', reason: 'hotlisted', source: 'transit-card' });
    expect(lost.purse.state).toMatchObject({ balanceFen: 5000, debits: 0 });
    expect(recordOf(ev)).toMatchObject({ type: 'decision', outcome: 'declined', reason: 'hotlisted' });
    const ssc = zhengzhouTransitCard({ category: 1 });
    expect(await h!.tap(ssc)).toMatchObject({ outcome: 'declined', reason: 'hotlisted', maskedId: 'A******01' });
    expect(purseOf(ssc).state.debits).toBe(0);
    expect(journal().openIntents()).toHaveLength(0);
  });

  it('insufficient funds: declined with the balance shown, nothing debited', async () => {
    await busHarness();
    const low = loadTransitCard('faulty-low-balance');
    const ev = await h!.tap(low.card);
    expect(ev).toMatchObject({ outcome: 'declined', reason: 'insufficient-funds', balanceFen: 150 });
    expect(ev.message).toMatch(/top up/);
    expect(low.purse.state).toMatchObject({ balanceFen: 150, debits: 0 });
    expect(recordOf(ev)).toMatchObject({ type: 'decision', reason: 'insufficient-funds' });
  });

  it('torn debit (card gone while DEBIT executes), recovered on the next tap: charged once, recorded once', async () => {
    await busHarness();
    const probe = loadTransitCard('tunion-adult');
    const before = h!.driver.exchanges(READER).length;
    await h!.tap(probe.card);
    const commands = h!.driver.exchanges(READER).slice(before).map((e) => toHex(e.command.subarray(0, 2)));
    expect(commands.indexOf('8054')).toBe(DEBIT_AT);

    const card = loadTransitCard('tunion-adult');
    h!.driver.setFault(READER, { kind: 'vanish', after: DEBIT_AT, executes: true });
    const torn = await h!.tap(card.card);
    expect(torn).toMatchObject({ outcome: 'cannot-decide', reason: 'torn' });
    expect(card.purse.state).toMatchObject({ balanceFen: 4800, debits: 1 }); // the card did debit
    expect(recordOf(torn)).toMatchObject({ type: 'unconfirmed' });
    expect(journal().openIntents()).toHaveLength(1);

    const again = await h!.tap(card.card);
    expect(again).toMatchObject({ outcome: 'approved', reason: 'torn-recovered', amountFen: 200, balanceFen: 4800 });
    expect(card.purse.state).toMatchObject({ balanceFen: 4800, debits: 1 });
    expect(recordOf(again)).toMatchObject({ type: 'result', outcome: 'approved', payload: expect.objectContaining({ kind: 'transit.recovered', evidence: 'prove' }) });
    expect(journal().openIntents()).toHaveLength(0);
    // the recovered ride is in the ledger exactly once (with the probe's ride)
    expect(ledgerRows()).toHaveLength(2);
  });

  it('a torn debit survives a restart (seeded from the journal) and is recovered by the next tap', async () => {
    const { clock } = await busHarness();
    const card = loadTransitCard('tunion-adult');
    h!.driver.setFault(READER, { kind: 'vanish', after: DEBIT_AT, executes: true });
    expect(await h!.tap(card.card)).toMatchObject({ reason: 'torn' });
    expect(card.purse.state.debits).toBe(1);
    await h!.terminal.stop();

    const driver = new VirtualReaderDriver({ readers: [{ name: READER, interface: 'contactless' }] });
    driver.addReader(SAM_READER, { interface: 'contact' });
    driver.insertCard(SAM_READER, loadPsam('psam-test-1').card);
    const t2 = await Terminal.start({ config: h!.world.config, driver, scanners: [], log: createLogger({ component: 'ykt', level: 'error', sink: () => {} }), downloads: false, sync: false, clock });
    extra.push(t2);
    await t2.pollDownloads();
    clock.advance(20_000);
    const next = new Promise<DecisionEvent>((r) => t2.onDecision(r));
    driver.insertCard(READER, card.card);
    expect(await next).toMatchObject({ outcome: 'approved', reason: 'torn-recovered', amountFen: 200 });
    expect(card.purse.state).toMatchObject({ balanceFen: 4800, debits: 1 });
    expect(t2.services.journal.openIntents()).toHaveLength(0);
  });

  it('a torn debit whose card never comes back is marked unconfirmed by the sweep after the window', async () => {
    const { clock } = await busHarness();
    const card = loadTransitCard('tunion-adult');
    h!.driver.setFault(READER, { kind: 'vanish', after: DEBIT_AT, executes: true });
    await h!.tap(card.card);
    await h!.terminal.profile.tick!();
    expect(journal().openIntents()).toHaveLength(1); // still within the window
    clock.advance(121_000);
    await h!.terminal.profile.tick!();
    expect(journal().openIntents()).toHaveLength(0);
    const last = journal().latest(1)[0]!;
    expect(last).toMatchObject({ type: 'result', outcome: 'unconfirmed', reason: 'card-not-back', payload: expect.objectContaining({ amountAtStakeFen: 200 }) });
  });

  it('QuickPass / EC when the card has no transport application; refused when acceptQuickPass is off', async () => {
    await busHarness();
    const card = loadPbocCard('ssc-3rd-pboc');
    const ev = await h!.tap(card);
    expect(ev).toMatchObject({ outcome: 'approved', source: 'pboc-card', amountFen: 200, balanceFen: 49800, maskedId: '623100*******0138' });
    expect(pbocAppOf(card)!.state.balanceFen).toBe(49800);
    expect(recordOf(ev)).toMatchObject({ type: 'result', outcome: 'approved', amountFen: 200 });
    await h!.close();
    await busHarness({ profile: { acceptQuickPass: false } });
    const other = loadPbocCard('ssc-3rd-pboc');
    expect(await h!.tap(other)).toMatchObject({ outcome: 'declined', reason: 'no-transit-app' });
    expect(pbocAppOf(other)!.state.balanceFen).toBe(50000);
  });

  it('e-code rides: the fare engine’s concessions, recorded post-paid with the fare', async () => {
    const { clock } = await busHarness();
    const elderly = await h!.scan(h!.world.phone('440100D1560000050000000000003003', { categories: ['elderly-70'] }).code('transit'));
    expect(elderly).toMatchObject({ outcome: 'approved', reason: 'post-paid', source: 'ecode', amountFen: 0, fullAmountFen: 200, concession: 'elderly-70' });
    const student = await h!.scan(h!.world.phone('330300D1560000050000000000002002', { categories: ['student'] }).code('transit'));
    expect(student).toMatchObject({ outcome: 'approved', amountFen: 100, fullAmountFen: 200, concession: 'student' });
    expect(recordOf(student)).toMatchObject({ type: 'decision', outcome: 'approved', amountFen: 100, payload: expect.objectContaining({ kind: 'transit.code-ride', postPaid: true, rideKind: 'single', profile: 'bus-26' }) });
    expect(recordOf(student).tokens.holder).toBeDefined();
    const veteran = await h!.scan(h!.world.phone('410100D1560000050000000000004004', { categories: ['veteran'] }).code('transit'));
    expect(veteran).toMatchObject({ outcome: 'approved', amountFen: 0, concession: 'veteran' });
    // 60–69: half price off-peak only (weekdays 09–17): full fare at 08:00, half at 10:00
    const senior = h!.world.phone('110100D1560000050000000000005005', { categories: ['elderly'] });
    expect(await h!.scan(senior.code('transit'))).toMatchObject({ outcome: 'approved', amountFen: 200 });
    clock.advance(2 * 3_600_000);
    expect(await h!.scan(senior.code('transit'))).toMatchObject({ outcome: 'approved', amountFen: 100, fullAmountFen: 200, concession: 'elderly' });
    const bad = await h!.scan('YKE1:NOT-A-CODE');
    expect(bad.outcome).not.toBe('approved');
    // a code made for another service is not consent to pay a fare
    expect(await h!.scan(h!.world.phone(ZHENGZHOU_CARD_ID).code('culture'))).toMatchObject({ outcome: 'declined', reason: 'wrong-scope' });
  });

  it('anti-passback (when configured): the same holder cannot pay twice in a row by card or code', async () => {
    await busHarness({ profile: { antiPassbackSeconds: 30 } });
    const card = zhengzhouTransitCard({ category: 1 });
    expect((await h!.tap(card)).outcome).toBe('approved');
    expect(await h!.scan(h!.world.phone(ZHENGZHOU_CARD_ID).code('transit'))).toMatchObject({ outcome: 'declined', reason: 'anti-passback' });
    expect(await h!.tap(card)).toMatchObject({ outcome: 'declined', reason: 'anti-passback' });
    expect(purseOf(card).state.debits).toBe(1);
    // the holder's other card (SSSE + UnionPay, no e-purse) would pay by QuickPass: refused as well
    const bank = loadPbocCard('ssc-3rd-pboc');
    expect(await h!.tap(bank)).toMatchObject({ outcome: 'declined', reason: 'anti-passback' });
    expect(pbocAppOf(bank)!.state.balanceFen).toBe(50000);
  });

  it('decides offline: the backend is gone, taps and codes are still decided and kept', async () => {
    await busHarness();
    await h!.world.backend.close();
    expect((await h!.tap(loadTransitCard('tunion-adult').card)).outcome).toBe('approved');
    expect((await h!.scan(h!.world.phone(ZHENGZHOU_CARD_ID).code('transit'))).outcome).toBe('approved');
    expect(journal().syncPosition().unsent).toBeGreaterThanOrEqual(3n);
  });

  it('without its PSAM the validator cannot charge a transport card (cannot decide), codes still work', async () => {
    await busHarness({ psam: false });
    const card = loadTransitCard('tunion-adult');
    expect(await h!.tap(card.card)).toMatchObject({ outcome: 'cannot-decide', reason: 'sam-failed' });
    expect(card.purse.state.debits).toBe(0);
    expect((await h!.scan(h!.world.phone(ZHENGZHOU_CARD_ID).code('transit'))).outcome).toBe('approved');
  });
});
