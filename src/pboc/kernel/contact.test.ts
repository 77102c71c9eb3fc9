/**
 * The full PBOC path (contact) through the in-process reader: PSE and list-of-AIDs selection, DDA/SDA
 * (RSA and SM2), processing restrictions, CVM, risk management, TAA, GENERATE AC, the ARQC policies
 * with a second GENERATE AC (Y3/Z3), and the real journal behind `persist`.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualReaderDriver } from '../../../drivers/virtual/index';
import { ManualClock } from '../../core/clock';
import { fixturesDir } from '../../core/paths';
import { buildCard } from '../../emulator/card-fixture';
import { pbocAppOf } from '../../emulator/pboc/card';
import type { Iso7816Card } from '../../emulator/iso7816-card';
import { journalPersist, openJournal } from '../../journal/index';
import { tempDir } from '../../journal/testing/tmp';
import { runKernel } from '../../kernel/runner';
import { paymentInput, pbocCard, recordingPersist, TEST_NOW } from '../testing';
import { pbocPayment } from './payment';

const drivers: VirtualReaderDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close();
});

async function insert(card: Iso7816Card, over: Parameters<typeof paymentInput>[0] = {}, persistFn?: (n: string, r: unknown) => { seq: bigint }) {
  const d = new VirtualReaderDriver({ readers: [{ name: 'Virtual ICC 00', interface: 'contact' }] });
  drivers.push(d);
  d.insertCard('Virtual ICC 00', card);
  const conn = await d.connect('Virtual ICC 00');
  const p = recordingPersist();
  const run = await runKernel(pbocPayment(paymentInput({ interface: 'contact', ...over })), { card: (c) => conn.transmit(c), persist: persistFn ?? p.persist });
  await conn.close();
  return { ...run, records: p.records };
}

describe('contact PBOC approvals', () => {
  for (const [name, method, alg] of [
    ['pboc-rsa', 'dda', 'rsa'],
    ['pboc-sm2', 'dda', 'sm2'],
    ['pboc-rsa-sda', 'sda', 'rsa'],
    ['ssc-3rd-pboc', 'dda', 'rsa'],
  ] as const) {
    it(`${name}: electronic cash, ${method.toUpperCase()} (${alg}) → TC, approved Y1 after the result record`, async () => {
      const card = pbocCard(name);
      const r = await insert(card, { amountFen: 2500 });
      expect(r.outcome).toMatchObject({ outcome: 'approved', path: 'pboc', cryptogramType: 'TC', authorisationCode: 'Y1', oda: { method, algorithm: alg, result: 'ok' }, ecBalanceFen: 47_500 });
      expect(r.outcome.clearing).toMatchObject({ cid: '40', cryptogramType: 'TC', ecIssuerAuthCode: 'ECC001', interface: 'contact' });
      expect(r.records.map((x) => x.name)).toEqual(['intent', 'result']);
      expect(r.steps.findIndex((s) => s.name === 'intent')).toBeLessThan(r.steps.findIndex((s) => s.name === 'GENERATE AC'));
      if (method === 'dda') expect(r.steps.some((s) => s.name === 'INTERNAL AUTHENTICATE')).toBe(true);
      expect(pbocAppOf(card)!.state.balanceFen).toBe(47_500);
      // TVR: nothing wrong; TSI: ODA, CVM, terminal risk management performed.
      expect(r.outcome.clearing!.tvr).toBe(method === 'sda' ? '0200000000' : '0000000000');
      expect(r.outcome.clearing!.tsi).toBe('E800');
    });
  }

  it('without a PSE the terminal finds the application from its list of AIDs', async () => {
    const fixture = JSON.parse(readFileSync(fixturesDir('pboc', 'cards', 'pboc-rsa.json'), 'utf8'));
    fixture.sections.pboc.directories = { ppse: false, pse: false };
    const r = await insert(buildCard(fixture), { amountFen: 100 });
    expect(r.outcome).toMatchObject({ outcome: 'approved' });
    expect(r.steps[0]!.name).toBe('SELECT PSE');
    expect(r.steps.filter((s) => s.name === 'SELECT AID').length).toBeGreaterThanOrEqual(1);
  });
});

describe('contact PBOC refusals', () => {
  it('DDA signature mismatch → TVR DDA failed, TAC-Default → AAC requested → declined with the ODA reason', async () => {
    const r = await insert(pbocCard('pboc-rsa-bad-signature'), { amountFen: 100 });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'dda-failed', message: expect.stringContaining('DDA signature mismatch'), cryptogramType: 'AAC', authorisationCode: 'Z1' });
    expect(r.outcome.clearing!.tvr.slice(0, 2)).toBe('08');
  });
  it('SM2 DDA signature mismatch', async () => {
    const r = await insert(pbocCard('pboc-sm2-bad-signature'), { amountFen: 100 });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'dda-failed', oda: { algorithm: 'sm2', code: 'dda-signature' } });
  });
  it('expired ICC certificate', async () => {
    const r = await insert(pbocCard('pboc-rsa-expired-cert'), { amountFen: 100 });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'icc-cert-expired', message: 'ICC certificate expired 01/2024' });
  });
  it('revoked issuer certificate', async () => {
    const r = await insert(pbocCard('pboc-rsa-revoked-issuer'), { amountFen: 100 });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'issuer-cert-revoked' });
  });
  it('EC balance too low → "EC balance 3.20 < amount 4.00"', async () => {
    const r = await insert(pbocCard('pboc-rsa-low-balance'), { amountFen: 400 });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'ec-balance-low', message: 'EC balance 3.20 < amount 4.00: top up the card or pay another way' });
  });
  it('card that declines (AAC)', async () => {
    const r = await insert(pbocCard('pboc-rsa-aac'), { amountFen: 100 });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'card-declined', cryptogramType: 'AAC' });
  });
  it('malformed TLV from the card → typed decline, nothing charged, no record', async () => {
    const r = await insert(pbocCard('pboc-rsa-malformed'), { amountFen: 100 });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'card-data-invalid' });
    expect(r.outcome.message).toMatch(/nothing was charged/);
    expect(r.records).toEqual([]);
  });
  it('hotlisted card: exception file bit → TAC-Default → declined', async () => {
    const r = await insert(pbocCard('pboc-rsa'), { amountFen: 100, isHotlisted: () => true });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'hotlisted' });
  });
  it('expired application (card date past) → declined card-expired', async () => {
    const r = await insert(pbocCard('pboc-rsa'), { amountFen: 100, nowMs: Date.UTC(2034, 0, 10) });
    expect(r.outcome).toMatchObject({ outcome: 'declined' });
    expect(['card-expired', 'icc-cert-expired']).toContain(r.outcome.reason);
  });
  it('non-EC amount on an offline-only terminal with floor limit 0 → floor limit (EMV default action)', async () => {
    const r = await insert(pbocCard('pboc-rsa'), { amountFen: 150_000 });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'floor-limit', cryptogramType: 'AAC' });
  });
});

describe('contact ARQC: second GENERATE AC with Y3 / Z3', () => {
  // A floor limit above the amount makes TAA ask for a TC; the debit card (not EC) answers ARQC.
  const base = { contact: { floorLimitFen: 1_000_000 } };
  it('policy decline → second GENERATE AC with Z3 → declined online-unavailable', async () => {
    const r = await insert(pbocCard('pboc-rsa'), { amountFen: 150_000, config: base });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'online-unavailable', authorisationCode: 'Z3', cryptogramType: 'AAC' });
    expect(r.steps.filter((s) => s.name.startsWith('GENERATE AC'))).toHaveLength(2);
  });
  it('policy approve-and-store → Y3 → TC → approved and stored offline', async () => {
    const card = pbocCard('pboc-rsa');
    const r = await insert(card, { amountFen: 150_000, config: { ...base, offlineArqcPolicy: 'approve-and-store' } });
    expect(r.outcome).toMatchObject({ outcome: 'approved', reason: 'approved-offline-stored', authorisationCode: 'Y3', offlineStored: true, cryptogramType: 'TC' });
    expect(r.records[1]!.record).toMatchObject({ outcome: 'approved', offline: true, amountFen: 150_000 });
    expect(pbocAppOf(card)!.state.balanceFen).toBe(50_000); // not electronic cash: the issuer account pays
  });
  it('approve-and-store beyond the offline limits → Z3', async () => {
    const r = await insert(pbocCard('pboc-rsa'), {
      amountFen: 150_000,
      config: { ...base, offlineArqcPolicy: 'approve-and-store' },
      offlineCheck: () => ({ ok: false, reason: 'offline-amount-limit', message: '4800.00 CNY of offline payments are waiting' }),
    });
    expect(r.outcome).toMatchObject({ outcome: 'declined', reason: 'offline-amount-limit', authorisationCode: 'Z3' });
  });
  it('online-capable → cannot-decide online-required with the ARQC', async () => {
    const r = await insert(pbocCard('pboc-rsa'), { amountFen: 150_000, config: { ...base, online: { capable: true } } });
    expect(r.outcome).toMatchObject({ outcome: 'cannot-decide', reason: 'online-required', cryptogramType: 'ARQC' });
  });
});

describe('with the real journal behind persist', () => {
  it('intent and result are durable, linked, PAN tokenised; the approval names the result', async () => {
    const tmp = tempDir('ykt-pboc-');
    try {
      const journal = openJournal({ path: tmp.path('j.sqlite'), terminalId: 'T-PBOC-1', clock: new ManualClock(TEST_NOW) });
      const persist = journalPersist(journal, { service: 'canteen-pos' });
      const r = await insert(pbocCard('pboc-rsa'), { amountFen: 880 }, persist);
      expect(r.outcome, r.outcome.message).toMatchObject({ outcome: 'approved' });
      const intent = journal.get(r.outcome.intentSeq!)!;
      const result = journal.get(r.outcome.resultSeq!)!;
      expect(intent).toMatchObject({ type: 'intent', service: 'canteen-pos' });
      expect(result).toMatchObject({ type: 'result', outcome: 'approved', reason: 'ok', amountFen: 880, refSeq: r.outcome.intentSeq, tokens: { pan: r.outcome.panToken } });
      expect(journal.openIntents()).toHaveLength(0);
      journal.close();
    } finally {
      tmp.cleanup();
    }
  });
});

describe('contactless full PBOC (AIP byte 2 b8 and a reader that allows it)', () => {
  it('the qPBOC reader follows the card into the full path: DDA, GENERATE AC, approved', async () => {
    const { createPrivateKey } = await import('node:crypto');
    const { composeRecords } = await import('../../emulator/pboc/records');
    const { pbocSectionSchema } = await import('../../emulator/pboc/personalisation');
    const { rsaIccCert } = await import('../tools/certs');
    // Re-issue the ICC certificate for the new AIP with the TEST issuer key (the AIP is signed static data).
    const keys = JSON.parse(readFileSync(fixturesDir('pboc', 'keys', 'test-keys.json'), 'utf8'));
    const fixture = JSON.parse(readFileSync(fixturesDir('pboc', 'cards', 'pboc-rsa.json'), 'utf8'));
    const p = pbocSectionSchema.parse({ ...fixture.sections.pboc, aip: '7C80' });
    const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));
    const issuer = { key: createPrivateKey({ key: keys.rsa.issuer, format: 'jwk' }), modulusLength: b64(keys.rsa.issuer.n).length };
    const iccKey = p.keys.iccPrivateKey as { n: string; e: string };
    const cert = rsaIccCert(issuer, p.pan, { expiry: { m: 12, y: 2033 }, serial: Uint8Array.of(1, 2, 3) }, b64(iccKey.n), b64(iccKey.e), composeRecords(p).staticData);
    fixture.sections.pboc = { ...fixture.sections.pboc, aip: '7C80', oda: { ...p.oda, iccCert: Buffer.from(cert.cert).toString('hex') } };
    const d = new VirtualReaderDriver({ readers: [{ name: 'PICC', interface: 'contactless' }] });
    drivers.push(d);
    d.insertCard('PICC', buildCard(fixture));
    const conn = await d.connect('PICC');
    const rec = recordingPersist();
    const run = await runKernel(pbocPayment(paymentInput({ interface: 'contactless', amountFen: 700, config: { qpboc: { fullPboc: true } } })), { card: (c) => conn.transmit(c), persist: rec.persist });
    expect(run.outcome).toMatchObject({ outcome: 'approved', path: 'pboc', interface: 'contactless', oda: { method: 'dda', result: 'ok' }, clearing: { cid: '40' } });
    expect(run.steps.map((s) => s.name)).toEqual(expect.arrayContaining(['GPO', 'INTERNAL AUTHENTICATE', 'GENERATE AC']));
    expect(rec.records.map((r) => r.name)).toEqual(['intent', 'result']);
    // Without the reader's consent (TTQ b7) the same card stays on qPBOC.
    const q = await runKernel(pbocPayment(paymentInput({ interface: 'contactless', amountFen: 700, unpredictableNumber: Uint8Array.of(4, 4, 4, 4) })), { card: (c) => conn.transmit(c), persist: recordingPersist().persist });
    expect(q.outcome).toMatchObject({ path: 'qpboc' });
  });
});
