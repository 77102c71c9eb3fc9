/**
 * Tearing (STYLE.md §2: a property of the runner, not of each kernel): the card — or the PSAM —
 * leaves the field at every APDU of a tap in turn, before or after the card executed it. The rider
 * taps again (same terminal, within the window) until let through. Whatever the tear:
 *   - the card is debited exactly once, and the journal says exactly that amount was charged;
 *   - every intent is closed by exactly one result (the journal refuses a second);
 *   - the rider is approved exactly once.
 * Runs through the in-process virtual reader (drivers/virtual) with the PSAM in a second slot.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../core/paths';
import { VirtualReaderDriver } from '../../drivers/virtual';
import type { Transmit } from '../../apdu/transceive';
import { loadFares, loadPsam, loadTransitCard } from '../emulator/transit/fixtures';
import { buildPsam } from '../emulator/transit/psam-card';
import { buildTransitCard } from '../emulator/transit/transit-card';
import { TransitRig } from '../emulator/transit/rig';
import type { CardConnection } from '../reader/types';
import type { RideContext } from './kernel';

const fares = loadFares('demo-city');
const NOW = Date.UTC(2026, 10, 22, 8, 0, 0);
const CARD = 'Virtual PICC 0';
const SAM = 'Virtual SAM 1';

async function station(opts: { psamFixture?: unknown } = {}) {
  const drv = new VirtualReaderDriver({ readers: [CARD, SAM], apduTimeoutMs: 1000 });
  const psam = opts.psamFixture ? buildPsam(opts.psamFixture) : loadPsam('psam-test-1');
  drv.insertCard(SAM, psam.card);
  let samConn: CardConnection = await drv.connect(SAM);
  const samTransmit: Transmit = (c) => samConn.transmit(c);
  const rig = new TransitRig({ fares, samTransmit });
  await rig.identify();
  /** After the PSAM vanished: put it back, reconnect, identify again (what the runtime does). */
  const restoreSam = async () => {
    if (!drv.cardIn(SAM)) drv.insertCard(SAM, psam.card);
    samConn = await drv.connect(SAM);
    await rig.identify();
  };
  return { drv, psam, rig, restoreSam };
}

async function tapOnce(s: Awaited<ReturnType<typeof station>>, card: ReturnType<typeof loadTransitCard>, ride: RideContext, nowMs: number) {
  if (!s.drv.cardIn(CARD)) s.drv.insertCard(CARD, card.card);
  const conn = await s.drv.connect(CARD);
  try {
    return (await s.rig.tap((c) => conn.transmit(c), ride, nowMs)).outcome;
  } finally {
    await conn.close();
    s.drv.removeCard(CARD); // the rider walks on (no-op if the card already left)
  }
}

/** APDUs (raw, incl. GET RESPONSE) that one clean tap sends to the card and to the PSAM. */
async function countApdus(ride: RideContext, cardName: string) {
  const s = await station();
  const before = s.drv.exchanges(SAM).length;
  await tapOnce(s, loadTransitCard(cardName), ride, NOW);
  return { card: s.drv.exchanges(CARD).length, sam: s.drv.exchanges(SAM).length - before };
}

const RIDES: Array<[string, RideContext, number, string]> = [
  ['bus', { profile: 'bus-26' }, 200, 'tunion-adult'],
  ['metro entry', { profile: 'metro-l1', station: 'L1-02', direction: 'entry' }, 0, 'tunion-adult'],
  ['metro exit', { profile: 'metro-l1', station: 'L1-05', direction: 'exit' }, 300, 'tunion-metro-entered'],
  ['SM4 card, bus', { profile: 'bus-26' }, 100, 'tunion-student-sm4'],
];

