/**
 * The bus validator and the metro gates through `Terminal` on the real PC/SC stack: our own pcscd
 * (drivers/pcsc/harness), ONE vsmartcard vpcd instance with two slots — the card in slot 00 00, the
 * transport PSAM in slot 00 01 (transit.samReader) — and the PC/SC driver on the smartcard addon. The
 * terminal takes the PSAM slot as its PSAM, never as a tap. No skipping: a missing pcscd, vpcd, gcc or
 * addon fails this file with the command that installs it.
 *
 * pcscd polls vpcd's card presence ≈ every 0.4 s: insertions and removals are awaited as driver events
 * with deadlines, never slept for. The terminals' clock is injected (a fixed CST moment, running).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder } from '../../../drivers/pcsc/harness/event-recorder';
import { PcscdHarness } from '../../../drivers/pcsc/harness/pcscd-harness';
import { PcscReaderDriver } from '../../../drivers/pcsc/pcsc-driver';
import { VpcdBridge } from '../../../drivers/pcsc/vpcd-bridge';
import { loadPsam, loadTransitCard } from '../../emulator/transit/fixtures';
import type { EmulatedCard } from '../../emulator/types';
import { createLogger } from '../../log/logger';
import type { TerminalConfig } from '../config';
import { startLocalWorld, type LocalWorld } from '../demo/world';
import type { DecisionEvent } from '../events';
import { Terminal } from '../terminal';
import { profileConfigSchema } from './config';
import { TestClock, cst } from './transit/testing';

let h: PcscdHarness;
let CARD: string;
let SAM: string;
let cardBridge: VpcdBridge;
let samBridge: VpcdBridge;
let world: LocalWorld;
let dir: string;
const clock = new TestClock(cst('2026-11-25T08:00'));

beforeAll(async () => {
  h = await PcscdHarness.start({ vpcdInstances: 1 });
  h.useInThisProcess();
  [CARD, SAM] = [h.slots[0]!.reader, h.slots[1]!.reader];
  cardBridge = new VpcdBridge({ port: h.slots[0]!.port });
  samBridge = new VpcdBridge({ port: h.slots[1]!.port });
  await samBridge.insert(loadPsam('psam-test-1').card);
  dir = mkdtempSync(join(tmpdir(), 'ykt-transit-stack-'));
  world = await startLocalWorld({ dir, profile: { kind: 'bus', fareProfile: 'bus-26' }, clock, config: { display: { enabled: false }, transit: { samReader: SAM } } });
}, 60_000);

afterAll(async () => {
  await world?.close();
  await cardBridge?.close();
  await samBridge?.close();
  await h?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A Terminal with this profile on a fresh PC/SC driver; `fn` taps cards; the terminal stops after. */
async function withTerminal(profile: Record<string, unknown>, fn: (tap: (card: EmulatedCard, before?: () => void) => Promise<DecisionEvent>, t: Terminal) => Promise<void>): Promise<void> {
  const config: TerminalConfig = { ...world.config, profile: profileConfigSchema.parse(profile) };
  const driver = new PcscReaderDriver({
    config: { apduTimeoutMs: 2000, closeGraceMs: 300, interfaces: [{ match: CARD, interface: 'contactless' }], watch: { waitTimeoutMs: 1000, backoffInitialMs: 50, backoffMaxMs: 400 } },
  });
  const events = new EventRecorder(driver);
  const logs: string[] = [];
  const t = await Terminal.start({ config, driver, scanners: [], downloads: false, sync: false, clock, log: createLogger({ component: 'ykt', level: 'info', sink: (l) => logs.push(l) }) });
  await t.pollDownloads();
  const tap = async (card: EmulatedCard, before?: () => void): Promise<DecisionEvent> => {
    const decided = new Promise<DecisionEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no decision within 10 s; log:\n${logs.join('\n')}`)), 10_000);
      const off = t.onDecision((ev) => {
        clearTimeout(timer);
        off();
        resolve(ev);
      });
    });
    events.mark();
    await cardBridge.insert(card);
    before?.();
    try {
      return await decided;
    } finally {
      await cardBridge.remove();
      await events.cardRemoved(CARD);
    }
  };
  try {
    await fn(tap, t);
    // the PSAM's slot was never taken for a tap: every decision came from the card slot
    expect(logs.filter((l) => l.includes('"message":"decision"')).every((l) => l.includes(`"device":"${CARD}"`))).toBe(true);
  } finally {
    events.unsubscribe();
    await t.stop();
  }
}

describe('transit profiles over pcscd + vpcd (card in slot 00 00, PSAM in slot 00 01)', () => {
  it('bus validator: one tap charges the flat fare through the PSAM in the second slot', async () => {
    await withTerminal({ kind: 'bus', fareProfile: 'bus-26' }, async (tap, t) => {
      const card = loadTransitCard('tunion-adult');
      const ev = await tap(card.card);
      expect(ev).toMatchObject({ profile: 'bus', device: CARD, outcome: 'approved', reason: 'ok', amountFen: 200, balanceFen: 4800 });
      expect(card.purse.state).toMatchObject({ balanceFen: 4800, debits: 1 });
      expect(t.services.journal.get(BigInt(ev.seq))).toMatchObject({ type: 'result', outcome: 'approved', amountFen: 200 });
      // a 70+ rider: free, the full fare shown
      expect(await tap(loadTransitCard('tunion-elderly-70').card)).toMatchObject({ outcome: 'approved', amountFen: 0, fullAmountFen: 200, concession: 'elderly-70' });
    });
  });

  it('bus validator: a debit torn on the real stack is recovered on the next tap, charged once', async () => {
    await withTerminal({ kind: 'bus', fareProfile: 'bus-26' }, async (tap, t) => {
      const card = loadTransitCard('tunion-adult');
      // card APDUs before DEBIT: SELECT SSSE, SELECT EP, READ 0017, GET BALANCE, 2× READ 001E, INIT, UPDATE CAPP
      const torn = await tap(card.card, () => cardBridge.killOnApdu({ after: 8, executes: true }));
      expect(torn).toMatchObject({ outcome: 'cannot-decide', reason: 'torn' });
      expect(card.purse.state).toMatchObject({ balanceFen: 4800, debits: 1 });
      const again = await tap(card.card);
      expect(again).toMatchObject({ outcome: 'approved', reason: 'torn-recovered', amountFen: 200 });
      expect(card.purse.state).toMatchObject({ balanceFen: 4800, debits: 1 });
      expect(t.services.journal.openIntents()).toHaveLength(0);
    });
  });

  it('metro gates: entry at L1-01 (no charge), exit at L1-07 charges the 14 km fare', async () => {
    const card = loadTransitCard('tunion-adult');
    await withTerminal({ kind: 'metro', fareProfile: 'metro-l1', line: 1, station: 1, direction: 'entry' }, async (tap) => {
      expect(await tap(card.card)).toMatchObject({ profile: 'metro-entry', outcome: 'approved', amountFen: 0, balanceFen: 5000 });
    });
    clock.advance(30 * 60_000);
    await withTerminal({ kind: 'metro', fareProfile: 'metro-l1', line: 1, station: 7, direction: 'exit' }, async (tap) => {
      expect(await tap(card.card)).toMatchObject({ profile: 'metro-exit', outcome: 'approved', amountFen: 500, balanceFen: 4500 });
    });
    expect(card.purse.state).toMatchObject({ balanceFen: 4500, debits: 2 });
  });
});
