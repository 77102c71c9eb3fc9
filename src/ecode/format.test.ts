import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { base45Decode } from './base45';
import { holderTokenFromBytes, holderTokenToBytes } from '../core/holder-token';
import { CERT_LENGTH, CODE_LENGTH, CODE_LENGTH_WITH_CHALLENGE, EcodeFormatError, parseCertificate, parseCode } from './format';
import { YKE1_PREFIX } from './scheme-yke1';
import { makeWorld, T0 } from './test-world';

const vector = JSON.parse(readFileSync(new URL('./fixtures/yke1-vector.json', import.meta.url), 'utf8')) as { code: string; holderToken: string; serial: string; scope: string };

function fault(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof EcodeFormatError) return e.fault;
    throw e;
  }
  return 'none';
}

describe('YKE1 format', () => {
  it('is byte-for-byte the golden vector (deterministic keys, fixtures/yke1-vector.json)', () => {
    const w = makeWorld({ deterministic: true });
    const p = w.phone({ deterministic: 'golden', categories: ['elderly'] });
    const code = p.code({ counter: 7, timestampMs: T0, scope: 'transit' });
    expect(code).toBe(vector.code);
    expect(p.holderToken).toBe(vector.holderToken);
  });

  it('has the documented sizes: 217 bytes, 331 characters with the prefix; 221 with a challenge', () => {
    const w = makeWorld();
    const p = w.phone();
    const text = p.code();
    expect(text.startsWith(YKE1_PREFIX)).toBe(true);
    expect(text.length).toBe(331);
    expect(base45Decode(text.slice(5)).length).toBe(CODE_LENGTH);
    const withChallenge = p.code({ challenge: new Uint8Array([1, 2, 3, 4]) });
    expect(base45Decode(withChallenge.slice(5)).length).toBe(CODE_LENGTH_WITH_CHALLENGE);
  });

  it('parses what it encodes', () => {
    const w = makeWorld({ deterministic: true });
    const p = w.phone({ deterministic: 'golden', categories: ['elderly', 'disabled'], region: '440100' });
    const bytes = base45Decode(p.code({ counter: 9, timestampMs: T0 + 5000, scope: 'medical', challenge: new Uint8Array([9, 8, 7, 6]) }).slice(5));
    const c = parseCode(bytes);
    expect(c.counter).toBe(9);
    expect(c.timestamp).toBe((T0 + 5000) / 1000);
    expect(c.scope).toBe(2);
    expect([...c.challenge!]).toEqual([9, 8, 7, 6]);
    expect(c.cert.region).toBe('440100');
    expect(c.cert.categoryBits).toBe(0b1010);
    expect(c.cert.holderToken).toBe(p.holderToken);
    expect(c.cert.bytes).toEqual(p.cert);
    expect(c.signed.length + 64).toBe(bytes.length);
  });

  it('names the fault of a damaged code', () => {
    const w = makeWorld();
    const bytes = base45Decode(w.phone().code().slice(5));
    expect(fault(() => parseCode(bytes.subarray(0, CODE_LENGTH - 1)))).toBe('truncated');
    expect(fault(() => parseCode(bytes.subarray(0, 100)))).toBe('truncated');
    expect(fault(() => parseCode(new Uint8Array([...bytes, 0])))).toBe('malformed');
    const v2 = bytes.slice();
    v2[0] = 2;
    expect(fault(() => parseCode(v2))).toBe('unsupported-version');
    const flags = bytes.slice();
    flags[CERT_LENGTH + 9] = 0x80;
    expect(fault(() => parseCode(flags))).toBe('malformed');
    const bcd = bytes.slice();
    bcd[33] = 0xa1;
    expect(fault(() => parseCertificate(bcd))).toBe('malformed');
    const validity = bytes.slice();
    validity.set([0xff, 0xff, 0xff, 0xff], 39); // valid from > valid to
    expect(fault(() => parseCertificate(validity))).toBe('malformed');
  });

  it('carries the holder token as 16 bytes, canonically', () => {
    const w = makeWorld();
    const t = w.phone().holderToken;
    expect(holderTokenFromBytes(holderTokenToBytes(t))).toBe(t);
    expect(() => holderTokenToBytes(t.slice(0, 25) + '7')).toThrow(/padding/); // '7' sets the 2 padding bits
    expect(() => holderTokenToBytes(t.slice(0, 25))).toThrow(/26/);
    expect(() => holderTokenToBytes(t.slice(0, 25) + '1')).toThrow(/base32/);
  });
});
