/** Transaction log decoding (9F4F DOL) and the `ykt card read` UnionPay section on an emulated card. */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../apdu/hex';
import type { CardSection } from '../cli/card-read/section';
import { ProtocolError } from '../core/errors';
import { runKernel } from '../kernel/runner';
import { pbocCardSection, readPbocSection, pbocSectionToText, type PbocCardView } from './card-section';
import { pbocPayment } from './kernel/payment';
import { decodeLogRecord, parseLogFormat } from './log';
import { directTransmit, paymentInput, pbocCard, recordingPersist } from './testing';

const FORMAT = parseLogFormat(fromHex('9A039F21039F02069F03069F1A025F2A029F4E149C019F3602'));

describe('log record decoding', () => {
  it('names the fields of a PBOC log record', () => {
    const rec = fromHex('261122' + '123000' + '000000001234' + '000000000000' + '0156' + '0156' + Buffer.from('CANTEEN NO.3        ').toString('hex') + '00' + '0011');
    expect(decodeLogRecord(FORMAT, rec)).toEqual({
      date: '2026-11-22',
      time: '12:30:00',
      amountFen: 1234,
      otherAmountFen: 0,
      country: 156,
      currency: 156,
      merchant: 'CANTEEN NO.3',
      type: { code: '00', name: 'purchase' },
      atc: 17,
      other: {},
      invalid: [],
    });
  });
  it('reports undecodable fields instead of guessing; refuses a record of the wrong length', () => {
    const rec = fromHex('26133F' + '256100' + '0000000012AB' + '000000000000' + '0156' + '0156' + '00'.repeat(20) + '60' + '0001');
    const e = decodeLogRecord(FORMAT, rec);
    expect(e.invalid).toEqual(['9A', '9F21', '9F02']);
    expect(e.type).toEqual({ code: '60', name: 'electronic cash load' });
    expect(() => decodeLogRecord(FORMAT, rec.subarray(1))).toThrow(ProtocolError);
    expect(() => parseLogFormat(fromHex('9F02FF'))).toThrow(ProtocolError);
    expect(() => parseLogFormat(fromHex('9F027F9F027F'))).toThrow(/log format describes 254-byte records/);
  });
});

describe('card read: UnionPay section', () => {
  it('shows EC balance and limits, ATC, the decoded log and the PAN masked — without a GPO', async () => {
    const card = pbocCard('pboc-rsa');
    const tx = directTransmit(card);
    for (const [amountFen, iface] of [[1234, 'contactless'], [500, 'contact']] as const) {
      const r = await runKernel(pbocPayment(paymentInput({ amountFen, interface: iface })), { card: tx, persist: recordingPersist().persist });
      expect(r.outcome.outcome).toBe('approved');
    }
    const run = await runKernel(readPbocSection(), { card: tx });
    expect(run.steps.some((s) => s.name === 'GPO')).toBe(false);
    const v = run.outcome!;
    expect(v).toMatchObject({ aid: 'A000000333010101', ec: { balanceFen: 50_000 - 1734, singleLimitFen: 100_000, balanceLimitFen: 100_000, currency: 156 }, atc: 18, lastOnlineAtc: 12 });
    expect(v.panMasked).toMatch(/^623100\*{7}\d{4}$/);
    expect(v.log.map((e) => e.amountFen)).toEqual([500, 1234]);
    expect(v.log[0]).toMatchObject({ date: '2026-11-22', time: '12:30:00', merchant: 'YKT TERMINAL', type: { name: 'purchase' }, atc: 18 });
    const text = pbocSectionToText(v).join('\n');
    expect(text).toMatch(/EC balance\s+482\.66 CNY/);
    expect(text).toMatch(/2026-11-22 {2}12:30:00 {2}purchase {2}5\.00 CNY {2}YKT TERMINAL {2}ATC 18/);
    const asSection: CardSection<PbocCardView> = pbocCardSection; // the shape `ykt card read` lists
    expect(asSection.name).toBe('pboc');
  });
  it('no UnionPay application → undefined', async () => {
    const { loadCardFixture } = await import('../emulator/card-fixture');
    const run = await runKernel(readPbocSection(), { card: directTransmit(loadCardFixture('ssc-3rd-zhengzhou')) });
    expect(run.outcome).toBeUndefined();
  });
});