describe.each(RIDES)('tearing a %s tap at every APDU', (_label, ride, fare, cardName) => {
  it('card and PSAM, before and after execution: charged once, recorded once, approved once', async () => {
    const n = await countApdus(ride, cardName);
    expect(n.card).toBeGreaterThanOrEqual(7);
    expect(n.sam).toBeGreaterThanOrEqual(3);
    const scenarios: Array<{ target: string; after: number; executes: boolean }> = [];
    for (const target of [CARD, SAM]) {
      for (let after = 0; after < (target === CARD ? n.card : n.sam); after++) {
        for (const executes of [false, true]) scenarios.push({ target, after, executes });
      }
    }
    const seen = new Set<string>();
    for (const sc of scenarios) {
      const s = await station();
      const card = loadTransitCard(cardName);
      const start = card.purse.state.balanceFen;
      const what = `${sc.target === CARD ? 'card' : 'PSAM'} APDU #${sc.after + 1} (${sc.executes ? 'executed' : 'not executed'})`;
      s.drv.setFault(sc.target, { kind: 'vanish', after: sc.after, executes: sc.executes });
      const outcomes = [await tapOnce(s, card, ride, NOW)];
      s.drv.setFault(sc.target, undefined);
      if (!s.drv.cardIn(SAM)) await s.restoreSam();
      // the rider taps again (a few seconds later) until let through
      for (let i = 1; i < 3 && outcomes[outcomes.length - 1]!.decision.outcome !== 'approved'; i++) {
        outcomes.push(await tapOnce(s, card, ride, NOW + i * 5000));
      }
      for (const o of outcomes) seen.add(o.decision.reason);
      const approvals = outcomes.filter((o) => o.decision.outcome === 'approved');
      expect(approvals, `${what}: ${outcomes.map((o) => o.decision.reason).join(' → ')}`).toHaveLength(1);
      expect(start - card.purse.state.balanceFen, `${what}: card balance`).toBe(fare);
      expect(s.rig.journal.chargedFen(), `${what}: journal`).toBe(fare);
      expect(card.purse.state.debits, `${what}: debits`).toBe(1);
      expect(s.rig.journal.openIntents(), `${what}: open intents`).toHaveLength(0);
      const resultsPerIntent = new Map<bigint, number>();
      for (const e of s.rig.journal.entries) if (e.record.type === 'result') resultsPerIntent.set(e.record.refSeq!, (resultsPerIntent.get(e.record.refSeq!) ?? 0) + 1);
      expect([...resultsPerIntent.values()].every((v) => v === 1), `${what}: one result per intent`).toBe(true);
    }
    // the sweep really went through each path
    for (const r of ['card-error', 'sam-failed', 'torn', 'torn-recovered', 'ok']) expect(seen, r).toContain(r);
  });
});

