/** File layouts of the transport application (DOMAIN.md §1.3), decoders with bounds, and round trips. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../apdu/hex';
import { ProtocolError } from '../core/errors';
import {
  TRIP_STATE,
  cstDateTime14,
  decodeCompoundRecord,
  decodeIssuerFile,
  decodeManagementFile,
  decodeTransactionRecord,
  decodeTravelRecord,
  encodeCompoundRecord,
  encodeTransactionRecord,
  encodeTravelRecord,
  RecordError,
} from './records';

const F15 = '4910000100000001' + '01' + '01' + '31049100000000001001' + '20240101' + '20340101' + '0000';

describe('file 0015', () => {
  it('decodes every field', () => {
    expect(decodeIssuerFile(fromHex(F15))).toEqual({
      issuerId: '4910000100000001',
      appType: 1,
      enableFlag: 1,
      serial: '31049100000000001001',
      serialBytes: fromHex('31049100000000001001'),
      startDate: 20240101,
      expiryDate: 20340101,
      fciData: '0000',
    });
  });
  it('refuses a short file and a non-BCD date, naming the file', () => {
    expect(() => decodeIssuerFile(fromHex(F15).subarray(0, 29))).toThrow('transport file 0015: expected 30 bytes, got 29');
    const bad = F15.replace('20240101', '1A240101');
    expect(() => decodeIssuerFile(fromHex(bad))).toThrow(RecordError);
    expect(() => decodeIssuerFile(fromHex(F15.replace('20340101', '20341301')))).toThrow(/0015.*not a calendar date/);
  });
});

describe('file 0017', () => {
  it('decodes international code, province, city, interop type, category', () => {
    const f = fromHex('00000156' + '4100' + '4910' + '0001' + '04' + '00'.repeat(49));
    expect(decodeManagementFile(f)).toEqual({ countryCode: '00000156', province: '4100', city: '4910', interopType: 1, cardCategory: 4 });
  });
  it('is bounded', () => {
    expect(() => decodeManagementFile(new Uint8Array(10))).toThrow('expected 11..256 bytes, got 10');
    expect(() => decodeManagementFile(new Uint8Array(300))).toThrow(ProtocolError);
  });
});

describe('file 0018 transaction record', () => {
  it('decodes seq, overdraft, amount, type, terminal, date-time', () => {
    const r = decodeTransactionRecord(fromHex('0011' + '000000' + '000000C8' + '09' + '000000001101' + '20261122160000'));
    expect(r).toMatchObject({ epSeq: 17, overdraftFen: 0, amountFen: 200, type: 9, typeName: 'compound purchase', terminal: '000000001101', dateTime: '20261122160000' });
    expect(r!.atMs).toBe(Date.UTC(2026, 10, 22, 8, 0, 0));
  });
  it('treats an unused slot as empty and a wrong length as an error', () => {
    expect(decodeTransactionRecord(new Uint8Array(23))).toBeUndefined();
    expect(decodeTransactionRecord(new Uint8Array(23).fill(0xff))).toBeUndefined();
    expect(() => decodeTransactionRecord(new Uint8Array(22))).toThrow('expected 23 bytes, got 22');
  });
  it('the record the card writes at DEBIT decodes to what was written', () => {
    const raw = encodeTransactionRecord({ epSeq: 17, overdraftFen: 5, amountFen: 200, type: 0x09, terminal6: fromHex('000000001101'), dateTime7: fromHex('20261122160000') });
    expect(toHex(raw)).toBe('0011' + '000005' + '000000C8' + '09' + '000000001101' + '20261122160000');
    expect(decodeTransactionRecord(raw)).toMatchObject({ epSeq: 17, overdraftFen: 5, amountFen: 200, type: 9, terminal: '000000001101', dateTime: '20261122160000' });
    expect(() => encodeTransactionRecord({ epSeq: 0, overdraftFen: 0, amountFen: 0, type: 9, terminal6: new Uint8Array(5), dateTime7: new Uint8Array(7) })).toThrow('terminal: expected Uint8Array of length 6, got length=5');
  });
});

const travelArb = fc.record({
  type: fc.integer({ min: 1, max: 255 }),
  terminal: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => toHex(b)),
  industryCode: fc.constantFrom(1, 2),
  line: fc.integer({ min: 0, max: 0xffff }),
  station: fc.integer({ min: 0, max: 0xffff }),
  operator: fc.uint8Array({ minLength: 2, maxLength: 2 }).map((b) => toHex(b)),
  amountFen: fc.integer({ min: 0, max: 0xffffffff }),
  balanceAfterFen: fc.integer({ min: 0, max: 0xffffffff }),
  // whole seconds between 2000 and 2099 (CST)
  atMs: fc.integer({ min: 946_656_000, max: 4_102_415_999 }).map((s) => s * 1000),
  city: fc.uint8Array({ minLength: 2, maxLength: 2 }).map((b) => toHex(b)),
  institution: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => toHex(b)),
});

describe('file 001E travel record', () => {
  it('round-trips every field (property)', () => {
    fc.assert(
      fc.property(travelArb, (t) => {
        const d = decodeTravelRecord(encodeTravelRecord(t))!;
        expect(d).toMatchObject({ ...t, industry: t.industryCode === 1 ? 'metro' : 'bus', dateTime: cstDateTime14(t.atMs) });
      }),
      { numRuns: 300 },
    );
  });
  it('never throws anything but a ProtocolError on random bytes (bounded parser)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), (b) => {
        try {
          decodeTravelRecord(b);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('file 001A compound record', () => {
  it('round-trips an entry and refuses an unknown trip state', () => {
    const atMs = Date.UTC(2026, 10, 22, 7, 40, 0);
    const raw = encodeCompoundRecord({ recordId: 2, length: 48, tripState: TRIP_STATE.ENTERED, line: 1, station: 2, terminal: '0000000000001102', atMs, amountFen: 0, city: '4910' });
    expect(raw).toHaveLength(48);
    expect(decodeCompoundRecord(raw)).toEqual({ recordId: 2, locked: false, tripState: 1, line: 1, station: 2, terminal: '0000000000001102', dateTime: '20261122154000', atMs, amountFen: 0, city: '4910' });
    expect(() => decodeCompoundRecord(fromHex('022E0007' + '00'.repeat(44)))).toThrow('unknown trip state 07');
    expect(() => decodeCompoundRecord(fromHex('02300000' + '00'.repeat(44)))).toThrow('length byte says 48');
  });
  it('a never-used record has no date-time; a trip state without one is malformed', () => {
    const blank = encodeCompoundRecord({ recordId: 2, length: 48, tripState: 0, line: 0, station: 0, terminal: '0000000000000000', atMs: undefined, amountFen: 0, city: '0000' });
    expect(decodeCompoundRecord(blank).atMs).toBeUndefined();
    const bad = blank.slice();
    bad[3] = TRIP_STATE.ENTERED;
    expect(() => decodeCompoundRecord(bad)).toThrow('trip state set but no date-time');
  });
});
