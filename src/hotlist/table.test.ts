import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { differenceKeys, firstDisorder, hasKey, iterateKeys, keyCount, keysFromBigints, partitionByMembership, sortUnique, unionKeys, xorFold } from './keys';
import { HotlistTable } from './table';

const MAX = (1n << 64n) - 1n;
// A small pool so that random sets overlap a lot, with the edges of both 32-bit halves.
const edges = [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 0x1_0000_0001n, MAX - 1n, MAX, 0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn];
const poolKey = fc.oneof(fc.constantFrom(...edges), fc.bigInt({ min: 0n, max: MAX }), fc.bigInt({ min: 0n, max: 40n }).map((x) => x * 0x1_0000_0001n));
const keySet = fc.uniqueArray(poolKey, { maxLength: 60 });

const toSet = (a: Uint32Array) => new Set(iterateKeys(a));
const halves = (k: bigint) => [Number(k >> 32n), Number(k & 0xffff_ffffn)] as const;

describe('sorted key arrays (keys.ts) against Set', () => {
  it('keysFromBigints sorts, deduplicates, and hasKey finds exactly the members', () => {
    fc.assert(
      fc.property(fc.array(poolKey, { maxLength: 80 }), fc.array(poolKey, { maxLength: 20 }), (keys, probes) => {
        const a = keysFromBigints(keys);
        const ref = new Set(keys);
        expect(firstDisorder(a)).toBe(-1);
        expect(keyCount(a)).toBe(ref.size);
        for (const p of [...probes, ...keys]) expect(hasKey(a, ...halves(p))).toBe(ref.has(p));
      }),
      { numRuns: 300 },
    );
  });

  it('union, difference and partition match set algebra', () => {
    fc.assert(
      fc.property(keySet, keySet, (xs, ys) => {
        const a = keysFromBigints(xs);
        const b = keysFromBigints(ys);
        const A = new Set(xs);
        const B = new Set(ys);
        expect(toSet(unionKeys(a, b))).toEqual(new Set([...A, ...B]));
        expect(firstDisorder(unionKeys(a, b))).toBe(-1);
        expect(toSet(differenceKeys(a, b))).toEqual(new Set([...A].filter((x) => !B.has(x))));
        const p = partitionByMembership(a, (hi, lo) => hasKey(b, hi, lo));
        expect(toSet(p.inside)).toEqual(new Set([...A].filter((x) => B.has(x))));
        expect(toSet(p.outside)).toEqual(new Set([...A].filter((x) => !B.has(x))));
      }),
      { numRuns: 300 },
    );
  });

  it('sortUnique equals keysFromBigints on the same keys', () => {
    fc.assert(
      fc.property(fc.array(poolKey, { maxLength: 80 }), (keys) => {
        const raw = new Uint32Array(keys.length * 2);
        keys.forEach((k, i) => {
          raw[2 * i] = Number(k & 0xffff_ffffn);
          raw[2 * i + 1] = Number(k >> 32n);
        });
        expect([...sortUnique(raw)]).toEqual([...keysFromBigints(keys)]);
      }),
    );
  });

  it('firstDisorder reports a duplicate and a descent', () => {
    expect(firstDisorder(new Uint32Array([1, 0, 1, 0]))).toBe(1);
    expect(firstDisorder(new Uint32Array([0, 2, 5, 1]))).toBe(1);
    expect(firstDisorder(new Uint32Array([5, 1, 0, 2]))).toBe(-1);
  });
});

describe('HotlistTable: base + overlay, deltas and compaction, against a reference Set', () => {
  const delta = fc.record({ adds: keySet, removes: keySet, compact: fc.boolean() }).map((d) => ({ ...d, removes: d.removes.filter((r) => !d.adds.includes(r)) }));

  it('every lookup, the size and the fingerprint stay correct through random deltas and compactions', async () => {
    await fc.assert(
      fc.asyncProperty(keySet, fc.array(delta, { maxLength: 8 }), fc.array(poolKey, { maxLength: 30 }), async (initial, deltas, probes) => {
        let t = HotlistTable.fromParts(keysFromBigints(initial));
        const ref = new Set(initial);
        const everything = new Set([...initial, ...probes, ...deltas.flatMap((d) => [...d.adds, ...d.removes])]);
        for (const d of deltas) {
          const sync = t.applyDelta(keysFromBigints(d.adds), keysFromBigints(d.removes));
          t = await t.applyDeltaAsync(keysFromBigints(d.adds), keysFromBigints(d.removes), 2); // tiny slices
          expect([...t.adds, -1, ...t.removes]).toEqual([...sync.adds, -1, ...sync.removes]);
          for (const a of d.adds) ref.add(a);
          for (const r of d.removes) ref.delete(r);
          if (d.compact) {
            const sync = t.compact();
            t = await t.compactAsync(3); // tiny slices: the yielding path is exercised
            expect(t.overlaySize).toBe(0);
            expect([...t.base]).toEqual([...sync.base]);
          }
          for (const k of everything) expect(t.has(k)).toBe(ref.has(k));
          expect(t.size).toBe(ref.size);
          expect(t.fingerprint).toEqual(xorFold(keysFromBigints(ref)));
        }
        expect(toSet(t.toKeys())).toEqual(ref);
      }),
      { numRuns: 400 },
    );
  });

  it('the old table is unchanged after a delta (immutability: lookups never see half an apply)', () => {
    const t0 = HotlistTable.fromParts(keysFromBigints([1n, 2n, 3n]));
    const t1 = t0.applyDelta(keysFromBigints([4n]), keysFromBigints([1n]));
    expect([t0.has(1n), t0.has(4n), t0.size]).toEqual([true, false, 3]);
    expect([t1.has(1n), t1.has(4n), t1.size]).toEqual([false, true, 3]);
  });

  it('rejects keys outside [0, 2^64)', () => {
    const t = HotlistTable.empty();
    expect(() => t.has(-1n)).toThrow(/\[0, 2\^64\)/);
    expect(() => t.has(1n << 64n)).toThrow(RangeError);
  });
});
