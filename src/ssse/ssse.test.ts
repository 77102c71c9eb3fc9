import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../apdu/hex';
import { ProtocolError } from '../core/errors';
import { loadCardFixture } from '../emulator/card-fixture';
import { Iso7816Card } from '../emulator/iso7816-card';
import { df } from '../emulator/fs';
import type { EmulatedCard } from '../emulator/types';
import { runKernel } from '../kernel/runner';
import { acceptSsse, ssseAcceptanceSchema } from './accept';
import { parseEf05, parseEf06, parseSsseDump } from './parse';
import { readSsse, type ReadSsseOptions } from './read';
import { testSsseAuthenticator } from './test-sam';

const NOW = Date.UTC(2026, 10, 22, 2, 0, 0); // 2026-11-22 10:00 CST

async function read(card: EmulatedCard, opts: ReadSsseOptions = {}) {
  card.powerOn();
  const exchanges: string[] = [];
  const run = await runKernel(readSsse(opts), {
    card: async (b) => card.transmit(b),
    onExchange: (_t, e) => exchanges.push(`${toHex(e.command)} -> ${toHex(e.response)}`),
  });
  return { dump: run.outcome, exchanges };
}

const policy = ssseAcceptanceSchema.parse({});
const notHot = () => false;

describe('SSSE read and parse (DOMAIN.md §1.1)', () => {
  it('reads EF05 of a 3rd-generation card by SFI and parses every field', async () => {
    const { dump, exchanges } = await read(loadCardFixture('ssc-3rd-zhengzhou'));
    expect(dump.present).toBe(true);
    expect(exchanges[0]).toMatch(/^00A404000F7378312E73682EC9E7BBE1B1A3D5CF00 -> .*9000$/);
    expect(exchanges[1]!.startsWith('00B2012C00')).toBe(true);
    const c = parseEf05(dump.ef05);
    expect(toHex(c.cardIdCode)).toBe('410100D1560000050000000000001001');
    expect(c).toMatchObject({ region: '410100', cardType: '3', specVersion: '3.00', generation: 3, cardNumber: 'A41001001' });
    expect(c.issueDate).toEqual({ y: 2024, m: 3, d: 15 });
    expect(c.expiry).toEqual({ y: 2034, m: 3, d: 15 });
    expect(dump.ef06).toBeUndefined();
  });

  it('does not read EF06 unless the service asks for holder data', async () => {
    const { exchanges } = await read(loadCardFixture('ssc-2nd-wenzhou-t0'));
    expect(exchanges.some((e) => /^00B2..34/.test(e))).toBe(false);
  });

  it('EF06 behind EXTERNAL AUTHENTICATE: refused without, read with the right key, refused with a wrong one', async () => {
    const card = loadCardFixture('ssc-3rd-zhengzhou');
    const without = await read(card, { holderData: true });
    expect(without.dump.ef06).toBeUndefined();
    expect(without.dump.ef06Refused).toMatch(/needs authentication/);

    const key = fromHex('5445535420534D34204B455920303031');
    const ok = await read(card, { holderData: true, authenticate: testSsseAuthenticator(key) });
    const h = parseEf06(ok.dump.ef06!);
    expect(h).toMatchObject({ name: '张测试', idNumber: '410102195003070010', sex: 'male', ethnicity: '01', birthPlace: '410102' });
    expect(h.birthDate).toEqual({ y: 1950, m: 3, d: 7 });

    const bad = await read(card, { holderData: true, authenticate: testSsseAuthenticator(new Uint8Array(16)) });
    expect(bad.dump.ef06).toBeUndefined();
    expect(bad.dump.ef06Refused).toMatch(/external authentication refused/);
  });

  it('reads a T=0 card through 61xx / GET RESPONSE', async () => {
    const { dump, exchanges } = await read(loadCardFixture('ssc-2nd-wenzhou-t0'), { holderData: true });
    expect(exchanges.some((e) => / -> 61..$/.test(e))).toBe(true);
    expect(exchanges.some((e) => e.startsWith('00C00000'))).toBe(true);
    expect(parseEf05(dump.ef05)).toMatchObject({ region: '330300', generation: 2, cardNumber: 'C33002002' });
    expect(parseEf06(dump.ef06!).name).toBe('李样例');
  });

  it('falls back to SELECT EF + READ RECORD by identifier on a card without SFI addressing', async () => {
    const { dump, exchanges } = await read(loadCardFixture('ssc-no-sfi-beijing'));
    expect(exchanges.some((e) => e.startsWith('00A4020002EF05'))).toBe(true);
    expect(exchanges.some((e) => e.startsWith('00B2070000'))).toBe(true);
    expect(parseEf05(dump.ef05).cardNumber).toBe('B11005005');
  });

  it('a malformed card is a ProtocolError that names the record, and a clear decline', async () => {
    const { dump } = await read(loadCardFixture('ssc-malformed'));
    expect(() => parseEf05(dump.ef05)).toThrow(ProtocolError);
    expect(() => parseEf05(dump.ef05)).toThrow(/EF05 record 1/);
    let error = '';
    try {
      parseEf05(dump.ef05);
    } catch (e) {
      error = (e as Error).message;
    }
    const d = acceptSsse({ dump, card: { error }, nowMs: NOW, policy, isHotlisted: notHot });
    expect(d).toMatchObject({ outcome: 'declined', reason: 'card-unreadable' });
  });

  it('a field-level defect (bad BCD date) is named', () => {
    const recs = ['01104101 00D1560000050000000000001001', '020133', '0304332E3030', '040C410100000000000000000001', '05042024AB01', '060420340101', '0709413431303031303031'].map(fromHex);
    expect(() => parseEf05(recs)).toThrow(/issue date/);
  });
});

