/**
 * The transit tap over the real PC/SC stack: our own pcscd (drivers/pcsc/harness), vsmartcard's vpcd
 * with two slots — the transport card in slot 00 00, the PSAM in slot 00 01 — emulated card and PSAM
 * plugged in through the vpcd bridge, the PC/SC driver on the smartcard addon. No skipping: a missing
 * pcscd, vpcd, gcc or addon fails this file with the command that installs it.
 *
 * Real time is unavoidable: pcscd polls vpcd's card presence ≈ every 0.4 s, so insertions and removals
 * are awaited as driver events with deadlines, never slept for. The tap's own clock is injected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../apdu/hex';
import type { Transmit } from '../../apdu/transceive';
import { EventRecorder } from '../../drivers/pcsc/harness/event-recorder';
import { PcscdHarness } from '../../drivers/pcsc/harness/pcscd-harness';
import { PcscReaderDriver } from '../../drivers/pcsc/pcsc-driver';
import { VpcdBridge } from '../../drivers/pcsc/vpcd-bridge';
import { verifyTestTac } from '../emulator/transit/backend-check';
import { loadFares, loadPsam, loadTransitCard } from '../emulator/transit/fixtures';
import { TransitRig } from '../emulator/transit/rig';
import type { CardConnection } from '../reader/types';
import type { RideContext } from './kernel';

const NOW = Date.UTC(2026, 10, 22, 8, 0, 0);
let h: PcscdHarness;
let driver: PcscReaderDriver;
let events: EventRecorder;
let CARD: string;
let SAM: string;
let cardBridge: VpcdBridge;
let samBridge: VpcdBridge;
let samConn: CardConnection;
let rig: TransitRig;

async function insert(bridge: VpcdBridge, reader: string, card: Parameters<VpcdBridge['insert']>[0]): Promise<CardConnection> {
  events.mark();
  await bridge.insert(card);
  await events.cardInserted(reader);
  return driver.connect(reader);
}

async function remove(bridge: VpcdBridge, reader: string, conn?: CardConnection): Promise<void> {
  await conn?.close();
  events.mark();
  await bridge.remove();
  await events.cardRemoved(reader);
}

/** One tap: the card enters the field, the kernel runs, the card leaves. */
async function tap(card: ReturnType<typeof loadTransitCard>, ride: RideContext, nowMs: number, before?: () => void) {
  const conn = await insert(cardBridge, CARD, card.card);
  before?.();
  const sent: string[] = [];
  try {
    const run = await rig.tap((c) => conn.transmit(c), ride, nowMs, { onExchange: (t, e) => sent.push(`${t} ${toHex(e.command.subarray(0, 2))}`) });
    return { run, sent };
  } finally {
    await remove(cardBridge, CARD, conn);
  }
}

beforeAll(async () => {
  h = await PcscdHarness.start({ vpcdInstances: 1 });
  h.useInThisProcess();
  [CARD, SAM] = [h.slots[0]!.reader, h.slots[1]!.reader];
  cardBridge = new VpcdBridge({ port: h.slots[0]!.port });
  samBridge = new VpcdBridge({ port: h.slots[1]!.port });
  driver = new PcscReaderDriver({
    config: { apduTimeoutMs: 2000, closeGraceMs: 300, interfaces: [{ match: CARD, interface: 'contactless' }], watch: { waitTimeoutMs: 1000, backoffInitialMs: 50, backoffMaxMs: 400 } },
  });
  events = new EventRecorder(driver);
  await events.waitFor((e) => e.type === 'reader-added' && e.reader.name === SAM, 'reader-added');
  samConn = await insert(samBridge, SAM, loadPsam('psam-test-1').card);
  const samTransmit: Transmit = (c) => samConn.transmit(c);
  rig = new TransitRig({ fares: loadFares('demo-city'), samTransmit });
  await rig.identify();
});

afterAll(async () => {
  events?.unsubscribe();
  await samConn?.close();
  await driver?.close();
  await cardBridge?.close();
  await samBridge?.close();
  await h?.dispose();
});

