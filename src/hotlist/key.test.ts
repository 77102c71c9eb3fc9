import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatHotlistKey, hexKeyHalves, hotlistKey, hotlistKeyHalves, keyHalves, normaliseHotlistId, parseHotlistKey } from './key';

describe('hotlistKey: one key space, domain-separated, no ids in clear', () => {
  it('is the first 8 bytes of SHA-256("YKT-HOTLIST-V1\\0" ‖ kind ‖ 0x00 ‖ id), big-endian', () => {
    // Computed independently of key.ts (same definition, written out).
    const want = createHash('sha256').update(Buffer.from('YKT-HOTLIST-V1\0pan\x006222021234567890123', 'latin1')).digest().subarray(0, 8).toString('hex');
    expect(formatHotlistKey(hotlistKey('pan', '6222021234567890123'))).toBe(want);
  });

  it('fixed vectors (regression: a change here invalidates every published hotlist)', () => {
    // Synthetic ids; keys computed once with this definition and frozen.
    expect(formatHotlistKey(hotlistKey('ssc', 'A12345678'))).toBe('a5397637d5155ad4');
    expect(formatHotlistKey(hotlistKey('pan', '6222021234567890123'))).toBe('58f550eea8e7bd8f');
    expect(formatHotlistKey(hotlistKey('tunion', '31040000000000123456'))).toBe('5d7ace6394f0cb43');
    expect(formatHotlistKey(hotlistKey('ecode-cert', 'EC-0001-abc'))).toBe('3977d811b09c7400');
  });

  it('the same id under two kinds gives two keys (domain separation)', () => {
    expect(hotlistKey('ssc', '123456789')).not.toBe(hotlistKey('ecode-cert', '123456789'));
  });

  it('normalises case and surrounding space where the kind is case-insensitive', () => {
    expect(hotlistKey('ssc', ' a12345678 ')).toBe(hotlistKey('ssc', 'A12345678'));
    expect(hotlistKey('tunion', '31040000000000abcdef')).toBe(hotlistKey('tunion', '31040000000000ABCDEF'));
    expect(hotlistKey('ecode-cert', 'abC')).not.toBe(hotlistKey('ecode-cert', 'ABC'));
  });

  it('refuses malformed ids without echoing them', () => {
    expect(() => normaliseHotlistId('pan', '6222 0212 3456')).toThrow(/12–19 digits/);
    let refusal: unknown;
    try {
      normaliseHotlistId('pan', '62220212345X');
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(RangeError); // it must refuse, and say why without the id
    expect(String(refusal)).toMatch(/12–19 digits/);
    expect(String(refusal)).not.toContain('62220212345');
    expect(() => normaliseHotlistId('ssc', 'A1')).toThrow(RangeError);
    expect(() => normaliseHotlistId('tunion', 'XYZ0000000000000')).toThrow(/hex digits/);
    expect(() => normaliseHotlistId('nope' as never, '1')).toThrow(/expected one of ssc, pan, tunion, ecode-cert/);
  });

  it('halves, hex form and bigint form agree', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{12,19}$/), (pan) => {
        const k = hotlistKey('pan', pan);
        expect(hotlistKeyHalves('pan', pan)).toEqual(keyHalves(k));
        expect(hexKeyHalves(formatHotlistKey(k))).toEqual(keyHalves(k));
        expect(parseHotlistKey(formatHotlistKey(k))).toBe(k);
      }),
    );
    expect(() => hexKeyHalves('xyz')).toThrow(/16 hex digits/);
  });
});
