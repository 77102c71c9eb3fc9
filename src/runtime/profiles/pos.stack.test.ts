/**
 * The cashier profiles over the real PC/SC stack: our own pcscd (drivers/pcsc/harness) with ONE vpcd
 * instance — slot 00 00 used as the contact reader, 00 01 as the contactless one — the emulated third-
 * generation card (SSSE + UnionPay EC on one chip) plugged in through the vpcd bridge, and `Terminal`
 * with the PC/SC driver on the smartcard addon. The amount is typed through the operator API over
 * loopback. A canteen sale (subsidy + qPBOC) and a hospital registration + payment (contact PBOC).
 *
 * Real time is unavoidable here (pcscd polls card presence ≈ every 0.4 s): every wait has a deadline,
 * none is a sleep. No skipping: a missing pcscd, vpcd or addon fails the file with what to install.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcscdHarness } from '../../../drivers/pcsc/harness/pcscd-harness';
import { PcscReaderDriver } from '../../../drivers/pcsc/pcsc-driver';
import { VpcdBridge } from '../../../drivers/pcsc/vpcd-bridge';
import { createLogger } from '../../log/logger';
import { startLocalWorld, testSeed, type LocalWorld } from '../demo/world';
import type { DecisionEvent } from '../events';
import { Terminal } from '../terminal';
import { ecBalanceOf, holderTokenOf, operatorClient, ZHENGZHOU_AUTH_KEY, ZHENGZHOU_CARD_ID, zhengzhouCard } from './pos/testing';

let pcscd: PcscdHarness;
let CONTACT: string;
let PICC: string;
const bridges = new Map<string, VpcdBridge>();
let dir: string;

beforeAll(async () => {
  pcscd = await PcscdHarness.start({ vpcdInstances: 1, nodelay: true });
  pcscd.useInThisProcess();
  [CONTACT, PICC] = [pcscd.slots[0]!.reader, pcscd.slots[1]!.reader];
  bridges.set(CONTACT, new VpcdBridge({ port: pcscd.slots[0]!.port }));
  bridges.set(PICC, new VpcdBridge({ port: pcscd.slots[1]!.port }));
  dir = mkdtempSync(join(tmpdir(), 'ykt-pos-stack-'));
}, 120_000);

afterAll(async () => {
  for (const b of bridges.values()) await b.close();
  await pcscd?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Rig {
  world: LocalWorld;
  terminal: Terminal;
  close(): Promise<void>;
}

/** A local world and a Terminal on the PC/SC driver, with the signed downloads (CA keys, hotlist) applied. */
async function startRig(name: string, profile: Record<string, unknown>): Promise<Rig> {
  const world = await startLocalWorld({ dir: join(dir, name), profile, config: { display: { enabled: false } } });
  const driver = new PcscReaderDriver({ config: { apduTimeoutMs: 3000, interfaces: [{ match: PICC, interface: 'contactless' }, { match: CONTACT, interface: 'contact' }], watch: { waitTimeoutMs: 1000, backoffInitialMs: 50, backoffMaxMs: 400 } } });
  const log = createLogger({ component: 'ykt', level: 'warn', sink: () => {} });
  const terminal = await Terminal.start({ config: world.config, driver, scanners: [], log, downloads: false });
  await world.enrolTerminal(terminal.services.keystore.publicKey);
  await terminal.pollDownloads();
  return {
    world,
    terminal,
    async close() {
      await terminal.stop();
      await world.close();
    },
  };
}

/** Put the card on the reader, wait (with a deadline) for the decision, take the card away. */
async function tap(t: Terminal, reader: string, card: Parameters<VpcdBridge['insert']>[0]): Promise<{ ev: DecisionEvent; ms: number }> {
  const bridge = bridges.get(reader)!;
  const decided = new Promise<DecisionEvent>((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`no decision within 15 s after inserting the card in "${reader}"`))), 15_000);
    const off = t.onDecision((ev) => {
      if (ev.device !== reader) return;
      clearTimeout(timer);
      off();
      resolve(ev);
    });
  });
  const t0 = performance.now();
  await bridge.insert(card);
  try {
    const ev = await decided;
    return { ev, ms: performance.now() - t0 };
  } finally {
    await bridge.remove();
  }
}

describe('cashier profiles over pcscd + vpcd', () => {
  it('canteen: amount typed over the operator API, subsidy first, the rest by qPBOC on the contactless slot', async () => {
    const roster = join(dir, 'roster.json');
    writeFileSync(roster, JSON.stringify({ [holderTokenOf(testSeed('holder-token-key'), ZHENGZHOU_CARD_ID)]: ['elderly-70'] }));
    const rig = await startRig('canteen', { kind: 'canteen', operatorApi: { port: 0 }, subsidy: { rosterFile: roster } });
    try {
      const op = operatorClient(rig.terminal);
      await op.amount(12_00);
      const card = zhengzhouCard();
      const { ev, ms } = await tap(rig.terminal, PICC, card);
      expect(ev).toMatchObject({ outcome: 'approved', source: 'pboc-card', amountFen: 4_00, fullAmountFen: 12_00, concession: 'elderly-70', balanceFen: 500_00 - 4_00, maskedId: '623100*******0138' });
      expect(ecBalanceOf(card)).toBe(500_00 - 4_00);
      expect(ms).toBeLessThan(5_000); // pcscd's presence poll (≈ 0.4 s) dominates
      const rec = rig.terminal.services.journal.get(BigInt(ev.seq))!;
      expect(rec).toMatchObject({ type: 'sale', amountFen: 12_00, payload: { subsidyFen: 8_00, chargedFen: 4_00, payment: { interface: 'contactless', path: 'qpboc', cryptogramType: 'TC' } } });
      expect(await op.state()).toMatchObject({ pending: null, lastSale: { seq: ev.seq } });
    } finally {
      await rig.close();
    }
  });

  it('hospital: registration + payment in one tap on the contact slot (EF06 sealed, full PBOC)', async () => {
    const rig = await startRig('hospital', { kind: 'hospital', operatorApi: { port: 0 }, ssseTestAuthKey: ZHENGZHOU_AUTH_KEY, contactReaders: [CONTACT] });
    try {
      const op = operatorClient(rig.terminal);
      await op.amount(25_00, true);
      const card = zhengzhouCard();
      const { ev } = await tap(rig.terminal, CONTACT, card);
      expect(ev).toMatchObject({ outcome: 'approved', reason: 'registered', amountFen: 25_00, maskedId: '张** 4101************10' });
      expect(ecBalanceOf(card)).toBe(500_00 - 25_00);
      const j = rig.terminal.services.journal;
      const rec = j.get(BigInt(ev.seq))!;
      expect(rec).toMatchObject({ type: 'sale', hasSealed: true, payload: { register: true, payment: { interface: 'contact', path: 'pboc' } } });
      expect(j.unsealPersonal(rec)).toMatchObject({ name: '张测试', idNumber: '410102195003070010' });
      // the amount was used: the same card again is not charged
      const again = await tap(rig.terminal, CONTACT, card);
      expect(again.ev).toMatchObject({ outcome: 'declined', reason: 'no-amount' });
      expect(ecBalanceOf(card)).toBe(500_00 - 25_00);
    } finally {
      await rig.close();
    }
  });
});
