// Metro gates through the in-process reader (card + PSAM) and scanner: an entry gate and an exit gate on
// one clock. Card: entry writes the trip on the card, exit charges the distance fare with concessions
// and transfer; missing entry, overstay, anti-passback. E-code (卡码同权): entry and exit matched by
// holder token through the trip memory, fare post-paid at exit; a code exit without entry.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPbocCard } from '../../emulator/pboc/card';
import { loadTransitCard } from '../../emulator/transit/fixtures';
import type { DecisionEvent } from '../events';
import { startHarness, type Harness } from '../testing/harness';
import { TestClock, ZHENGZHOU_CARD_ID, cst, purseOf, zhengzhouTransitCard } from './transit/testing';

interface Gates {
  entry: Harness;
  exit: Harness;
  clock: TestClock;
}

let g: Gates | undefined;
let shared: string | undefined;
afterEach(async () => {
  await g?.entry.close();
  await g?.exit.close();
  g = undefined;
  if (shared) rmSync(shared, { recursive: true, force: true });
  shared = undefined;
});

const WEDNESDAY_8AM = cst('2026-11-25T08:00');

/** An entry gate at L1-01 and an exit gate at L1-07 (14 km: 5.00), sharing the e-code trip memory. */
async function gates(o: { at?: number; entry?: Record<string, unknown>; exitStation?: number } = {}): Promise<Gates> {
  const clock = new TestClock(o.at ?? WEDNESDAY_8AM);
  shared = mkdtempSync(join(tmpdir(), 'ykt-metro-'));
  const rideLedgerPath = join(shared, 'rides.sqlite');
  const base = { kind: 'metro', fareProfile: 'metro-l1', line: 1, rideLedgerPath };
  const entry = await startHarness({ profile: { ...base, station: 1, direction: 'entry', ...o.entry }, psam: 'psam-test-1', clock });
  const exit = await startHarness({ profile: { ...base, station: o.exitStation ?? 7, direction: 'exit' }, psam: 'psam-test-1', clock });
  g = { entry, exit, clock };
  return g;
}

const recordOf = (h: Harness, ev: DecisionEvent) => h.terminal.services.journal.get(BigInt(ev.seq))!;
const MINUTE = 60_000;

describe('metro gate: card', () => {
  it('entry writes the trip (no charge), exit charges the distance fare from the entry station', async () => {
    const { entry, exit, clock } = await gates();
    const card = loadTransitCard('tunion-adult');
    const inEv = await entry.tap(card.card);
    expect(inEv).toMatchObject({ profile: 'metro-entry', outcome: 'approved', reason: 'ok', amountFen: 0, balanceFen: 5000 });
    expect(recordOf(entry, inEv)).toMatchObject({ type: 'result', outcome: 'approved' });
    clock.advance(30 * MINUTE);
    const outEv = await exit.tap(card.card);
    expect(outEv).toMatchObject({ profile: 'metro-exit', outcome: 'approved', amountFen: 500, balanceFen: 4500 });
    expect(card.purse.state).toMatchObject({ balanceFen: 4500, debits: 2 });
    const intent = exit.terminal.services.journal.get(recordOf(exit, outEv).refSeq!)!;
    expect(intent.payload).toMatchObject({ ride: { kind: 'exit', station: 'L1-07', baseFen: 500, penaltyFen: 0 } });
  });

  it('concession by category at exit: a student pays half of the distance fare', async () => {
    const { entry, exit, clock } = await gates();
    const card = loadTransitCard('tunion-student-sm4');
    await entry.tap(card.card);
    clock.advance(20 * MINUTE);
    expect(await exit.tap(card.card)).toMatchObject({ outcome: 'approved', amountFen: 250, fullAmountFen: 500, concession: 'student' });
    expect(card.purse.state.balanceFen).toBe(4750);
  });

  it('transfer from a bus ride within 90 minutes (the card’s travel record) lowers the exit fare', async () => {
    // tunion-adult rode bus 26 on 2026-11-21 at 18:05
    const { entry, exit, clock } = await gates({ at: cst('2026-11-21T18:30') });
    const card = loadTransitCard('tunion-adult');
    await entry.tap(card.card);
    clock.advance(25 * MINUTE);
    expect(await exit.tap(card.card)).toMatchObject({ outcome: 'approved', amountFen: 400, fullAmountFen: 500 });
  });

  it('exit without entry: the fare file’s missing-entry rule (highest fare from this station)', async () => {
    const { exit } = await gates();
    const card = loadTransitCard('tunion-adult');
    const ev = await exit.tap(card.card);
    expect(ev).toMatchObject({ outcome: 'approved', amountFen: 600, balanceFen: 4400 });
    expect(ev.message).toMatch(/missing-entry/);
    const intent = exit.terminal.services.journal.get(recordOf(exit, ev).refSeq!)!;
    expect(intent.payload).toMatchObject({ ride: { kind: 'exit', baseFen: 0, penaltyFen: 600 } });
  });

  it('overstay: more than 240 minutes inside adds the overstay penalty at exit', async () => {
    const { entry, exit, clock } = await gates();
    const card = loadTransitCard('tunion-adult');
    await entry.tap(card.card);
    clock.advance(300 * MINUTE);
    const out = await exit.tap(card.card);
    expect(out).toMatchObject({ outcome: 'approved', amountFen: 800 });
    expect(out.message).toMatch(/overstay/);
    expect(card.purse.state.balanceFen).toBe(4200);
  });

  it('anti-passback: no re-entry within the window (nothing charged); later, a re-entry pays the missing exit', async () => {
    const { entry, clock } = await gates();
    const card = loadTransitCard('tunion-adult');
    expect((await entry.tap(card.card)).outcome).toBe('approved');
    clock.advance(30_000);
    const again = await entry.tap(card.card);
    expect(again).toMatchObject({ outcome: 'declined', reason: 'anti-passback' });
    expect(recordOf(entry, again)).toMatchObject({ type: 'decision', reason: 'anti-passback' });
    expect(card.purse.state).toMatchObject({ balanceFen: 5000, debits: 1 });
    clock.advance(300_000);
    expect(await entry.tap(card.card)).toMatchObject({ outcome: 'approved', amountFen: 200, balanceFen: 4800 });
  });

  it('the card’s own trip record refuses a re-entry at another entry gate (no shared memory needed)', async () => {
    const { entry, clock } = await gates();
    const other = await startHarness({ profile: { kind: 'metro', fareProfile: 'metro-l1', line: 1, station: 1, direction: 'entry' }, psam: 'psam-test-1', clock });
    try {
      const card = loadTransitCard('tunion-adult');
      expect((await entry.tap(card.card)).outcome).toBe('approved');
      expect(await other.tap(card.card)).toMatchObject({ outcome: 'declined', reason: 'anti-passback' });
    } finally {
      await other.close();
    }
  });

  it('a card without a transport application is refused at the gate', async () => {
    const { entry } = await gates();
    expect(await entry.tap(loadPbocCard('ssc-3rd-pboc'))).toMatchObject({ outcome: 'declined', reason: 'no-transit-app' });
  });
});

