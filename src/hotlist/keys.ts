/**
 * Sorted arrays of 64-bit keys, the structure chosen by measurement (docs/downloads.md, bench/hotlist.ts):
 * a Uint32Array of 2n words laid out as n little-endian u64 values — word 2i is the low half of key i,
 * word 2i+1 the high half — sorted ascending without duplicates. The same bytes are the on-disk and
 * on-the-wire format, so a file is loaded by reading it into an aligned buffer, with no parsing.
 *
 * Comparisons use the two halves as plain numbers: reading a BigUint64Array element allocates a BigInt,
 * which costs more than the whole binary search.
 */
import { endianness } from 'node:os';

/** Sorted unique keys, [lo0, hi0, lo1, hi1, …]. */
export type KeyArray = Uint32Array;

export const EMPTY_KEYS: KeyArray = new Uint32Array(0);

if (endianness() !== 'LE') {
  // Every SoC in scope (ARM, x86) runs little-endian; a big-endian host would need byte swaps on load.
  throw new Error('hotlist: the key file format is little-endian and this host is big-endian (not supported)');
}

export const keyCount = (a: KeyArray): number => a.length >>> 1;

export function keyAt(a: KeyArray, i: number): bigint {
  return (BigInt(a[2 * i + 1]!) << 32n) | BigInt(a[2 * i]!);
}

/** Binary search for (hi, lo). */
export function hasKey(a: KeyArray, hi: number, lo: number): boolean {
  let l = 0;
  let r = (a.length >>> 1) - 1;
  while (l <= r) {
    const m = (l + r) >>> 1;
    const mh = a[2 * m + 1]!;
    if (mh < hi) l = m + 1;
    else if (mh > hi) r = m - 1;
    else {
      const ml = a[2 * m]!;
      if (ml < lo) l = m + 1;
      else if (ml > lo) r = m - 1;
      else return true;
    }
  }
  return false;
}

/** Index of the first pair that is not strictly above its predecessor, or -1 if the array is sorted and unique. */
export function firstDisorder(a: KeyArray): number {
  const n = a.length >>> 1;
  for (let i = 1; i < n; i++) {
    const ph = a[2 * i - 1]!;
    const h = a[2 * i + 1]!;
    if (h < ph || (h === ph && a[2 * i]! <= a[2 * i - 2]!)) return i;
  }
  return -1;
}

/** Build a sorted unique KeyArray from bigints (any order, duplicates allowed). */
export function keysFromBigints(keys: Iterable<bigint>): KeyArray {
  const arr = BigUint64Array.from(keys);
  arr.sort();
  let n = 0;
  for (let i = 0; i < arr.length; i++) if (i === 0 || arr[i] !== arr[n - 1]) arr[n++] = arr[i]!;
  return new Uint32Array(arr.buffer, 0, 2 * n).slice();
}

/** Sort and deduplicate keys given in any order (returns a new array; the input is left as it was). */
export function sortUnique(a: KeyArray): KeyArray {
  const u64 = new BigUint64Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  u64.sort();
  const w = new Uint32Array(u64.buffer);
  let n = 0;
  const total = u64.length;
  for (let i = 0; i < total; i++) {
    const lo = w[2 * i]!;
    const hi = w[2 * i + 1]!;
    if (n > 0 && w[2 * n - 1] === hi && w[2 * n - 2] === lo) continue;
    w[2 * n] = lo;
    w[2 * n + 1] = hi;
    n++;
  }
  return w.subarray(0, 2 * n);
}

export function* iterateKeys(a: KeyArray): Generator<bigint> {
  for (let i = 0; i < a.length >>> 1; i++) yield keyAt(a, i);
}

const cmp = (ah: number, al: number, bh: number, bl: number): number => (ah !== bh ? (ah < bh ? -1 : 1) : al !== bl ? (al < bl ? -1 : 1) : 0);

/** a ∪ b (both sorted unique). */
export function unionKeys(a: KeyArray, b: KeyArray): KeyArray {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const c = cmp(a[i + 1]!, a[i]!, b[j + 1]!, b[j]!);
    if (c <= 0) {
      out[k++] = a[i]!;
      out[k++] = a[i + 1]!;
      i += 2;
      if (c === 0) j += 2;
    } else {
      out[k++] = b[j]!;
      out[k++] = b[j + 1]!;
      j += 2;
    }
  }
  if (i < a.length) {
    out.set(a.subarray(i), k);
    k += a.length - i;
  }
  if (j < b.length) {
    out.set(b.subarray(j), k);
    k += b.length - j;
  }
  return k === out.length ? out : out.slice(0, k);
}

/** a \ b (both sorted unique). */
export function differenceKeys(a: KeyArray, b: KeyArray): KeyArray {
  if (a.length === 0 || b.length === 0) return a;
  const out = new Uint32Array(a.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length) {
    if (j >= b.length) {
      out.set(a.subarray(i), k);
      k += a.length - i;
      break;
    }
    const c = cmp(a[i + 1]!, a[i]!, b[j + 1]!, b[j]!);
    if (c < 0) {
      out[k++] = a[i]!;
      out[k++] = a[i + 1]!;
      i += 2;
    } else if (c > 0) j += 2;
    else {
      i += 2;
      j += 2;
    }
  }
  return k === out.length ? out : out.slice(0, k);
}

/** Whether two sorted unique arrays share a key (linear merge). */
export function intersects(a: KeyArray, b: KeyArray): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const c = cmp(a[i + 1]!, a[i]!, b[j + 1]!, b[j]!);
    if (c === 0) return true;
    if (c < 0) i += 2;
    else j += 2;
  }
  return false;
}

/** Split sorted `a` into the keys present in `set` and the others (both stay sorted). */
export function partitionByMembership(a: KeyArray, has: (hi: number, lo: number) => boolean): { inside: KeyArray; outside: KeyArray } {
  const inside = new Uint32Array(a.length);
  const outside = new Uint32Array(a.length);
  let ki = 0;
  let ko = 0;
  for (let i = 0; i < a.length; i += 2) {
    const lo = a[i]!;
    const hi = a[i + 1]!;
    if (has(hi, lo)) {
      inside[ki++] = lo;
      inside[ki++] = hi;
    } else {
      outside[ko++] = lo;
      outside[ko++] = hi;
    }
  }
  return { inside: inside.slice(0, ki), outside: outside.slice(0, ko) };
}

/** XOR of all keys, as [hi, lo] — a cheap, incrementally maintained fingerprint of a set. */
export function xorFold(a: KeyArray): { hi: number; lo: number } {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < a.length; i += 2) {
    lo ^= a[i]!;
    hi ^= a[i + 1]!;
  }
  return { hi: hi >>> 0, lo: lo >>> 0 };
}

export function xorPair(a: { hi: number; lo: number }, b: { hi: number; lo: number }): { hi: number; lo: number } {
  return { hi: (a.hi ^ b.hi) >>> 0, lo: (a.lo ^ b.lo) >>> 0 };
}

/**
 * A KeyArray over bytes holding LE u64 keys: a view when the bytes are 4-byte aligned (no copy — the
 * caller must not modify them afterwards; publisher.ts aligns payloads so that a downloaded 80 MB list
 * is used in place), a copy otherwise.
 */
export function keysFromBytes(bytes: Uint8Array): KeyArray {
  if (bytes.length % 8 !== 0) throw new RangeError(`hotlist keys: expected a multiple of 8 bytes, got length=${bytes.length}`);
  if (bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Uint32Array(copy.buffer);
}

export function keysAsBytes(a: KeyArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
