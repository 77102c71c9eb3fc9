import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, parseJsonBounded } from './canonical-json';
import { FirmwareError } from './errors';

describe('canonical JSON (signed bytes of metadata)', () => {
  it('sorts keys, drops whitespace, keeps array order', () => {
    expect(canonicalJson({ b: 1, a: [3, 1, { z: null, y: true }], c: 'x' })).toBe('{"a":[3,1,{"y":true,"z":null}],"b":1,"c":"x"}');
  });
  it('writes -0 as 0 and escapes strings like JSON', () => {
    expect(canonicalJson({ n: -0, s: 'a"b\\c\n\u0001é' })).toBe('{"n":0,"s":"a\\"b\\\\c\\n\\u0001é"}');
  });
  it.each([[1.5], [NaN], [Infinity], [2 ** 53], [undefined], [10n], ['\uD800'], [new Date(0)]])('refuses %s', (v) => {
    expect(() => canonicalJson({ v })).toThrow(FirmwareError);
  });
  it('refuses nesting deeper than 32', () => {
    let v: unknown = 1;
    for (let i = 0; i < 40; i++) v = [v];
    expect(() => canonicalJson(v)).toThrow(/deeper/);
  });
  it('is independent of the key order and whitespace of the input (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue().filter((v) => { try { canonicalJson(v); return true; } catch { return false; } }), (v) => {
        const once = canonicalJson(v);
        expect(canonicalJson(JSON.parse(JSON.stringify(v, null, 2)))).toBe(once);
        expect(canonicalJson(JSON.parse(once))).toBe(once);
      }),
      { numRuns: 300 },
    );
  });
  it('bounds the input before parsing', () => {
    expect(() => parseJsonBounded(new Uint8Array(11), 10, 'x.json')).toThrow(/exceeds the limit/);
    expect(() => parseJsonBounded(new Uint8Array([0xff]), 10, 'x.json')).toThrow(/UTF-8/);
    expect(() => parseJsonBounded(new TextEncoder().encode('{'), 10, 'x.json')).toThrow(/not JSON/);
  });
});
