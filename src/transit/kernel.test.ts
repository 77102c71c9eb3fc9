/**
 * The transit tap kernel on emulated cards and an emulated PSAM, in-process: every flow and every
 * faulty card variant, the journal records it writes, and the TAC checked as the backend would.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../core/paths';
import { buildTransitCard } from '../emulator/transit/transit-card';
import { toHex } from '../../apdu/hex';
import { verifyTestTac } from '../emulator/transit/backend-check';
import { loadFares, loadPsam, loadTransitCard } from '../emulator/transit/fixtures';
import { MemoryJournal } from '../emulator/transit/memory-journal';
import { TransitRig, directTransmit } from '../emulator/transit/rig';
import { parseTransitConfig } from './config';
import { decodeCompoundRecord, decodeTravelRecord, TRIP_STATE } from './records';

const fares = loadFares('demo-city');
/** Sunday 2026-11-22 16:00 CST. */
const NOW = Date.UTC(2026, 10, 22, 8, 0, 0);

async function setup(opts: { config?: Parameters<typeof parseTransitConfig>[0]; psam?: string; journal?: MemoryJournal } = {}) {
  const psam = loadPsam(opts.psam ?? 'psam-test-1');
  const rig = new TransitRig({ fares, samTransmit: directTransmit(psam.card), config: opts.config ? parseTransitConfig(opts.config) : undefined, journal: opts.journal });
  await rig.identify();
  return { rig, psam };
}

function card(name: string) {
  const c = loadTransitCard(name);
  return { ...c, transmit: directTransmit(c.card) };
}

