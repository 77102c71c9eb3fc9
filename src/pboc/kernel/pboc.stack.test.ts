/**
 * The PBOC kernel over the real PC/SC stack: our own pcscd (drivers/pcsc/harness), vsmartcard's vpcd
 * with two slots — a contact reader (00 00) and one configured as contactless (00 01) — emulated
 * UnionPay cards plugged in through the vpcd bridge, the PC/SC driver on the smartcard addon. No
 * skipping: a missing pcscd, vpcd, gcc or addon fails this file with the command that installs it.
 *
 * Real time is unavoidable here (pcscd polls card presence ≈ every 0.4 s): insertions and removals
 * are awaited as driver events with deadlines, never slept for. The payment's own clock is injected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder } from '../../../drivers/pcsc/harness/event-recorder';
import { PcscdHarness } from '../../../drivers/pcsc/harness/pcscd-harness';
import { PcscReaderDriver } from '../../../drivers/pcsc/pcsc-driver';
import { VpcdBridge } from '../../../drivers/pcsc/vpcd-bridge';
import { pbocAppOf } from '../../emulator/pboc/card';
import type { Iso7816Card } from '../../emulator/iso7816-card';
import { runKernel } from '../../kernel/runner';
import type { CardConnection } from '../../reader/types';
import { paymentInput, pbocCard, recordingPersist } from '../testing';
import { pbocPayment } from './payment';

let h: PcscdHarness;
let driver: PcscReaderDriver;
let events: EventRecorder;
let CONTACT: string;
let PICC: string;
const bridges = new Map<string, VpcdBridge>();

beforeAll(async () => {
  h = await PcscdHarness.start({ vpcdInstances: 1, nodelay: true });
  h.useInThisProcess();
  [CONTACT, PICC] = [h.slots[0]!.reader, h.slots[1]!.reader];
  bridges.set(CONTACT, new VpcdBridge({ port: h.slots[0]!.port }));
  bridges.set(PICC, new VpcdBridge({ port: h.slots[1]!.port }));
  driver = new PcscReaderDriver({ config: { apduTimeoutMs: 3000, interfaces: [{ match: PICC, interface: 'contactless' }], watch: { waitTimeoutMs: 1000, backoffInitialMs: 50, backoffMaxMs: 400 } } });
  events = new EventRecorder(driver);
  await events.waitFor((e) => e.type === 'reader-added' && e.reader.name === PICC, 'reader-added');
}, 120_000);

afterAll(async () => {
  events?.unsubscribe();
  await driver?.close();
  for (const b of bridges.values()) await b.close();
  await h?.dispose();
});

/** The card enters the field (or the slot), one payment runs, the card leaves. */
async function pay(reader: string, card: Iso7816Card, over: Parameters<typeof paymentInput>[0]) {
  const bridge = bridges.get(reader)!;
  events.mark();
  await bridge.insert(card);
  await events.cardInserted(reader);
  const conn: CardConnection = await driver.connect(reader);
  const p = recordingPersist();
  try {
    const t0 = performance.now();
    const run = await runKernel(pbocPayment(paymentInput({ interface: reader === PICC ? 'contactless' : 'contact', ...over })), { card: (c) => conn.transmit(c), persist: p.persist });
    return { run, records: p.records, ms: performance.now() - t0 };
  } finally {
    await conn.close();
    events.mark();
    await bridge.remove();
    await events.cardRemoved(reader);
  }
}

describe('PBOC over pcscd + vpcd', () => {
  it('qPBOC, RSA fDDA: approved offline, EC balance down', async () => {
    const card = pbocCard('pboc-rsa');
    const r = await pay(PICC, card, { amountFen: 1234 });
    expect(r.run.outcome).toMatchObject({ outcome: 'approved', cryptogramType: 'TC', authorisationCode: 'Y1', oda: { method: 'fdda', algorithm: 'rsa', result: 'ok' }, ecBalanceFen: 48_766 });
    expect(r.records.map((x) => x.name)).toEqual(['intent', 'result']);
    expect(pbocAppOf(card)!.state.balanceFen).toBe(48_766);
    expect(r.ms).toBeLessThan(2000);
  });

  it('qPBOC, SM2 fDDA on a T=1 card and RSA on a T=0 card (GET RESPONSE through pcscd)', async () => {
    const sm2 = await pay(PICC, pbocCard('pboc-sm2'), { amountFen: 500 });
    expect(sm2.run.outcome).toMatchObject({ outcome: 'approved', oda: { algorithm: 'sm2', result: 'ok' } });
    const t0 = await pay(PICC, pbocCard('pboc-rsa-t0'), { amountFen: 500 });
    expect(t0.run.outcome).toMatchObject({ outcome: 'approved', oda: { algorithm: 'rsa', result: 'ok' } });
  });

  it('contact PBOC, DDA + GENERATE AC: approved; SM2 likewise', async () => {
    const rsa = await pay(CONTACT, pbocCard('pboc-rsa'), { amountFen: 2500 });
    expect(rsa.run.outcome).toMatchObject({ outcome: 'approved', path: 'pboc', oda: { method: 'dda', result: 'ok' }, clearing: { cid: '40' } });
    const sm2 = await pay(CONTACT, pbocCard('pboc-sm2'), { amountFen: 2500 });
    expect(sm2.run.outcome).toMatchObject({ outcome: 'approved', oda: { method: 'dda', algorithm: 'sm2', result: 'ok' } });
  });

  it('refusals: EC balance too low, fDDA signature mismatch, revoked issuer', async () => {
    const low = await pay(PICC, pbocCard('pboc-rsa-low-balance'), { amountFen: 400 });
    expect(low.run.outcome).toMatchObject({ outcome: 'declined', reason: 'ec-balance-low', message: 'EC balance 3.20 < amount 4.00: top up the card or pay another way' });
    const bad = await pay(PICC, pbocCard('pboc-rsa-bad-signature'), { amountFen: 400 });
    expect(bad.run.outcome).toMatchObject({ outcome: 'declined', reason: 'fdda-failed' });
    const revoked = await pay(CONTACT, pbocCard('pboc-rsa-revoked-issuer'), { amountFen: 400 });
    expect(revoked.run.outcome).toMatchObject({ outcome: 'declined', reason: 'issuer-cert-revoked' });
  });
});