describe('metro gate: e-code (卡码同权)', () => {
  it('entry and exit matched by holder token; the fare, with the concession, is charged post-paid at exit', async () => {
    const { entry, exit, clock } = await gates();
    const phone = entry.world.phone('330300D1560000050000000000002002', { categories: ['student'] });
    const inEv = await entry.scan(phone.code('transit'));
    expect(inEv).toMatchObject({ outcome: 'approved', reason: 'entry', source: 'ecode', amountFen: 0 });
    clock.advance(30 * MINUTE);
    const outEv = await exit.scan(phone.code('transit'));
    expect(outEv).toMatchObject({ outcome: 'approved', reason: 'post-paid', amountFen: 250, fullAmountFen: 500, concession: 'student' });
    expect(recordOf(exit, outEv)).toMatchObject({
      type: 'decision',
      amountFen: 250,
      payload: expect.objectContaining({ kind: 'transit.code-ride', postPaid: true, rideKind: 'exit', station: 'L1-07', entry: expect.objectContaining({ station: 'L1-01' }) }),
    });
    // the trip is closed: the next exit has no entry (a penalty is never discounted, concession or not)
    clock.advance(MINUTE);
    const again = await exit.scan(phone.code('transit'));
    expect(again).toMatchObject({ amountFen: 600 });
    expect(again.concession).toBeUndefined();
  });

  it('a code exit without entry pays the missing-entry rule', async () => {
    const { exit } = await gates();
    const ev = await exit.scan(exit.world.phone('440100D1560000050000000000003003').code('transit'));
    expect(ev).toMatchObject({ outcome: 'approved', amountFen: 600 });
    expect(ev.message).toMatch(/missing-entry/);
  });

  it('anti-passback by holder across card and code: the holder’s code cannot enter after the card did', async () => {
    const { entry, clock } = await gates();
    const card = zhengzhouTransitCard({ category: 1 });
    expect((await entry.tap(card)).outcome).toBe('approved');
    const phone = entry.world.phone(ZHENGZHOU_CARD_ID);
    expect(await entry.scan(phone.code('transit'))).toMatchObject({ outcome: 'declined', reason: 'anti-passback' });
    expect(purseOf(card).state.debits).toBe(1);
    // a code entry, then the same code again: refused; after the window it pays the missing exit (post-paid)
    const other = entry.world.phone('440100D1560000050000000000003003');
    expect((await entry.scan(other.code('transit'))).outcome).toBe('approved');
    expect(await entry.scan(other.code('transit'))).toMatchObject({ outcome: 'declined', reason: 'anti-passback' });
    clock.advance(301_000);
    expect(await entry.scan(other.code('transit'))).toMatchObject({ outcome: 'approved', reason: 'entry', amountFen: 200 });
  });
});