describe('bus tap', () => {
  it('charges the flat fare once; intent before DEBIT, result after; the TAC verifies at the backend', async () => {
    const { rig, psam } = await setup();
    const c = card('tunion-adult');
    const order: string[] = [];
    const run = await rig.tap(c.transmit, { profile: 'bus-26' }, NOW, {
      onExchange: (t, e) => order.push(`${t}:${toHex(e.command.subarray(0, 2))}`),
      persist: (name, rec) => {
        order.push(`persist:${name}`);
        return rig.journal.persist(name, rec);
      },
    });
    const o = run.outcome;
    expect(o.decision).toEqual({ outcome: 'approved', reason: 'ok', message: 'paid: fare 2.00, balance 48.00' });
    expect(o.debit).toBe('done');
    expect(c.purse.state).toMatchObject({ balanceFen: 4800, epSeq: 18, debits: 1 });
    expect(order.indexOf('persist:intent')).toBe(order.indexOf('card:8054') - 1);
    expect(order.slice(order.indexOf('card:8054'))).toEqual(['card:8054', 'sam:8072', 'persist:result']);

    const clearing = o.clearing!;
    expect(clearing).toMatchObject({ status: 'completed', amountFen: 200, balanceBeforeFen: 5000, balanceAfterFen: 4800, epSeq: 17, terminalId: '000000001101', terminalSeq: 1000, transType: 9, mac2: 'valid', algorithm: '3des' });
    expect(verifyTestTac({ ...clearing, issuerId: '4910000100000001', serial: '31049100000000001001', tac: clearing.tac! })).toBe(true);
    expect(verifyTestTac({ ...clearing, issuerId: '4910000100000001', serial: '31049100000000001001', amountFen: 201, tac: clearing.tac! })).toBe(false);
    expect(psam.app.terminalSeq).toBe(1001);

    // journal: one intent, one result, no serial in clear anywhere
    expect(rig.journal.entries.map((e) => `${e.name}:${e.record.payload?.kind}`)).toEqual(['intent:transit.intent', 'result:transit.result']);
    expect(rig.journal.openIntents()).toHaveLength(0);
    expect(rig.journal.chargedFen()).toBe(200);
    expect(JSON.stringify(rig.journal.entries, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('31049100000000001001');

    // the travel record written through UPDATE CAPP DATA CACHE
    const travel = decodeTravelRecord((c.card.mf.children[0] as { children: { sfi?: number; records?: Uint8Array[] }[] }).children.find((x) => x.sfi === 0x1e)!.records![0]!)!;
    expect(travel).toMatchObject({ type: 0x06, industry: 'bus', line: 26, amountFen: 200, balanceAfterFen: 4800, terminal: '0000000000001101', dateTime: '20261122160000' });
  });

  it('works on a T=0 card (61xx / GET RESPONSE handled by the runner)', async () => {
    const { rig } = await setup();
    const c = card('tunion-adult-t0');
    const run = await rig.tap(c.transmit, { profile: 'bus-26' }, NOW);
    expect(run.outcome.decision.outcome).toBe('approved');
    expect(c.purse.state.balanceFen).toBe(4800);
  });

  it('SM4 card (algorithm id 04 → sm4 per config): student half price, TAC verifies with SM4', async () => {
    const { rig } = await setup();
    const c = card('tunion-student-sm4');
    const o = (await rig.tap(c.transmit, { profile: 'bus-26' }, NOW)).outcome;
    expect(o.decision.reason).toBe('ok');
    expect(o.fare).toMatchObject({ fareFen: 100, concession: 'student-half' });
    expect(o.clearing!.algorithm).toBe('sm4');
    expect(verifyTestTac({ ...o.clearing!, issuerId: '4910000100000001', serial: '31049100000000001003', tac: o.clearing!.tac! })).toBe(true);
  });

  it('an algorithm id the config does not map is declined before any MAC is computed', async () => {
    const { rig, psam } = await setup({ config: { algorithmIds: { '00': '3des' } } });
    const c = card('tunion-student-sm4');
    const o = (await rig.tap(c.transmit, { profile: 'bus-26' }, NOW)).outcome;
    expect(o.decision).toMatchObject({ outcome: 'declined', reason: 'algorithm-unsupported' });
    expect(psam.app.mac1Count).toBe(0);
    expect(c.purse.state.debits).toBe(0);
  });

  it('70+ rides free: a 0.00 debit still writes the ride (subsidy counting) and gets a TAC', async () => {
    const { rig } = await setup();
    const c = card('tunion-elderly-70');
    const o = (await rig.tap(c.transmit, { profile: 'bus-26' }, NOW)).outcome;
    expect(o.decision).toMatchObject({ outcome: 'approved', message: 'paid: no charge, balance 10.00' });
    expect(o.credential!.categories).toEqual(['elderly-70']);
    expect(o.clearing).toMatchObject({ amountFen: 0, status: 'completed' });
    expect(c.purse.state).toMatchObject({ balanceFen: 1000, debits: 1 });
  });

  it('host entitlements add to the card category (registered concession)', async () => {
    const { rig } = await setup();
    const c = card('tunion-adult');
    const o = (await rig.tap(c.transmit, { profile: 'bus-26' }, NOW, {}, { entitlements: () => ['veteran'] })).outcome;
    expect(o.fare!.fareFen).toBe(0);
  });
});

describe('metro entry and exit', () => {
  it('entry writes the trip into 001A at no charge; exit charges by distance and closes the trip', async () => {
    const { rig } = await setup();
    const c = card('tunion-adult');
    const entry = (await rig.tap(c.transmit, { profile: 'metro-l1', station: 'L1-02', direction: 'entry' }, NOW)).outcome;
    expect(entry.decision).toMatchObject({ outcome: 'approved' });
    expect(entry.clearing!.amountFen).toBe(0);
    const compound = () => decodeCompoundRecord((c.card.mf.children[0] as { children: { sfi?: number; records?: Uint8Array[] }[] }).children.find((x) => x.sfi === 0x1a)!.records![0]!);
    expect(compound()).toMatchObject({ tripState: TRIP_STATE.ENTERED, line: 1, station: 2, atMs: NOW });

    const exit = (await rig.tap(c.transmit, { profile: 'metro-l1', station: 'L1-06', direction: 'exit' }, NOW + 25 * 60_000)).outcome;
    expect(exit.fare).toMatchObject({ fareFen: 400, kind: 'exit' }); // 8.6 km
    expect(exit.decision.message).toBe('paid: fare 4.00, balance 46.00');
    expect(compound()).toMatchObject({ tripState: TRIP_STATE.EXITED, station: 6, amountFen: 400 });
    expect(c.purse.state.balanceFen).toBe(4600);
    expect(rig.journal.chargedFen()).toBe(400);
  });

  it('a card already inside (fixture) exits with the fare from its entry station', async () => {
    const { rig } = await setup();
    const c = card('tunion-metro-entered');
    const o = (await rig.tap(c.transmit, { profile: 'metro-l1', station: 'L1-05', direction: 'exit' }, NOW)).outcome;
    expect(o.fare).toMatchObject({ fareFen: 300, baseFen: 300 }); // 1.5 → 7.4 km
  });

  it('exit without entry: missing-entry fare; entry over an open trip: missing-exit penalty', async () => {
    const { rig } = await setup();
    const c = card('tunion-adult');
    const o = (await rig.tap(c.transmit, { profile: 'metro-l1', station: 'L1-04', direction: 'exit' }, NOW)).outcome;
    expect(o.fare).toMatchObject({ fareFen: 700, penaltyFen: 700 });
    const inside = card('tunion-metro-entered');
    const e = (await rig.tap(inside.transmit, { profile: 'metro-l1', station: 'L1-01', direction: 'entry' }, NOW)).outcome;
    expect(e.fare).toMatchObject({ fareFen: 200, penaltyFen: 200 });
    expect(inside.purse.state.balanceFen).toBe(4800);
  });

  it('bus then metro within 90 min: the transfer discount from the card’s own travel records', async () => {
    const { rig } = await setup();
    const c = card('tunion-adult');
    await rig.tap(c.transmit, { profile: 'bus-58' }, NOW);
    await rig.tap(c.transmit, { profile: 'metro-l1', station: 'L1-01', direction: 'entry' }, NOW + 20 * 60_000);
    const o = (await rig.tap(c.transmit, { profile: 'metro-l1', station: 'L1-04', direction: 'exit' }, NOW + 40 * 60_000)).outcome;
    expect(o.fare).toMatchObject({ baseFen: 300, fareFen: 200, transfer: 'transfer-90' });
  });

  it('daily cap from the travel records on the card', async () => {
    const { rig } = await setup({ config: { travelRecordsToRead: 10 } });
    const c = card('tunion-adult');
    const paid: number[] = [];
    for (let i = 0; i < 9; i++) paid.push((await rig.tap(c.transmit, { profile: 'bus-26' }, NOW - 7 * 3600_000 + i * 5 * 60_000)).outcome.fare!.fareFen);
    // 7 × 2.00 = 14.00, then 1.00 to reach 15.00, then free
    expect(paid).toEqual([200, 200, 200, 200, 200, 200, 200, 100, 0]);
  });

  it('a card without the metro compound record is refused at the gate (no-metro-record)', async () => {
    const { rig } = await setup();
    const fixture = JSON.parse(readFileSync(fixturesDir('transit', 'cards', 'tunion-adult.json'), 'utf8'));
    fixture.sections.transit.compound = [{ recordId: 1 }];
    const c = buildTransitCard(fixture);
    const o = (await rig.tap(directTransmit(c.card), { profile: 'metro-l1', station: 'L1-01', direction: 'entry' }, NOW)).outcome;
    expect(o.decision).toMatchObject({ outcome: 'declined', reason: 'no-metro-record' });
    // a bus tap does not need it
    expect((await rig.tap(directTransmit(c.card), { profile: 'bus-26' }, NOW)).outcome.decision.outcome).toBe('approved');
  });

  it('a malformed metro compound record is refused at the gate', async () => {
    const { rig } = await setup();
    const c = card('faulty-malformed-compound');
    const o = (await rig.tap(c.transmit, { profile: 'metro-l1', station: 'L1-01', direction: 'entry' }, NOW)).outcome;
    expect(o.decision).toMatchObject({ outcome: 'declined', reason: 'card-data-invalid' });
    expect(o.debit).toBe('none');
  });
});

describe('refusals: checks, faulty cards, no money moves', () => {
  const cases: Array<[string, string, string]> = [
    ['faulty-stopped', 'declined', 'app-stopped'],
    ['faulty-locked', 'declined', 'app-locked'],
    ['faulty-expired', 'declined', 'expired'],
    ['faulty-not-active', 'declined', 'app-not-active'],
    ['faulty-low-balance', 'declined', 'insufficient-funds'],
    ['faulty-malformed-0015', 'declined', 'card-data-invalid'],
    ['city-other', 'declined', 'not-accepted-here'],
  ];
  for (const [name, outcome, reason] of cases) {
    it(`${name} → ${outcome} ${reason}`, async () => {
      const { rig } = await setup();
      const c = card(name);
      const before = c.purse.state.balanceFen;
      const o = (await rig.tap(c.transmit, { profile: 'bus-26' }, NOW)).outcome;
      expect(o.decision).toMatchObject({ outcome, reason });
      expect(o.debit).toBe('none');
      expect(c.purse.state.balanceFen).toBe(before);
      expect(rig.journal.entries).toHaveLength(0);
    });
  }

  it('a city card from this city is accepted although not interoperable', async () => {
    const { rig } = await setup();
    expect((await rig.tap(card('city-local').transmit, { profile: 'bus-26' }, NOW)).outcome.decision.outcome).toBe('approved');
  });

  it('a hotlisted card is refused before any purchase command', async () => {
    const { rig } = await setup();
    rig.hotlist.add('31049100000000001001');
    const c = card('tunion-adult');
    const sent: string[] = [];
    const o = (await rig.tap(c.transmit, { profile: 'bus-26' }, NOW, { onExchange: (_t, e) => sent.push(toHex(e.command.subarray(0, 2))) })).outcome;
    expect(o.decision.reason).toBe('hotlisted');
    expect(sent).not.toContain('8050');
  });

  it('unknown card category: standard fare by default, declined when configured so', async () => {
    const { rig } = await setup({ config: { categoryMap: { '00': ['standard'] } } });
    expect((await rig.tap(card('tunion-adult').transmit, { profile: 'bus-26' }, NOW)).outcome.fare!.fareFen).toBe(200);
    const { rig: strict } = await setup({ config: { categoryMap: { '00': ['standard'] }, unknownCategory: 'decline' } });
    expect((await strict.tap(card('tunion-adult').transmit, { profile: 'bus-26' }, NOW)).outcome.decision.reason).toBe('category-unknown');
  });

  it('wrong keys: the card rejects MAC1 (9302): nothing debited, the intent is closed as void', async () => {
    const { rig } = await setup();
    const c = card('faulty-wrong-keys');
    const o = (await rig.tap(c.transmit, { profile: 'bus-26' }, NOW)).outcome;
    expect(o).toMatchObject({ debit: 'refused', decision: { outcome: 'declined', reason: 'mac1-rejected' } });
    expect(c.purse.state).toMatchObject({ balanceFen: 5000, debits: 0, macFailures: 1 });
    expect(rig.journal.byKind('transit.void')).toHaveLength(1);
    expect(rig.journal.openIntents()).toHaveLength(0);
    expect(rig.journal.chargedFen()).toBe(0);
  });

  it('bad MAC2 (forged-card model): the debit is recorded for clearing, the rider declined', async () => {
    const { rig } = await setup();
    const c = card('faulty-bad-mac2');
    const o = (await rig.tap(c.transmit, { profile: 'bus-26' }, NOW)).outcome;
    expect(o).toMatchObject({ debit: 'done', decision: { outcome: 'declined', reason: 'mac2-invalid' }, clearing: { status: 'mac2-invalid', mac2: 'invalid' } });
    expect(rig.journal.byKind('transit.result')[0]!.record.payload).toMatchObject({ status: 'mac2-invalid' });
  });

  it('malformed travel records lose history only: the tap is approved', async () => {
    const { rig } = await setup();
    const o = (await rig.tap(card('faulty-malformed-travel').transmit, { profile: 'bus-26' }, NOW)).outcome;
    expect(o.decision.outcome).toBe('approved');
  });

  it('an expired PSAM stops charging (cannot decide, out of service)', async () => {
    const { rig } = await setup({ psam: 'psam-expired' });
    const o = (await rig.tap(card('tunion-adult').transmit, { profile: 'bus-26' }, NOW)).outcome;
    expect(o.decision).toMatchObject({ outcome: 'cannot-decide', reason: 'sam-expired' });
  });

  it('an unknown fare profile is refused with the fare engine’s reason', async () => {
    const { rig } = await setup();
    const o = (await rig.tap(card('tunion-adult').transmit, { profile: 'bus-999' }, NOW)).outcome;
    expect(o.decision).toMatchObject({ outcome: 'declined', reason: 'fare-refused' });
    expect(o.decision.message).toContain('bus-999');
  });

  it('the journal failing before DEBIT: no DEBIT is sent, nothing charged', async () => {
    const journal = new MemoryJournal();
    journal.failWhen = (name) => name === 'intent';
    const { rig } = await setup({ journal });
    const c = card('tunion-adult');
    const sent: string[] = [];
    const o = (await rig.tap(c.transmit, { profile: 'bus-26' }, NOW, { onExchange: (_t, e) => sent.push(toHex(e.command.subarray(0, 2))) })).outcome;
    expect(o.decision).toMatchObject({ outcome: 'cannot-decide', reason: 'journal-failed' });
    expect(sent).not.toContain('8054');
    expect(c.purse.state.balanceFen).toBe(5000);
  });

  it('the PSAM failing at MAC2: debited, recorded as mac2-unverified, approved by default policy, declined if configured', async () => {
    for (const policy of ['decline', 'approve'] as const) {
      const psam = loadPsam('psam-test-1');
      let n = 0;
      const samTransmit = async (cmd: Uint8Array) => {
        if (cmd[1] === 0x72 && n++ === 0) throw new Error('PSAM gone');
        return directTransmit(psam.card)(cmd);
      };
      const rig = new TransitRig({ fares, samTransmit, config: parseTransitConfig({ mac2UnverifiedPolicy: policy }) });
      await rig.identify();
      const c = card('tunion-adult');
      const o = (await rig.tap(c.transmit, { profile: 'bus-26' }, NOW)).outcome;
      expect(o.clearing).toMatchObject({ status: 'mac2-unverified', mac2: 'not-checked' });
      expect(o.decision.outcome).toBe(policy === 'decline' ? 'declined' : 'approved');
      expect(rig.journal.chargedFen()).toBe(200);
    }
  });
});