describe('torn debits: how they are resolved', () => {
  const bus: RideContext = { profile: 'bus-26' };
  /** Tear the DEBIT (the 8th card APDU of a bus tap on tunion-adult), executed or not. */
  async function tornAtDebit(executes: boolean) {
    const s = await station();
    const card = loadTransitCard('tunion-adult');
    const n = await countApdus(bus, 'tunion-adult');
    s.drv.setFault(CARD, { kind: 'vanish', after: n.card - 1, executes });
    const first = await tapOnce(s, card, bus, NOW);
    return { s, card, first };
  }

  it('a torn tap is "cannot decide: tap the same card again", with the intent and a torn marker in the journal', async () => {
    const { s, first } = await tornAtDebit(true);
    expect(first).toMatchObject({ debit: 'unknown', decision: { outcome: 'cannot-decide', reason: 'torn' } });
    expect(first.decision.message).toContain('tap the same card again');
    expect(s.rig.journal.entries.map((e) => e.record.type)).toEqual(['intent', 'unconfirmed']);
    expect(s.rig.journal.ledger.pending()).toHaveLength(1);
    expect(s.rig.journal.ledger.pending()[0]!.torn).toBe(true);
  });

  it('debited → GET TRANSACTION PROVE, MAC2 checked by the same PSAM session, TAC recorded, no new charge', async () => {
    const { s, card, first } = await tornAtDebit(true);
    const second = await tapOnce(s, card, bus, NOW + 3000);
    expect(second).toMatchObject({ debit: 'none', decision: { outcome: 'approved', reason: 'torn-recovered' }, recovered: { status: 'recovered', mac2: 'valid', amountFen: 200, epSeq: 17 } });
    expect(second.recovered!.tac).toMatch(/^[0-9A-F]{8}$/);
    expect(s.rig.journal.byKind('transit.recovered')[0]!.record.payload).toMatchObject({ evidence: 'prove', mac2Check: 'valid' });
    expect(first.clearing).toBeUndefined();
  });

  it('not debited → balance unchanged, no prove → the intent is voided and the tap charges normally', async () => {
    const { s, card } = await tornAtDebit(false);
    const second = await tapOnce(s, card, bus, NOW + 3000);
    expect(second).toMatchObject({ debit: 'done', decision: { outcome: 'approved', reason: 'ok' } });
    expect(s.rig.journal.byKind('transit.void')[0]!.record).toMatchObject({ reason: 'debit-not-applied', outcome: 'declined' });
    expect(card.purse.state.balanceFen).toBe(4800);
  });

  it('another card tapped in between (PSAM session gone): recovered, MAC2 "no-session", approved per policy', async () => {
    const { s, card } = await tornAtDebit(true);
    await tapOnce(s, loadTransitCard('tunion-elderly-70'), bus, NOW + 1000);
    const second = await tapOnce(s, card, bus, NOW + 4000);
    expect(second).toMatchObject({ decision: { outcome: 'approved', reason: 'torn-recovered' }, recovered: { mac2: 'no-session' } });
    expect(card.purse.state.balanceFen).toBe(4800);
  });

  it('a forged prove (MAC2 wrong while the PSAM still holds the session) is recorded and declined', async () => {
    const s = await station();
    const n = await countApdus(bus, 'tunion-adult');
    const fixture = JSON.parse(readFileSync(fixturesDir('transit', 'cards', 'tunion-adult.json'), 'utf8'));
    fixture.sections.transit.faults = ['bad-prove-mac2'];
    const forged = buildTransitCard(fixture);
    s.drv.setFault(CARD, { kind: 'vanish', after: n.card - 1, executes: true });
    expect((await tapOnce(s, forged, bus, NOW)).decision.reason).toBe('torn');
    const back = await tapOnce(s, forged, bus, NOW + 2000);
    expect(back).toMatchObject({ decision: { outcome: 'declined', reason: 'mac2-invalid' }, recovered: { mac2: 'invalid' } });
    expect(s.rig.journal.byKind('transit.recovered')[0]!.record.payload).toMatchObject({ mac2Check: 'invalid', evidence: 'prove' });
  });

  it('two torn cards in a row: each recovered once; only the last one’s MAC2 can still be checked by the PSAM', async () => {
    const s = await station();
    const n = await countApdus(bus, 'tunion-adult');
    const a = loadTransitCard('tunion-adult');
    const b = loadTransitCard('tunion-elderly-70');
    s.drv.setFault(CARD, { kind: 'vanish', after: n.card - 1, executes: true });
    expect((await tapOnce(s, a, bus, NOW)).decision.reason).toBe('torn');
    s.drv.setFault(CARD, { kind: 'vanish', after: n.card - 1, executes: true });
    expect((await tapOnce(s, b, bus, NOW + 1000)).decision.reason).toBe('torn');
    // A's session was replaced by B's MAC1: its MAC2 is not sent to the PSAM (it would look invalid)
    const ra = await tapOnce(s, a, bus, NOW + 2000);
    expect(ra).toMatchObject({ decision: { outcome: 'approved', reason: 'torn-recovered' }, recovered: { mac2: 'no-session' } });
    const rb = await tapOnce(s, b, bus, NOW + 3000);
    expect(rb).toMatchObject({ decision: { outcome: 'approved', reason: 'torn-recovered' }, recovered: { mac2: 'valid' } });
    expect([a.purse.state.debits, b.purse.state.debits]).toEqual([1, 1]);
    expect(s.rig.journal.openIntents()).toHaveLength(0);
  });

  it('the card paid elsewhere before coming back: the prove is gone, its log shows our debit → recovered by record', async () => {
    const { s, card } = await tornAtDebit(true);
    // the rider walks to another bus (another PSAM, terminal 000000002202) and pays there
    const other = await station({ psamFixture: { ...loadPsamFixture(), label: 'psam-other', terminalId: '000000002202' } });
    const there = await tapOnce(other, card, bus, NOW + 10_000);
    expect(there.decision.reason).toBe('ok');
    const back = await tapOnce(s, card, bus, NOW + 20_000);
    expect(back).toMatchObject({ decision: { reason: 'torn-recovered' }, recovered: { mac2: 'not-checked' } });
    expect(s.rig.journal.byKind('transit.recovered')[0]!.record.payload).toMatchObject({ evidence: 'record' });
    expect(card.purse.state.balanceFen).toBe(5000 - 200 - 200);
  });

  it('the card never comes back: after the window the sweep marks the debit unconfirmed for the backend', async () => {
    const { s, card } = await tornAtDebit(true);
    const window = s.rig.config.tornWindowSeconds * 1000;
    expect(s.rig.journal.ledger.sweep(NOW + window - 1, window)).toHaveLength(0);
    const marks = s.rig.journal.ledger.sweep(NOW + window + 1, window);
    expect(marks).toHaveLength(1);
    expect(marks[0]).toMatchObject({ type: 'result', outcome: 'unconfirmed', reason: 'card-not-back', payload: { amountAtStakeFen: 200 } });
    for (const m of marks) s.rig.journal.persist('result', m);
    expect(s.rig.journal.openIntents()).toHaveLength(0);
    // coming back much later is a new ride (the backend settles the first from the issuer's records)
    const late = await tapOnce(s, card, bus, NOW + window + 60_000);
    expect(late.decision.reason).toBe('ok');
  });

  it('a restart between the torn tap and the next: the ledger is rebuilt from open intents', async () => {
    const { s, card } = await tornAtDebit(true);
    const { TornLedger } = await import('./torn');
    const fresh = new TornLedger();
    const seeded = fresh.seed(
      s.rig.journal.openIntents().map((e) => ({ seq: e.seq, type: e.record.type!, txn: e.record.txn ?? null, tokens: e.record.tokens as Record<string, string>, payload: e.record.payload })),
    );
    expect(seeded).toBe(1);
    expect(fresh.lookup((s.rig.journal.entries[0]!.record.tokens as { card: string }).card)).toMatchObject({ amountFen: 200, epSeq: 17 });
    const conn = (s.drv.insertCard(CARD, card.card), await s.drv.connect(CARD));
    const run = await s.rig.tap((c) => conn.transmit(c), bus, NOW + 5000, {}, { torn: fresh });
    expect(run.outcome.decision.reason).toBe('torn-recovered');
  });
});

/** The PSAM fixture as JSON, to derive a second terminal's PSAM from it. */
const loadPsamFixture = (): Record<string, unknown> => JSON.parse(readFileSync(fixturesDir('transit', 'psam', 'psam-test-1.json'), 'utf8'));
