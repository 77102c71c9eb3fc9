// EMV Book 3 §4.3 formats n / cn / an; SSSE padding rules (DOMAIN.md §1.1); GBK names.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError, decodeAn, decodeBcd, decodeCn, decodeDate6, decodeDate8, decodeDateTime14, decodeGbk, decodeN, encodeAn, encodeBcd, encodeCn, encodeGbk, encodeN } from './codec';
import { fromHex, toHex } from './hex';

describe('numeric codings', () => {
  it('n12 amounts in fen', () => {
    expect(decodeN(fromHex('000000001234'))).toBe(1234);
    expect(toHex(encodeN(100000, 6))).toBe('000000100000');
    expect(() => decodeN(fromHex('00000000123A'))).toThrow(CodecError);
    expect(() => encodeN(1_000_000_000_000, 6)).toThrow(/does not fit/);
  });
  it('cn PAN with F padding', () => {
    expect(decodeCn(fromHex('6228480012345678901F'))).toBe('6228480012345678901');
    expect(toHex(encodeCn('6228480012345678901', 10))).toBe('6228480012345678901F');
    expect(() => decodeCn(fromHex('12F3'))).toThrow(/invalid nibble/);
  });
  it('round-trips (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 999_999_999_999 }), (v) => {
      expect(decodeN(encodeN(v, 6))).toBe(v);
    }));
    fc.assert(fc.property(fc.stringMatching(/^\d{0,19}$/), (d) => {
      expect(decodeCn(encodeCn(d, 10))).toBe(d);
    }));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 12 }), (b) => {
      try {
        expect(toHex(encodeBcd(decodeBcd(b)))).toBe(toHex(b));
      } catch (e) {
        expect(e).toBeInstanceOf(CodecError);
      }
    }));
  });
});

describe('text codings', () => {
  it('an strips 00/space/FF padding and refuses control bytes', () => {
    expect(decodeAn(fromHex('41313233000000'))).toBe('A123');
    expect(decodeAn(encodeAn('3.00', 4))).toBe('3.00');
    expect(() => decodeAn(fromHex('410102'))).toThrow(/non-printable/);
  });
  it('GBK names (社会保障 is the DF name suffix)', () => {
    expect(decodeGbk(fromHex('C9E7BBE1B1A3D5CF'))).toBe('社会保障');
    const name = encodeGbk('张测试', 30);
    expect(name.length).toBe(30);
    expect(toHex(name.subarray(0, 6))).toBe('D5C5B2E2CAD4');
    expect(decodeGbk(name)).toBe('张测试');
    expect(() => decodeGbk(fromHex('D5'))).toThrow(CodecError);
    expect(() => encodeGbk('张测试', 4)).toThrow(/needs 6 bytes/);
  });
});

describe('dates', () => {
  it('validate calendar dates', () => {
    expect(decodeDate8(fromHex('20240229'))).toEqual({ y: 2024, m: 2, d: 29 });
    expect(() => decodeDate8(fromHex('20230229'))).toThrow(/not a calendar date/);
    expect(() => decodeDate8(fromHex('20241301'))).toThrow(CodecError);
    expect(decodeDate6(fromHex('491231'))).toEqual({ y: 2049, m: 12, d: 31 });
    expect(decodeDate6(fromHex('991231')).y).toBe(1999);
    expect(decodeDateTime14(fromHex('20261122083005'))).toMatchObject({ hh: 8, mm: 30, ss: 5 });
    expect(() => decodeDateTime14(fromHex('20261122246000'))).toThrow(/invalid time/);
  });
});
