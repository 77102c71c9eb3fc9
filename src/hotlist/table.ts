/**
 * The in-memory hotlist: a large sorted base plus a small overlay (log-structured, like an LSM tree
 * with one level), immutable — applying a delta returns a new table, so lookups keep using the old one
 * until the new one is durably in force, and a crash can never leave a half-applied table in use.
 *
 *   listed(k) = (k ∈ base ∧ k ∉ removes) ∨ k ∈ adds,   with adds ∩ base = ∅ and removes ⊆ base.
 *
 * A delta of 100,000 keys touches only the overlay (≈ 1 ms of merging plus one binary search per
 * key against the base), so it never rewrites the 80 MB base; `compactAsync()` folds the overlay into a
 * new base at a quiet moment (store.maintain), or during an apply once it passes maxOverlayEntries.
 */
import { differenceKeys, EMPTY_KEYS, hasKey, keyCount, partitionByMembership, unionKeys, xorFold, xorPair, type KeyArray } from './keys';
import { keyHalves, type HotlistKey } from './key';

export interface Fingerprint {
  hi: number;
  lo: number;
}

export class HotlistTable {
  /** Number of listed keys. */
  readonly size: number;
  /** XOR of every listed key (see payload.ts: compared with the publisher's result fingerprint). */
  readonly fingerprint: Fingerprint;

  private constructor(
    readonly base: KeyArray,
    readonly adds: KeyArray,
    readonly removes: KeyArray,
    /** XOR of the base alone (cached: computing it costs ≈ 10 ms at 10M keys). */
    readonly baseXor: Fingerprint,
  ) {
    this.size = keyCount(base) - keyCount(removes) + keyCount(adds);
    this.fingerprint = xorPair(xorPair(baseXor, xorFold(removes)), xorFold(adds));
  }

  static empty(): HotlistTable {
    return new HotlistTable(EMPTY_KEYS, EMPTY_KEYS, EMPTY_KEYS, { hi: 0, lo: 0 });
  }

  /** A table from a sorted unique base and an overlay that satisfies the invariants above (not re-checked). */
  static fromParts(base: KeyArray, adds: KeyArray = EMPTY_KEYS, removes: KeyArray = EMPTY_KEYS, baseXor: Fingerprint = xorFold(base)): HotlistTable {
    return new HotlistTable(base, adds, removes, baseXor);
  }

  /** Entries held in the overlay (what compaction would fold into the base). */
  get overlaySize(): number {
    return keyCount(this.adds) + keyCount(this.removes);
  }

  hasHalves(hi: number, lo: number): boolean {
    if (hasKey(this.base, hi, lo)) return this.removes.length === 0 || !hasKey(this.removes, hi, lo);
    return this.adds.length !== 0 && hasKey(this.adds, hi, lo);
  }

  has(key: HotlistKey): boolean {
    const { hi, lo } = keyHalves(key);
    return this.hasHalves(hi, lo);
  }

  /**
   * (listed ∪ adds) \ removes, as a new table. `adds` and `removes` are sorted, unique and disjoint
   * (payload.ts checks that). Adding a listed key or removing an absent one is a no-op; the caller
   * compares the result's size and fingerprint with the publisher's.
   */
  applyDelta(adds: KeyArray, removes: KeyArray): HotlistTable {
    return this.withSplitDelta(partitionByMembership(adds, this.inBase), partitionByMembership(removes, this.inBase));
  }

  private readonly inBase = (hi: number, lo: number): boolean => hasKey(this.base, hi, lo);

  /** The overlay after a delta whose adds and removes are split by membership of the base. */
  private withSplitDelta(a: { inside: KeyArray; outside: KeyArray }, r: { inside: KeyArray; outside: KeyArray }): HotlistTable {
    // A key of the base that is re-added leaves the removes; a key outside the base is added to (or
    // removed from) the overlay's adds.
    const nextRemoves = unionKeys(differenceKeys(this.removes, a.inside), r.inside);
    const nextAdds = unionKeys(differenceKeys(this.adds, r.outside), a.outside);
    return new HotlistTable(this.base, nextAdds, nextRemoves, this.baseXor);
  }

  /**
   * applyDelta() that yields to the event loop every `slice` keys: the binary searches of a 100,000-key
   * delta against a 10M base take ≈ 50 ms, too long to hold a gate's event loop in one piece.
   */
  async applyDeltaAsync(adds: KeyArray, removes: KeyArray, slice = 8192): Promise<HotlistTable> {
    const split = async (keys: KeyArray) => {
      const parts: { inside: KeyArray; outside: KeyArray }[] = [];
      for (let o = 0; o < keys.length; o += 2 * slice) {
        parts.push(partitionByMembership(keys.subarray(o, o + 2 * slice), this.inBase));
        if (o + 2 * slice < keys.length) await new Promise<void>((r) => setImmediate(r));
      }
      const cat = (xs: KeyArray[]) => {
        const out = new Uint32Array(xs.reduce((n, x) => n + x.length, 0));
        let at = 0;
        for (const x of xs) {
          out.set(x, at);
          at += x.length;
        }
        return out;
      };
      return { inside: cat(parts.map((p) => p.inside)), outside: cat(parts.map((p) => p.outside)) };
    };
    const a = await split(adds);
    const r = await split(removes);
    return this.withSplitDelta(a, r);
  }

  /** The same list with an empty overlay (one linear merge over the base). */
  compact(): HotlistTable {
    if (this.overlaySize === 0) return this;
    const base = unionKeys(differenceKeys(this.base, this.removes), this.adds);
    return new HotlistTable(base, EMPTY_KEYS, EMPTY_KEYS, this.fingerprint);
  }

  /**
   * compact() without holding the event loop: one merge pass over the base, yielding every `slice`
   * keys (≈ 20 ms of work), so that taps keep being served while 10M keys are folded.
   */
  async compactAsync(slice = 1 << 19): Promise<HotlistTable> {
    if (this.overlaySize === 0) return this;
    const { base, adds, removes } = this;
    const out = new Uint32Array(2 * this.size);
    let i = 0;
    let j = 0;
    let k = 0;
    let o = 0;
    let budget = slice;
    while (i < base.length || k < adds.length) {
      if (--budget === 0) {
        budget = slice;
        await new Promise<void>((r) => setImmediate(r));
      }
      const bh = base[i + 1]!;
      const bl = base[i]!;
      if (i < base.length && (k >= adds.length || bh < adds[k + 1]! || (bh === adds[k + 1]! && bl < adds[k]!))) {
        // removes ⊆ base and both are sorted: advance the removes cursor alongside the base.
        while (j < removes.length && (removes[j + 1]! < bh || (removes[j + 1] === bh && removes[j]! < bl))) j += 2;
        if (j < removes.length && removes[j + 1] === bh && removes[j] === bl) j += 2;
        else {
          out[o++] = bl;
          out[o++] = bh;
        }
        i += 2;
      } else {
        out[o++] = adds[k]!;
        out[o++] = adds[k + 1]!;
        k += 2;
      }
    }
    if (o !== out.length) throw new Error(`hotlist compaction produced ${o / 2} keys, expected ${this.size}: overlay invariants broken`);
    return new HotlistTable(out, EMPTY_KEYS, EMPTY_KEYS, this.fingerprint);
  }

  /** Every listed key, sorted (allocates the full list: tests and publishing only). */
  toKeys(): KeyArray {
    return this.compact().base;
  }
}
