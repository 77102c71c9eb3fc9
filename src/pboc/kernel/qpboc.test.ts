/**
 * qPBOC outcomes through the in-process reader (drivers/virtual) with the emulated UnionPay cards of
 * fixtures/pboc/cards: approvals (RSA and SM2 fDDA), every refusal the issue lists, the ARQC policies,
 * CVM, limits, hotlist, and the journal contract (no approval without a durable record).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualReaderDriver } from '../../../drivers/virtual/index';
import { fromHex } from '../../../apdu/hex';
import { fixturesDir } from '../../core/paths';
import { pbocAppOf } from '../../emulator/pboc/card';
import type { Iso7816Card } from '../../emulator/iso7816-card';
import { runKernel } from '../../kernel/runner';
import { applicationCryptogram } from '../crypto/cryptogram';
import { paymentInput, pbocCard, recordingPersist, testTokeniser } from '../testing';
import type { PbocPaymentInput } from './context';
import { pbocPayment } from './payment';

const drivers: VirtualReaderDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close();
});

async function tap(card: Iso7816Card, over: Parameters<typeof paymentInput>[0] = {}) {
  const d = new VirtualReaderDriver({ readers: [{ name: 'Virtual PICC 00', interface: 'contactless' }] });
  drivers.push(d);
  d.insertCard('Virtual PICC 00', card);
  const conn = await d.connect('Virtual PICC 00');
  const p = recordingPersist();
  const run = await runKernel(pbocPayment(paymentInput(over)), { card: (c) => conn.transmit(c), persist: p.persist });
  await conn.close();
  return { ...run, records: p.records, persist: p };
}

function perso(name: string) {
  return JSON.parse(readFileSync(fixturesDir('pboc', 'cards', `${name}.json`), 'utf8')).sections.pboc as { pan: string; panSequence: string; keys: { acMasterKey: string }; algorithm: string };
}

describe('qPBOC approvals (offline, electronic cash, fDDA)', () => {
  for (const name of ['pboc-rsa', 'pboc-sm2', 'pboc-rsa-t0', 'pboc-rsa-ec-only']) {
    it(`${name}: approved Y1 with a durable record; balance down, ATC up, log fills; the TC is a real MAC`, async () => {
      const card = pbocCard(name);
      const app = pbocAppOf(card)!;
      const before = { balance: app.state.balanceFen, atc: app.state.atc, log: app.state.log.length };
      const r = await tap(card, { amountFen: 1234 });
      const o = r.outcome;
      expect(o).toMatchObject({ outcome: 'approved', reason: 'ok', cryptogramType: 'TC', authorisationCode: 'Y1', path: 'qpboc' });
      expect(o.oda).toEqual({ method: 'fdda', algorithm: name.includes('sm2') ? 'sm2' : 'rsa', result: 'ok' });
      expect(o.message).toBe(`approved offline: 12.34 CNY, EC balance ${((before.balance - 1234) / 100).toFixed(2)} CNY`);
      expect(o.ecBalanceFen).toBe(before.balance - 1234);
      expect(app.state.balanceFen).toBe(before.balance - 1234);
      expect(app.state.atc).toBe(before.atc + 1);
      expect(app.state.log.length).toBe(before.log + 1);
      // Write-ahead: intent before the GPO, result after; the approval refers to the durable result.
      expect(r.records.map((x) => x.name)).toEqual(['intent', 'result']);
      expect(r.steps.findIndex((s) => s.name === 'intent')).toBeLessThan(r.steps.findIndex((s) => s.name === 'GPO'));
      expect(o.resultSeq).toBe(2n);
      const result = r.records[1]!.record;
      expect(result).toMatchObject({ refSeq: 1n, outcome: 'approved', amountFen: 1234, offline: false });
      // No PAN in clear anywhere: token and masked form only.
      const p = perso(name);
      expect(o.panToken).toBe(testTokeniser('pan', p.pan));
      expect(o.panMasked).toBe(p.pan.slice(0, 6) + '*'.repeat(p.pan.length - 10) + p.pan.slice(-4));
      expect(JSON.stringify(r.records, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(p.pan);
      // Clearing data; the cryptogram verifies with the issuer's (TEST) master key.
      const c = o.clearing!;
      expect(c).toMatchObject({ atc: (before.atc + 1).toString(16).toUpperCase().padStart(4, '0'), cryptogramType: 'TC', amountFen: 1234, currency: 156, tvr: expect.any(String), tsi: expect.any(String), aip: '7C00' });
      const ac = applicationCryptogram(p.algorithm === 'sm2' ? 'sm4' : '3des', fromHex(p.keys.acMasterKey), p.pan, p.panSequence, {
        amount: fromHex('000000001234'),
        otherAmount: new Uint8Array(6),
        country: fromHex('0156'),
        tvr: new Uint8Array(5),
        currency: fromHex('0156'),
        date: fromHex(c.date),
        type: fromHex(c.transactionType),
        un: fromHex(c.unpredictableNumber),
        aip: fromHex(c.aip),
        atc: fromHex(c.atc),
        iad: fromHex(c.iad),
      });
      expect(c.cryptogram).toBe(Buffer.from(ac).toString('hex').toUpperCase());
    });
  }

  it('fDDA version 00 (reader without v01) also verifies', async () => {
    const r = await tap(pbocCard('pboc-rsa'), { config: { qpboc: { fddaVersion01: false } } });
    expect(r.outcome).toMatchObject({ outcome: 'approved', oda: { result: 'ok' } });
  });

  it('a second tap spends again: balance and ATC keep moving', async () => {
    const card = pbocCard('pboc-rsa');
    await tap(card, { amountFen: 100 });
    const r = await tap(card, { amountFen: 250, unpredictableNumber: Uint8Array.of(9, 9, 9, 9) });
    expect(r.outcome.ecBalanceFen).toBe(50_000 - 350);
    expect(pbocAppOf(card)!.state.log.length).toBe(2);
  });
});

describe('qPBOC refusals', () => {
  const cases: Array<[string, Parameters<typeof paymentInput>[0], Record<string, unknown>]> = [
    ['pboc-rsa-bad-signature', {}, { outcome: 'declined', reason: 'fdda-failed', oda: { result: 'failed', code: 'fdda-signature' } }],
    ['pboc-sm2-bad-signature', {}, { outcome: 'declined', reason: 'fdda-failed', message: expect.stringContaining('fDDA signature mismatch'), oda: { result: 'failed', algorithm: 'sm2' } }],
    ['pboc-rsa-expired-cert', {}, { outcome: 'declined', reason: 'icc-cert-expired', message: expect.stringContaining('ICC certificate expired 01/2024') }],
    ['pboc-rsa-revoked-issuer', {}, { outcome: 'declined', reason: 'issuer-cert-revoked', message: expect.stringContaining('issuer certificate DEAD01 is revoked') }],
    ['pboc-rsa-aac', {}, { outcome: 'declined', reason: 'card-declined', cryptogramType: 'AAC', authorisationCode: 'Z1' }],
  ];
  for (const [name, over, expected] of cases) {
    it(`${name}`, async () => {
      const r = await tap(pbocCard(name), { amountFen: 400, ...over });
      expect(r.outcome).toMatchObject(expected);
      expect(r.records.map((x) => x.name)).toEqual(['intent', 'result']);
    });
  }

  it('bad signature, card asking to switch interface (CTQ b5): the reason stays the fDDA failure, the message says insert the card and that the card already deducted', async () => {
    const r = await tap(pbocCard('pboc-rsa-bad-signature'), { amountFen: 400 });
    expect(r.outcome.message).toMatch(/insert the card/);
    expect(r.outcome.message).toMatch(/already deducted 4\.00 CNY; recorded for refund/);
    expect(r.records[1]!.record).toMatchObject({ outcome: 'declined', amountFen: 400 });
  });

  it('EC balance too low: refused before GPO ("EC balance 3.20 < amount 4.00"), no ATC spent, nothing recorded', async () => {
    const card = pbocCard('pboc-rsa-low-balance');
    const atc = pbocAppOf(card)!.state.atc;
    const r = await tap(card, { amountFen: 400 });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'ec-balance-low', message: 'EC balance 3.20 < amount 4.00: top up the card or pay another way', ecBalanceFen: 320 });
    expect(pbocAppOf(card)!.state.atc).toBe(atc);
    expect(r.records).toEqual([]);
  });

  it('EC balance too low without the pre-check: the card declines (AAC) and the reason is still the balance', async () => {
    const r = await tap(pbocCard('pboc-rsa-low-balance'), { amountFen: 400, config: { ec: { precheckBalance: false }, offlineArqcPolicy: 'approve-and-store' }, offlineCheck: () => ({ ok: false, reason: 'offline-amount-limit', message: 'limit' }) });
    expect(r.outcome).toMatchObject({ outcome: 'declined' });
    expect(['ec-balance-low', 'offline-amount-limit']).toContain(r.outcome.reason);
  });

  it('hotlisted PAN → declined', async () => {
    const r = await tap(pbocCard('pboc-rsa'), { isHotlisted: (kind, pan) => kind === 'pan' && pan.startsWith('623100') });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'hotlisted' });
  });

  it('amount at the contactless limit → insert the card, no card exchange', async () => {
    const r = await tap(pbocCard('pboc-rsa'), { amountFen: 5_000_000 });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'contactless-limit' });
    expect(r.steps).toEqual([]);
  });

  it('an SM-only card and a terminal without SM: GPO 6985 is not retried on another AID', async () => {
    const r = await tap(pbocCard('pboc-sm2'), { config: { sm: { supported: false } } });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'gpo-refused', message: expect.stringContaining('6985') });
    expect(r.steps.filter((s) => s.name === 'GPO')).toHaveLength(1);
    expect(r.steps.filter((s) => s.name === 'SELECT AID')).toHaveLength(1);
  });

  it('missing CA key → fDDA fails with "no CA public key"', async () => {
    const { CapkStore } = await import('../capk/store');
    const r = await tap(pbocCard('pboc-rsa'), { capk: new CapkStore([]) });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'fdda-failed', message: expect.stringContaining('no CA public key for CA A000000333 index F1') });
  });

  it('the SM2 user ID is a setting: a terminal configured with another ID refuses the SM2 card', async () => {
    const r = await tap(pbocCard('pboc-sm2'), { config: { sm: { userId: 'ANOTHER-ID' } } });
    expect(r.outcome).toMatchObject({ outcome: 'declined', oda: { result: 'failed', code: 'issuer-cert-signature' } });
  });
});

describe('QuickPass CVM limit (default 1000.00 CNY)', () => {
  const rich = () => {
    const card = pbocCard('pboc-rsa');
    pbocAppOf(card)!.state.balanceFen = 150_000;
    return card;
  };
  const config = { ec: { terminalLimitFen: 200_000 } };
  it('at the limit (1000.00 inclusive): no CVM', async () => {
    const r = await tap(rich(), { amountFen: 100_000, config });
    expect(r.outcome).toMatchObject({ outcome: 'approved', signatureRequired: false });
  });
  it('above the limit: the card asks for a signature; refused where none can be collected', async () => {
    // (the card's own EC single-transaction limit is 1000.00, so the CVM limit is lowered to test above it)
    const low = { qpboc: { cvmLimitFen: 50_000 } };
    const r = await tap(rich(), { amountFen: 50_001, config: low });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'cvm-signature-unavailable', message: expect.stringContaining('above the no-CVM limit 500.00 CNY') });
    const ok = await tap(rich(), { amountFen: 50_001, config: { ...low, cvm: { signature: true } } });
    expect(ok.outcome).toMatchObject({ outcome: 'approved', signatureRequired: true });
  });
  it('the limit is a parameter (300.00 for merchants not upgraded)', async () => {
    expect((await tap(pbocCard('pboc-rsa'), { amountFen: 30_000, config: { qpboc: { cvmLimitFen: 30_000 } } })).outcome.outcome).toBe('approved');
    const r = await tap(pbocCard('pboc-rsa'), { amountFen: 30_001, config: { qpboc: { cvmLimitFen: 30_000 } } });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'cvm-signature-unavailable' });
  });
});

describe('ARQC: online-capable and the offline-only policies', () => {
  const big = 150_000; // above the EC terminal limit (1000.00): online cryptogram required
  it('offline-only, policy decline: refused before touching the card (Z3)', async () => {
    const r = await tap(pbocCard('pboc-rsa'), { amountFen: big });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'online-unavailable', authorisationCode: 'Z3' });
    expect(r.steps).toEqual([]);
  });
  it('offline-only, approve-and-store within the offline limits: approved Y3, recorded offline', async () => {
    const r = await tap(pbocCard('pboc-rsa'), { amountFen: big, config: { offlineArqcPolicy: 'approve-and-store', cvm: { signature: true } } });
    expect(r.outcome).toMatchObject({ outcome: 'approved', reason: 'approved-offline-stored', authorisationCode: 'Y3', cryptogramType: 'ARQC', offlineStored: true, signatureRequired: true });
    expect(r.records[1]!.record).toMatchObject({ outcome: 'approved', offline: true, amountFen: big });
  });
  it('approve-and-store beyond the offline limits: declined Z3 with the limit as the reason', async () => {
    const r = await tap(pbocCard('pboc-rsa'), {
      amountFen: big,
      config: { offlineArqcPolicy: 'approve-and-store', cvm: { signature: true } },
      offlineCheck: () => ({ ok: false, reason: 'offline-per-transaction-limit', message: 'offline payments are limited to 100.00 CNY each' }),
    });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'offline-per-transaction-limit', authorisationCode: 'Z3' });
  });
  it('approve-and-store without the journal limits available: declined', async () => {
    const r = await tap(pbocCard('pboc-rsa'), { amountFen: big, offlineCheck: undefined, config: { offlineArqcPolicy: 'approve-and-store', cvm: { signature: true } } });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'offline-limits-unavailable' });
  });
  it('online-capable: cannot decide here, the ARQC is handed over', async () => {
    const r = await tap(pbocCard('pboc-rsa'), { amountFen: big, config: { online: { capable: true }, cvm: { signature: true } } });
    expect(r.outcome).toMatchObject({ outcome: 'cannot-decide', reason: 'online-required', cryptogramType: 'ARQC', clearing: { cryptogramType: 'ARQC' } });
  });
});

describe('the journal: no approval without a durable record', () => {
  it('intent cannot be written → declined out-of-service, no GPO sent', async () => {
    const card = pbocCard('pboc-rsa');
    const d = new VirtualReaderDriver({ readers: ['R'] });
    drivers.push(d);
    d.insertCard('R', card);
    const conn = await d.connect('R');
    const p = recordingPersist();
    p.failNext(1);
    const run = await runKernel(pbocPayment(paymentInput()), { card: (c) => conn.transmit(c), persist: p.persist });
    expect(run.outcome).toMatchObject({ outcome: 'declined', reason: 'out-of-service' });
    expect(run.steps.some((s) => s.name === 'GPO')).toBe(false);
    expect(pbocAppOf(card)!.state.balanceFen).toBe(50_000);
  });
  it('result cannot be written → not approved (cannot-decide not-recorded), the intent stays', async () => {
    const card = pbocCard('pboc-rsa');
    const p = recordingPersist();
    let n = 0;
    const persist = (name: string, rec: unknown) => {
      if (++n === 2) throw new Error('disk full (test)');
      return p.persist(name, rec);
    };
    const input: PbocPaymentInput = paymentInput();
    const { directTransmit } = await import('../testing');
    const run = await runKernel(pbocPayment(input), { card: directTransmit(card), persist });
    expect(run.outcome).toMatchObject({ outcome: 'cannot-decide', reason: 'not-recorded' });
    expect(run.outcome.message).toMatch(/intent #1 stays open/);
    expect(p.records.map((r) => r.name)).toEqual(['intent']);
  });
});