describe('transit over pcscd + vpcd (card in slot 0, PSAM in slot 1)', () => {
  it('identifies the PSAM in the second slot', () => {
    expect(toHex(rig.samIdentity!.terminalId)).toBe('000000001101');
    expect(rig.samIdentity!.keyIndex).toBe(1);
  });

  it('bus tap: the APDU sequence on the bus, charged once, TAC verifies', async () => {
    const card = loadTransitCard('tunion-adult');
    const { run, sent } = await tap(card, { profile: 'bus-26' }, NOW);
    expect(run.outcome.decision).toMatchObject({ outcome: 'approved', message: 'paid: fare 2.00, balance 48.00' });
    // the PSAM is T=0: MAC1 comes back as 61 08 + GET RESPONSE, handled by the runner
    expect(sent).toEqual(['card 00A4', 'card 00B0', 'card 805C', 'card 00B2', 'card 00B2', 'card 8050', 'sam 8070', 'sam 00C0', 'card 80DC', 'card 8054', 'sam 8072']);
    expect(card.purse.state.balanceFen).toBe(4800);
    const c = run.outcome.clearing!;
    expect(verifyTestTac({ ...c, issuerId: '4910000100000001', serial: '31049100000000001001', tac: c.tac! })).toBe(true);
  });

  it('metro entry and exit: no charge at entry, distance fare at exit', async () => {
    const card = loadTransitCard('tunion-adult');
    const entry = await tap(card, { profile: 'metro-l1', station: 'L1-01', direction: 'entry' }, NOW);
    expect(entry.run.outcome.decision.outcome).toBe('approved');
    expect(entry.run.outcome.clearing!.amountFen).toBe(0);
    const exit = await tap(card, { profile: 'metro-l1', station: 'L1-07', direction: 'exit' }, NOW + 30 * 60_000);
    expect(exit.run.outcome.fare).toMatchObject({ fareFen: 500, kind: 'exit' }); // 14 km
    expect(card.purse.state.balanceFen).toBe(4500);
  });

  it('torn debit (card pulled while DEBIT executes) then recovered on the next tap: charged once', async () => {
    const card = loadTransitCard('tunion-adult');
    const first = await tap(card, { profile: 'bus-26' }, NOW, () => cardBridge.killOnApdu({ after: 7, executes: true }));
    // the 8th card APDU (DEBIT) got no answer: the last answered one is UPDATE CAPP DATA CACHE
    expect(first.sent[first.sent.length - 1]).toBe('card 80DC');
    expect(first.run.outcome).toMatchObject({ debit: 'unknown', decision: { outcome: 'cannot-decide', reason: 'torn' } });
    expect(card.purse.state.balanceFen).toBe(4800); // the card did debit
    const second = await tap(card, { profile: 'bus-26' }, NOW + 4000);
    expect(second.run.outcome).toMatchObject({ debit: 'none', decision: { outcome: 'approved', reason: 'torn-recovered' }, recovered: { mac2: 'valid', amountFen: 200 } });
    expect(second.sent).toContain('card 805A');
    expect(card.purse.state).toMatchObject({ balanceFen: 4800, debits: 1 });
    const recovered = rig.journal.byKind('transit.recovered');
    expect(recovered[recovered.length - 1]!.record.payload).toMatchObject({ evidence: 'prove', mac2Check: 'valid' });
  });

  it('ykt ride --reader … --sam-reader …: one tap through the CLI on the PC/SC readers', async () => {
    const { main } = await import('../cli/ykt');
    const card = loadTransitCard('tunion-student-sm4');
    events.mark();
    await cardBridge.insert(card.card);
    await events.cardInserted(CARD);
    const out: string[] = [];
    const err: string[] = [];
    try {
      const code = await main(['ride', '--fare-profile', 'bus-26', '--reader', CARD, '--sam-reader', SAM, '--at', '2026-11-22T16:00:00+08:00', '--json'], { out: (l) => out.push(l), err: (l) => err.push(l) });
      expect(code, err.join('\n')).toBe(0);
    } finally {
      await remove(cardBridge, CARD);
    }
    const j = JSON.parse(out.join('\n'));
    expect(j.source).toBe(`card in "${CARD}", PSAM in "${SAM}"`);
    expect(j.decision).toMatchObject({ outcome: 'approved', reason: 'ok' });
    expect(j.clearing).toMatchObject({ amountFen: 100, algorithm: 'sm4' });
    expect(card.purse.state.balanceFen).toBe(4900);
  });

  it('torn before the card executed DEBIT: voided on the next tap, which charges normally', async () => {
    const card = loadTransitCard('city-local');
    const first = await tap(card, { profile: 'bus-26' }, NOW, () => cardBridge.killOnApdu({ after: 7, executes: false }));
    expect(first.run.outcome.decision.reason, JSON.stringify({ d: first.run.outcome.decision, sent: first.sent })).toBe('torn');
    expect(card.purse.state.balanceFen).toBe(5000);
    const second = await tap(card, { profile: 'bus-26' }, NOW + 4000);
    expect(second.run.outcome.decision).toMatchObject({ outcome: 'approved', reason: 'ok' });
    expect(card.purse.state).toMatchObject({ balanceFen: 4800, debits: 1 });
    expect(rig.journal.byKind('transit.void').at(-1)!.record.reason).toBe('debit-not-applied');
    expect(rig.journal.openIntents()).toHaveLength(0);
  });
});
