// Vectors from RFC 9285 "The Base45 Data Encoding", §4.3 and §4.4 (SOURCE: https://www.rfc-editor.org/rfc/rfc9285).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { base45Decode, base45DecodedLength, base45Encode, base45EncodedLength, Base45Error, base45InvalidAt } from './base45';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe('base45 (RFC 9285)', () => {
  it.each([
    ['AB', 'BB8'],
    ['Hello!!', '%69 VD92EX0'],
    ['base-45', 'UJCLQE7W581'],
    ['ietf!', 'QED8WEX0'],
    ['', ''],
  ])('encodes %j as %j and back', (plain, text) => {
    expect(base45Encode(enc(plain))).toBe(text);
    expect(dec(base45Decode(text))).toBe(plain);
  });

  it('refuses characters outside the alphabet, dangling characters and overflowing groups', () => {
    expect(() => base45Decode('QED8wEX0')).toThrow(Base45Error); // lower case is not in the alphabet
    expect(() => base45Decode('QED8WEX0AB')).toThrow(/dangling/); // length % 3 == 1
    expect(() => base45Decode('GGW')).toThrow(/65535/); // 16 + 16·45 + 32·2025 = 65536
    expect(() => base45Decode('ZZ')).toThrow(/255/); // 35 + 35·45 > 255
    expect(() => base45Decode('中文')).toThrow(Base45Error);
  });

  it('round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      const text = base45Encode(b);
      expect(base45Decode(text)).toEqual(b);
      expect(text.length).toBe(base45EncodedLength(b.length));
      expect(base45DecodedLength(text.length)).toBe(b.length);
      expect(base45InvalidAt(text)).toBe(-1);
    }), { numRuns: 2000 });
  });

  it('finds the first character outside the alphabet', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(), fc.constantFrom('a', '_', '#', '\u00e9', '中', '\n'), (b, at0, bad) => {
      const text = base45Encode(b);
      const at = at0 % (text.length + 1);
      expect(base45InvalidAt(text.slice(0, at) + bad + text.slice(at))).toBe(at);
    }), { numRuns: 500 });
  });
});
