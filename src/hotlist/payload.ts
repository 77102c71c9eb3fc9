/**
 * The hotlist artefact payload (this project's format; the envelope around it is src/downloads/envelope.ts).
 *
 *   offset size
 *     0     4  magic "YKHL"
 *     4     1  format = 1
 *     5     1  type: 1 full, 2 delta (the envelope's `base` names the version a delta applies to)
 *     6     2  reserved, 0
 *     8     4  A = number of keys added (full: every key), u32 big-endian
 *    12     4  R = number of keys removed (full: 0), u32 big-endian
 *    16     4  result count: entries in the list once this payload is applied, u32 big-endian
 *    20     8  result fingerprint: XOR of all keys of the resulting list, u64 little-endian
 *    28     4  reserved, 0
 *    32   8·A  added keys, u64 little-endian, strictly ascending
 *     …   8·R  removed keys, u64 little-endian, strictly ascending, disjoint from the added keys
 *
 * The result count and fingerprint let a terminal prove that applying a delta to ITS base gave the
 * publisher's list: a terminal whose base silently diverged refuses the delta and asks for a full list.
 * Keys are little-endian so that a terminal maps them straight into its lookup array (keys.ts).
 */
import { differenceKeys, firstDisorder, intersects, keyCount, keysAsBytes, keysFromBytes, xorFold, type KeyArray } from './keys';

export const HOTLIST_PAYLOAD_MAGIC = 'YKHL';
const HEADER = 32;

export interface HotlistPayload {
  type: 'full' | 'delta';
  adds: KeyArray;
  removes: KeyArray;
  resultCount: number;
  resultXor: { hi: number; lo: number };
}

export class HotlistPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HotlistPayloadError';
  }
}

/** Parse and check a hotlist payload. Bounded: at most `maxEntries` keys in each part. */
export function decodeHotlistPayload(bytes: Uint8Array, maxEntries: number): HotlistPayload {
  if (bytes.length < HEADER) throw new HotlistPayloadError(`hotlist payload: expected at least ${HEADER} bytes, got length=${bytes.length}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const magic = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  if (magic !== HOTLIST_PAYLOAD_MAGIC) throw new HotlistPayloadError(`hotlist payload: expected magic "${HOTLIST_PAYLOAD_MAGIC}"`);
  if (bytes[4] !== 1) throw new HotlistPayloadError(`hotlist payload: format ${bytes[4]} is not supported (expected 1)`);
  const typeByte = bytes[5];
  if (typeByte !== 1 && typeByte !== 2) throw new HotlistPayloadError(`hotlist payload: type ${typeByte} is neither 1 (full) nor 2 (delta)`);
  const a = dv.getUint32(8, false);
  const r = dv.getUint32(12, false);
  const resultCount = dv.getUint32(16, false);
  const resultXor = { lo: dv.getUint32(20, true), hi: dv.getUint32(24, true) };
  if (a + r > maxEntries || resultCount > maxEntries) {
    throw new HotlistPayloadError(`hotlist payload: ${Math.max(a + r, resultCount)} entries exceed the terminal's limit of ${maxEntries} (downloads.hotlist.maxEntries)`);
  }
  if (typeByte === 1 && r !== 0) throw new HotlistPayloadError('hotlist payload: a full list cannot remove keys');
  const expected = HEADER + 8 * (a + r);
  if (bytes.length !== expected) {
    throw new HotlistPayloadError(`hotlist payload: expected ${expected} bytes for ${a} added and ${r} removed keys, got length=${bytes.length} (truncated or padded)`);
  }
  const adds = keysFromBytes(bytes.subarray(HEADER, HEADER + 8 * a));
  const removes = keysFromBytes(bytes.subarray(HEADER + 8 * a));
  let bad = firstDisorder(adds);
  if (bad >= 0) throw new HotlistPayloadError(`hotlist payload: added keys are not strictly ascending at index ${bad}`);
  bad = firstDisorder(removes);
  if (bad >= 0) throw new HotlistPayloadError(`hotlist payload: removed keys are not strictly ascending at index ${bad}`);
  if (intersects(adds, removes)) throw new HotlistPayloadError('hotlist payload: a key is both added and removed');
  if (typeByte === 1) {
    if (resultCount !== a) throw new HotlistPayloadError(`hotlist payload: result count ${resultCount} differs from the ${a} keys of a full list`);
    const x = xorFold(adds);
    if (x.hi !== resultXor.hi || x.lo !== resultXor.lo) throw new HotlistPayloadError('hotlist payload: result fingerprint does not match the keys of the full list');
  }
  return { type: typeByte === 1 ? 'full' : 'delta', adds, removes, resultCount, resultXor };
}

/** Encode a payload (publisher side). Keys must already be sorted and unique (use keys.ts helpers). */
export function encodeHotlistPayload(p: HotlistPayload): Uint8Array {
  if (p.type === 'full' && p.removes.length) throw new RangeError('hotlist payload: a full list cannot remove keys');
  if (firstDisorder(p.adds) >= 0 || firstDisorder(p.removes) >= 0) throw new RangeError('hotlist payload: keys must be sorted and unique');
  const a = keyCount(p.adds);
  const r = keyCount(p.removes);
  const out = new Uint8Array(HEADER + 8 * (a + r));
  const dv = new DataView(out.buffer);
  out.set([0x59, 0x4b, 0x48, 0x4c, 1, p.type === 'full' ? 1 : 2, 0, 0]);
  dv.setUint32(8, a, false);
  dv.setUint32(12, r, false);
  dv.setUint32(16, p.resultCount, false);
  dv.setUint32(20, p.resultXor.lo, true);
  dv.setUint32(24, p.resultXor.hi, true);
  out.set(keysAsBytes(p.adds), HEADER);
  out.set(keysAsBytes(p.removes), HEADER + 8 * a);
  return out;
}

/** A full-list payload for these keys. */
export function fullHotlistPayload(keys: KeyArray): Uint8Array {
  return encodeHotlistPayload({ type: 'full', adds: keys, removes: new Uint32Array(0), resultCount: keyCount(keys), resultXor: xorFold(keys) });
}

/** A delta payload that turns the list `from` into the list `to` (both sorted unique). */
export function deltaHotlistPayload(from: KeyArray, to: KeyArray): Uint8Array {
  return encodeHotlistPayload({ type: 'delta', adds: differenceKeys(to, from), removes: differenceKeys(from, to), resultCount: keyCount(to), resultXor: xorFold(to) });
}
