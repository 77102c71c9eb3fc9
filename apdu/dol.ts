/**
 * Data Object Lists (PDOL, CDOL1/2, DDOL, TDOL; EMV Book 3 §5.4): a list of tag ‖ length pairs, and the
 * concatenated values the terminal builds from it.
 *
 * Building rules (EMV Book 3 §5.4):
 * - known data, right length: as is;
 * - longer than asked: format n is truncated on the left, anything else on the right;
 * - shorter than asked: n is padded with leading zeros, cn with trailing F, others with trailing 00;
 * - unknown or absent data: zeros of the requested length;
 * - a constructed tag in a DOL is filled with zeros.
 */
import { ProtocolError } from '../src/core/errors';
import { EMV_TAGS, type TagInfo } from './tags';
import { tagHex } from './tlv';

export interface DolEntry {
  tag: number;
  length: number;
}

export function parseDol(bytes: Uint8Array, maxEntries = 64): DolEntry[] {
  const out: DolEntry[] = [];
  let i = 0;
  while (i < bytes.length) {
    const start = i;
    let tag = bytes[i++]!;
    if ((tag & 0x1f) === 0x1f) {
      let n = 1;
      for (;;) {
        if (i >= bytes.length) throw new ProtocolError(`DOL: truncated tag at ${start}`, 'dol');
        const b = bytes[i++]!;
        if (++n > 4) throw new ProtocolError(`DOL: tag longer than 4 bytes at ${start}`, 'dol');
        tag = tag * 256 + b;
        if ((b & 0x80) === 0) break;
      }
    }
    if (i >= bytes.length) throw new ProtocolError(`DOL: tag ${tagHex(tag)} has no length`, 'dol');
    const length = bytes[i++]!;
    if (length > 0x7f) throw new ProtocolError(`DOL: tag ${tagHex(tag)} length byte ${length} is not a single-byte length`, 'dol');
    out.push({ tag, length });
    if (out.length > maxEntries) throw new ProtocolError(`DOL: more than ${maxEntries} entries`, 'dol');
  }
  return out;
}

export function dolLength(dol: readonly DolEntry[]): number {
  return dol.reduce((n, e) => n + e.length, 0);
}

export type DolSource = (tag: number) => Uint8Array | undefined;

export function buildDolData(dol: readonly DolEntry[], source: DolSource | ReadonlyMap<number, Uint8Array>, dict: ReadonlyMap<number, TagInfo> = EMV_TAGS): Uint8Array {
  const get: DolSource = typeof source === 'function' ? source : (t) => source.get(t);
  const out = new Uint8Array(dolLength(dol));
  let o = 0;
  for (const { tag, length } of dol) {
    const constructed = (firstByte(tag) & 0x20) !== 0;
    const v = constructed ? undefined : get(tag);
    if (v && length > 0) out.set(fit(v, length, dict.get(tag)?.format), o);
    // absent: already zero
    o += length;
  }
  return out;
}

function firstByte(tag: number): number {
  let t = tag;
  while (t > 0xff) t = Math.floor(t / 256);
  return t;
}

function fit(v: Uint8Array, length: number, format: string | undefined): Uint8Array {
  if (v.length === length) return v;
  if (v.length > length) return format === 'n' ? v.subarray(v.length - length) : v.subarray(0, length);
  const out = new Uint8Array(length);
  if (format === 'n') out.set(v, length - v.length);
  else {
    out.set(v, 0);
    if (format === 'cn') out.fill(0xff, v.length);
  }
  return out;
}

/** Split DOL-built data back into values by tag (for the card side and for logs). */
export function splitDolData(dol: readonly DolEntry[], data: Uint8Array): Map<number, Uint8Array> {
  if (data.length !== dolLength(dol)) throw new ProtocolError(`DOL data: expected ${dolLength(dol)} bytes, got ${data.length}`, 'dol');
  const out = new Map<number, Uint8Array>();
  let o = 0;
  for (const { tag, length } of dol) {
    out.set(tag, data.subarray(o, o + length));
    o += length;
  }
  return out;
}
