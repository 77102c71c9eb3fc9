/**
 * Random and mutated inputs never crash the verifier and never approve (≥ 100,000 inputs in total
 * across the properties below, docs/ecode.md §8). Every result must be well formed, and no result may
 * come from the verifier's internal-error guard (that would be a bug hidden as "malformed").
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BASE45_ALPHABET, base45Decode } from './base45';
import { codeText } from './issue';
import { INVALID_REASONS, CANNOT_DECIDE_REASONS } from './reasons';
import { staticCodeText } from './scheme-static';
import { makeWorld, testCardId } from './test-world';
import type { VerifyResult } from './verifier';

const w = makeWorld();
const v = w.verifier({ config: { profiles: { gate: { scopes: ['transit'], acceptedSchemes: ['ykt-ecode-v1', 'ykt-static-v1'], antiPassbackSeconds: 5 } } } });
const phones = [w.phone({ card: 1 }), w.phone({ card: 2, categories: ['elderly'] })];
const valid = phones.map((p) => base45Decode(p.code().slice(5)));
const KNOWN = new Set(['ok', ...Object.keys(INVALID_REASONS), ...Object.keys(CANNOT_DECIDE_REASONS)]);
let total = 0;

function check(r: VerifyResult, mayBeValid = false): void {
  total++;
  expect(KNOWN.has(r.reason)).toBe(true);
  expect(r.detail ?? '').not.toMatch(/^internal error/);
  if (!mayBeValid) {
    expect(r.outcome).not.toBe('valid');
    expect(r.decision.outcome).not.toBe('approved');
  }
}

const b45char = fc.constantFrom(...BASE45_ALPHABET.split(''));

describe('verifier fuzzing', () => {
  it('random strings (any unicode, any length)', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (s) => check(v.verify(s, { profile: 'gate' }))), { numRuns: 30_000 });
  });

  it('random base45 bodies behind the real prefixes', () => {
    fc.assert(
      fc.property(fc.constantFrom('YKE1:', 'YKS1:', 'YKE2:', ''), fc.array(b45char, { minLength: 300, maxLength: 340 }), (prefix, chars) => check(v.verify(prefix + chars.join(''), { profile: 'gate' }))),
      { numRuns: 25_000 },
    );
  });

  it('random bytes of plausible length, base45-encoded', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 200, maxLength: 230 }), (b) => check(v.verify(codeText(b), { profile: 'gate' }))), { numRuns: 15_000 });
  });

  it('mutated valid codes: byte flips, truncation, insertion, splicing two codes', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('splice' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.nat({ max: valid.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (which, muts) => {
        let b: Uint8Array = valid[which]!.slice();
        for (const m of muts) {
          const at = m.at % (b.length + 1);
          if (m.kind === 'flip' && at < b.length) b[at]! ^= m.mask;
          else if (m.kind === 'cut') b = b.subarray(0, at);
          else if (m.kind === 'insert') b = new Uint8Array([...b.subarray(0, at), m.byte, ...b.subarray(at)]);
          else if (m.kind === 'splice') b = new Uint8Array([...b.subarray(0, at), ...valid[1 - which]!.subarray(at)]);
        }
        const same = valid.some((x) => x.length === b.length && x.every((y, i) => y === b[i]));
        check(v.verify(codeText(b), { profile: 'gate' }), same);
      }),
      { numRuns: 20_000 },
    );
  });

  it('text-level damage to valid codes (what a bad scan does): dropped, doubled, swapped characters', () => {
    const texts = phones.map((p) => p.code()).concat(staticCodeText(testCardId(9)));
    fc.assert(
      fc.property(fc.nat({ max: texts.length - 1 }), fc.nat(), fc.constantFrom('drop', 'double', 'swap', 'case', 'junk'), fc.string({ maxLength: 3 }), (which, at0, op, junk) => {
        const t = texts[which]!;
        const at = at0 % t.length;
        let m = t;
        if (op === 'drop') m = t.slice(0, at) + t.slice(at + 1);
        else if (op === 'double') m = t.slice(0, at) + t[at] + t.slice(at);
        else if (op === 'swap' && at + 1 < t.length) m = t.slice(0, at) + t[at + 1] + t[at] + t.slice(at + 2);
        else if (op === 'case') m = t.slice(0, at) + t[at]!.toLowerCase() + t.slice(at + 1);
        else if (op === 'junk') m = t.slice(0, at) + junk + t.slice(at);
        check(v.verify(m, { profile: 'gate', consume: false }), m === t);
      }),
      { numRuns: 12_000 },
    );
  });

  it('covered at least 100,000 inputs', () => {
    expect(total).toBeGreaterThanOrEqual(100_000);
  });
});