describe('parseSsseDump', () => {
  it('never throws: card data or why it is unreadable, holder data or why it is absent', async () => {
    const bad = parseSsseDump((await read(loadCardFixture('ssc-malformed'))).dump);
    expect(bad.card).toBeUndefined();
    expect(bad.error).toMatch(/EF05 record 1/);
    const refused = parseSsseDump((await read(loadCardFixture('ssc-3rd-zhengzhou'), { holderData: true })).dump);
    expect(refused.card?.cardNumber).toBe('A41001001');
    expect(refused.holder).toBeUndefined();
    expect(refused.holderRefused).toMatch(/needs authentication/);
    const full = parseSsseDump((await read(loadCardFixture('ssc-2nd-wenzhou-t0'), { holderData: true })).dump);
    expect(full.holder?.name).toBe('李样例');
    expect(full.error).toBeUndefined();
  });
});

describe('SSSE acceptance checks, in order', () => {
  it('accepts a valid card and declines an expired one', async () => {
    const ok = await read(loadCardFixture('ssc-3rd-zhengzhou'));
    expect(acceptSsse({ dump: ok.dump, card: parseEf05(ok.dump.ef05), nowMs: NOW, policy, isHotlisted: notHot }).outcome).toBe('approved');
    const ex = await read(loadCardFixture('ssc-expired'));
    expect(acceptSsse({ dump: ex.dump, card: parseEf05(ex.dump.ef05), nowMs: NOW, policy, isHotlisted: notHot })).toMatchObject({ outcome: 'declined', reason: 'expired' });
  });

  it('declines by region, card type and spec version, and a hotlisted card', async () => {
    const { dump } = await read(loadCardFixture('ssc-2nd-wenzhou-t0'));
    const card = parseEf05(dump.ef05);
    const d = (p: object, hot = false) => acceptSsse({ dump, card, nowMs: NOW, policy: ssseAcceptanceSchema.parse(p), isHotlisted: () => hot });
    expect(d({ regions: ['41'] }).reason).toBe('region-not-accepted');
    expect(d({ regions: ['33'] }).outcome).toBe('approved');
    expect(d({ cardTypes: ['3'] }).reason).toBe('card-type-not-accepted');
    expect(d({ specVersions: ['3.00'] }).reason).toBe('spec-version-not-accepted');
    expect(d({}, true).reason).toBe('hotlisted');
  });

  it('a card without the social security application is not an SSC', async () => {
    const blank = new Iso7816Card({ label: 'blank', atr: fromHex('3B00'), mf: df({ fid: 0x3f00 }) });
    const { dump } = await read(blank);
    expect(dump.present).toBe(false);
    expect(acceptSsse({ dump, card: { error: 'none' }, nowMs: NOW, policy, isHotlisted: notHot }).reason).toBe('not-ssc');
  });
});
