// Hospital counter through the runtime harness and the operator API over loopback: registration by the
// social security card (holder data sealed in the journal, shown masked) or the medical e-code, payment
// of the typed amount (qPBOC / EC, contact PBOC, bank cards), both in one tap, refusals, refund.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPbocCard, pbocAppOf } from '../../emulator/pboc/card';
import { unseal } from '../../journal';
import { startHarness, type Harness } from '../testing/harness';
import { ecBalanceOf, holderTokenOf, operatorClient, ZHENGZHOU_AUTH_KEY, ZHENGZHOU_CARD_ID, zhengzhouCard } from './pos/testing';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const hospital = (over: Record<string, unknown> = {}) => ({ kind: 'hospital', operatorApi: { port: 0 }, ssseTestAuthKey: ZHENGZHOU_AUTH_KEY, ...over });

/** Every byte of the journal file's records table as text (to look for clear personal data). */
function journalDump(hh: Harness): string {
  const db = new Database(hh.world.config.journal.path, { readonly: true });
  try {
    return JSON.stringify(db.prepare('SELECT * FROM records').all(), (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
  } finally {
    db.close();
  }
}

describe('hospital counter', () => {
  it('registration and payment in one tap: identity sealed in the journal, masked on screen', async () => {
    h = await startHarness({ profile: hospital() });
    const op = operatorClient(h.terminal);
    expect(await op.amount(25_00, true)).toMatchObject({ profile: 'hospital', pending: { amountFen: 25_00, register: true }, registration: true });
    const card = zhengzhouCard();
    const ev = await h.tap(card);
    expect(ev).toMatchObject({ outcome: 'approved', reason: 'registered', message: 'registered; paid 25.00 CNY', source: 'pboc-card', amountFen: 25_00, balanceFen: 500_00 - 25_00, maskedId: '张** 4101************10' });
    expect(ecBalanceOf(card)).toBe(500_00 - 25_00);

    const j = h.terminal.services.journal;
    const rec = j.get(BigInt(ev.seq))!;
    expect(rec).toMatchObject({ type: 'sale', service: 'hospital', amountFen: 25_00, hasSealed: true, payload: { register: true, method: 'card', payment: { path: 'qpboc', cryptogramType: 'TC' } } });
    expect(rec.tokens.holder).toBe(holderTokenOf(h.world.holderTokenKey, ZHENGZHOU_CARD_ID));
    expect(rec.tokens.pan).toMatch(/^[A-Z2-7]{26}$/);
    // no clear name, ID number or PAN anywhere in the file; the sealed blob opens with the data key
    const dump = journalDump(h);
    expect(dump).not.toMatch(/410102195003070010|62310000000000138/);
    expect(dump).not.toContain(Buffer.from('张测试').toString('latin1'));
    const db = new Database(h.world.config.journal.path, { readonly: true });
    const sealed = (db.prepare('SELECT sealed FROM records WHERE seq = ?').get(BigInt(ev.seq)) as { sealed: Buffer }).sealed;
    db.close();
    expect(unseal(h.terminal.services.keystore.dataKey, h.world.config.terminal.id, BigInt(ev.seq), new Uint8Array(sealed))).toEqual({ name: '张测试', idNumber: '410102195003070010', birthDate: '1950-03-07' });
    expect(j.unsealPersonal(rec)).toMatchObject({ name: '张测试' });
  });

  it('registration only, by card (sealed) and by the medical e-code (pseudonymous); other scopes refused', async () => {
    h = await startHarness({ profile: hospital() });
    const op = operatorClient(h.terminal);
    expect(await op.register()).toMatchObject({ pending: { amountFen: 0, register: true } });
    expect(h.terminal.hub.state()).toMatchObject({ kind: 'idle', prompt: 'tap-or-scan' });
    const card = zhengzhouCard();
    const byCard = await h.tap(card);
    expect(byCard).toMatchObject({ outcome: 'approved', reason: 'registered', source: 'ssse-card', maskedId: '张** 4101************10' });
    expect(byCard.amountFen).toBeUndefined();
    expect(ecBalanceOf(card)).toBe(500_00);
    expect(h.terminal.services.journal.get(BigInt(byCard.seq))).toMatchObject({ type: 'registration', hasSealed: true, amountFen: null });

    const phone = h.world.phone(ZHENGZHOU_CARD_ID);
    await op.register();
    expect(await h.scan(phone.code('transit'))).toMatchObject({ outcome: 'declined', reason: 'wrong-scope' });
    const byCode = await h.scan(phone.code('medical'));
    expect(byCode).toMatchObject({ outcome: 'approved', reason: 'registered', source: 'ecode', maskedId: expect.stringMatching(/^410100 [A-Z2-7]{4}…$/) });
    const rec = h.terminal.services.journal.get(BigInt(byCode.seq))!;
    expect(rec).toMatchObject({ type: 'registration', hasSealed: false });
    expect(rec.tokens.holder).toBe(holderTokenOf(h.world.holderTokenKey, ZHENGZHOU_CARD_ID)); // the same patient as the card
  });

  it('without the EF06 key the identity cannot be read: registration declined, nothing charged, nothing kept', async () => {
    h = await startHarness({ profile: hospital({ ssseTestAuthKey: undefined }) });
    const op = operatorClient(h.terminal);
    await op.amount(10_00, true);
    const card = zhengzhouCard();
    const ev = await h.tap(card);
    expect(ev).toMatchObject({ outcome: 'declined', reason: 'holder-data-unavailable' });
    expect(ecBalanceOf(card)).toBe(500_00);
    expect(h.terminal.services.journal.get(BigInt(ev.seq))!.hasSealed).toBe(false);
  });

  it('payment only: social security card, bank card (masked PAN); a bank card cannot register', async () => {
    h = await startHarness({ profile: hospital() });
    const op = operatorClient(h.terminal);
    await op.amount(88_80);
    const card = zhengzhouCard();
    const ssc = await h.tap(card);
    expect(ssc).toMatchObject({ outcome: 'approved', reason: 'ok', message: 'paid 88.80 CNY', amountFen: 88_80, maskedId: '623100*******0138' });
    expect(h.terminal.services.journal.get(BigInt(ssc.seq))!.hasSealed).toBe(false); // no registration: no holder data read

    const bank = loadPbocCard('pboc-rsa');
    await op.amount(12_34, true);
    expect(await h.tap(bank)).toMatchObject({ outcome: 'declined', reason: 'registration-needs-ssc' });
    expect(pbocAppOf(bank)!.state.balanceFen).toBe(500_00);
    await op.amount(12_34);
    const paid = await h.tap(bank);
    expect(paid).toMatchObject({ outcome: 'approved', amountFen: 12_34, balanceFen: 500_00 - 12_34, maskedId: expect.stringMatching(/^\d{6}\*+\d{4}$/) });
    const rec = h.terminal.services.journal.get(BigInt(paid.seq))!;
    expect(rec.tokens).toEqual({ pan: expect.stringMatching(/^[A-Z2-7]{26}$/) });
  });

  it('no amount: "enter the amount first", recorded, card not read; amount over the maximum refused by the API', async () => {
    h = await startHarness({ profile: hospital({ maxAmountFen: 1_000_00 }) });
    const op = operatorClient(h.terminal);
    const card = zhengzhouCard();
    const ev = await h.tap(card);
    expect(ev).toMatchObject({ outcome: 'declined', reason: 'no-amount' });
    expect(h.terminal.services.journal.get(BigInt(ev.seq))).toMatchObject({ type: 'decision', reason: 'no-amount' });
    expect(await op.call('POST', '/operator/amount', { fen: 1_000_01 })).toMatchObject({ status: 400, body: { error: 'bad-amount' } });
    expect(await op.call('POST', '/operator/amount', { fen: 100, register: 'yes' })).toMatchObject({ status: 400, body: { error: 'bad-request' } });
    await op.amount(5_00);
    expect((await h.tap(card)).outcome).toBe('approved');
    expect(await h.tap(card)).toMatchObject({ outcome: 'declined', reason: 'no-amount' });
    expect(ecBalanceOf(card)).toBe(500_00 - 5_00);
  });

  it('a counter without registration refuses to arm it', async () => {
    h = await startHarness({ profile: hospital({ registration: false }) });
    const op = operatorClient(h.terminal);
    expect(await op.call('POST', '/operator/register')).toMatchObject({ status: 404, body: { error: 'not-supported' } });
    expect(await op.call('POST', '/operator/amount', { fen: 100, register: true })).toMatchObject({ status: 404, body: { error: 'not-supported' } });
  });

  it('contact reader: full PBOC; QuickPass above the CVM limit asks for the signature', async () => {
    const CONTACT = 'Emulated Reader ICC 00';
    const PICC = 'Emulated Contactless Reader 00 00';
    h = await startHarness({ profile: hospital(), readers: [PICC, CONTACT], config: { pboc: { qpboc: { cvmLimitFen: 100_00 }, cvm: { signature: true } } } });
    const op = operatorClient(h.terminal);
    await op.amount(30_00);
    const contact = await h.tap(zhengzhouCard(), CONTACT);
    expect(contact).toMatchObject({ outcome: 'approved', amountFen: 30_00 });
    expect(h.terminal.services.journal.get(BigInt(contact.seq))).toMatchObject({ payload: { payment: { interface: 'contact', path: 'pboc' } } });

    await op.amount(150_00);
    const big = await h.tap(zhengzhouCard(), PICC);
    expect(big).toMatchObject({ outcome: 'approved', amountFen: 150_00, message: 'paid 150.00 CNY: please sign the receipt' });
    expect(h.terminal.services.journal.get(BigInt(big.seq))).toMatchObject({ payload: { payment: { interface: 'contactless', signatureRequired: true } } });
    await op.amount(99_00);
    const small = await h.tap(zhengzhouCard(), PICC);
    expect(small).toMatchObject({ outcome: 'approved', message: 'paid 99.00 CNY' });
  });

  it('electronic cash within its limits: above the EC terminal limit an offline-only counter declines, nothing moves', async () => {
    h = await startHarness({ profile: hospital() });
    const op = operatorClient(h.terminal);
    await op.amount(1_500_00); // over pboc.ec.terminalLimitFen (1000.00): EC not allowed, the card asks to go online
    const card = zhengzhouCard();
    expect(await h.tap(card)).toMatchObject({ outcome: 'declined', reason: 'online-unavailable' });
    expect(ecBalanceOf(card)).toBe(500_00);
    expect(await op.state()).toMatchObject({ pending: { amountFen: 1_500_00 } });
    await op.amount(600_00); // within the EC limit but above the card's EC balance (500.00)
    expect(await h.tap(card)).toMatchObject({ outcome: 'declined', reason: 'ec-balance-low' });
  });

  it('a declined payment does not register and keeps no holder data; the amount stays pending', async () => {
    h = await startHarness({ profile: hospital() });
    const op = operatorClient(h.terminal);
    await op.amount(4_00, true);
    const card = zhengzhouCard({ ecBalanceFen: 3_20 });
    const ev = await h.tap(card);
    expect(ev).toMatchObject({ outcome: 'declined', reason: 'ec-balance-low' });
    const rec = h.terminal.services.journal.get(BigInt(ev.seq))!;
    expect(rec).toMatchObject({ type: 'sale', outcome: 'declined', hasSealed: false });
    expect(await op.state()).toMatchObject({ pending: { amountFen: 4_00, register: true } });
    // the patient pays with the medical e-code instead: registered, post-paid
    const paid = await h.scan(h.world.phone(ZHENGZHOU_CARD_ID).code('medical'));
    expect(paid).toMatchObject({ outcome: 'approved', reason: 'registered', source: 'ecode', amountFen: 4_00, message: 'registered; paid 4.00 CNY post-paid' });
    const recs = h.terminal.services.journal.list({ limit: 50 }).filter((r) => r.txn === h!.terminal.services.journal.get(BigInt(paid.seq))!.txn);
    expect(recs.map((r) => [r.type, r.amountFen, r.offline])).toEqual([
      ['postpaid', 4_00, true],
      ['sale', 4_00, false],
    ]);
  });

  it('a lost social security card is refused before payment; refund of the last payment is recorded for the backend', async () => {
    h = await startHarness({ profile: hospital(), hotlisted: [{ kind: 'ssc', id: 'A41001001' }] });
    const op = operatorClient(h.terminal);
    await op.amount(20_00, true);
    const card = zhengzhouCard();
    expect(await h.tap(card)).toMatchObject({ outcome: 'declined', reason: 'hotlisted' });
    expect(ecBalanceOf(card)).toBe(500_00);
    expect(await op.refund()).toMatchObject({ decision: { outcome: 'declined', reason: 'nothing-to-refund' } });

    await op.amount(20_00);
    const bank = loadPbocCard('pboc-rsa');
    const paid = await h.tap(bank);
    expect(paid.outcome).toBe('approved');
    const refund = await op.refund();
    expect(refund).toMatchObject({ decision: { outcome: 'approved', reason: 'refund' }, saleSeq: paid.seq, amountFen: 20_00, cardFen: 20_00, subsidyFen: 0 });
    expect(pbocAppOf(bank)!.state.balanceFen).toBe(500_00 - 20_00);
    expect(h.terminal.services.journal.get(BigInt(refund.seq as string))).toMatchObject({ type: 'refund', refSeq: BigInt(paid.seq), payload: { card: 'refund-by-backend' } });
  });
});
