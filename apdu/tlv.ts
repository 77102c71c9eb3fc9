/**
 * BER-TLV as used by ISO/IEC 7816-4 §5.2 and EMV Book 3 Annex B, with bounds (STYLE.md §6).
 *
 * - Tags of 1..4 bytes (held as an unsigned number: 0x9F4B, 0xBF0C, 0xDF8101).
 * - Definite lengths only, in the short form or long form with 1..4 length bytes (0x81..0x84).
 *   The indefinite form (0x80) is refused: EMV and 7816-4 data objects never use it.
 * - '00' bytes before, between and after data objects are padding (EMV Book 3 Annex B1; 7816-4 also
 *   names 'FF'). Padding is skipped when `skipPadding` is on (the default).
 * - Every node keeps `raw`, the exact bytes it was decoded from, for signatures and hashes.
 * Malformed input throws TlvError (a ProtocolError) with a reason and the offset; nothing else.
 */
import { ProtocolError } from '../src/core/errors';
import { toHex } from './hex';

export interface Tlv {
  tag: number;
  constructed: boolean;
  /** The value bytes (for a constructed node: the encoded children). */
  value: Uint8Array;
  /** Decoded children of a constructed node. */
  children?: Tlv[];
  /** The exact encoded bytes of this node (tag ‖ length ‖ value). */
  raw: Uint8Array;
}

export interface TlvLimits {
  maxDepth?: number;
  maxNodes?: number;
  maxLength?: number;
  /** Decode constructed values into children (default true). */
  recurse?: boolean;
  /** Skip 00 (and FF) padding bytes between objects (default true). */
  skipPadding?: boolean;
}

export type TlvErrorReason =
  | 'truncated-tag'
  | 'tag-too-long'
  | 'truncated-length'
  | 'indefinite-length'
  | 'length-too-long'
  | 'value-overflows'
  | 'too-deep'
  | 'too-many-nodes'
  | 'input-too-long'
  | 'not-found';

export class TlvError extends ProtocolError {
  constructor(
    readonly tlvReason: TlvErrorReason,
    readonly offset: number,
    detail: string,
  ) {
    super(`BER-TLV ${tlvReason} at offset ${offset}: ${detail}`, `tlv/${tlvReason}`);
  }
}

const DEFAULTS: Required<TlvLimits> = { maxDepth: 16, maxNodes: 4096, maxLength: 1 << 20, recurse: true, skipPadding: true };

export const isConstructedTag = (tag: number): boolean => (firstTagByte(tag) & 0x20) !== 0;

function firstTagByte(tag: number): number {
  let t = tag >>> 0;
  while (t > 0xff) t = Math.floor(t / 256);
  return t;
}

export function tagHex(tag: number): string {
  const s = (tag >>> 0).toString(16).toUpperCase();
  return s.length % 2 ? '0' + s : s;
}

/** Decode a sequence of data objects. */
export function decodeTlv(bytes: Uint8Array, limits: TlvLimits = {}): Tlv[] {
  const lim = { ...DEFAULTS, ...limits };
  if (bytes.length > lim.maxLength) throw new TlvError('input-too-long', 0, `${bytes.length} bytes > limit ${lim.maxLength}`);
  const state = { nodes: 0 };
  return decodeSeq(bytes, 0, bytes.length, 1, lim, state);
}

/** Decode exactly one data object that spans the whole input (trailing padding allowed). */
export function decodeTlvOne(bytes: Uint8Array, limits: TlvLimits = {}): Tlv {
  const nodes = decodeTlv(bytes, limits);
  if (nodes.length !== 1) throw new TlvError('not-found', 0, `expected exactly one data object, got ${nodes.length}`);
  return nodes[0]!;
}

function decodeSeq(buf: Uint8Array, start: number, end: number, depth: number, lim: Required<TlvLimits>, state: { nodes: number }): Tlv[] {
  if (depth > lim.maxDepth) throw new TlvError('too-deep', start, `nesting deeper than ${lim.maxDepth}`);
  const out: Tlv[] = [];
  let i = start;
  while (i < end) {
    const b0 = buf[i]!;
    if (lim.skipPadding && (b0 === 0x00 || b0 === 0xff)) {
      i++;
      continue;
    }
    const nodeStart = i;
    // tag
    let tag = b0;
    i++;
    if ((b0 & 0x1f) === 0x1f) {
      let n = 1;
      for (;;) {
        if (i >= end) throw new TlvError('truncated-tag', nodeStart, `tag ${toHex(buf.subarray(nodeStart, i))} needs more bytes`);
        const b = buf[i++]!;
        if (++n > 4) throw new TlvError('tag-too-long', nodeStart, 'tags longer than 4 bytes are not supported');
        tag = tag * 256 + b;
        if ((b & 0x80) === 0) break;
      }
    }
    // length
    if (i >= end) throw new TlvError('truncated-length', i, `tag ${tagHex(tag)} has no length`);
    let len = buf[i++]!;
    if (len === 0x80) throw new TlvError('indefinite-length', i - 1, `tag ${tagHex(tag)}`);
    if (len > 0x80) {
      const nb = len & 0x7f;
      if (nb > 4) throw new TlvError('length-too-long', i - 1, `${nb} length bytes for tag ${tagHex(tag)}`);
      if (i + nb > end) throw new TlvError('truncated-length', i, `tag ${tagHex(tag)} needs ${nb} length bytes`);
      len = 0;
      for (let k = 0; k < nb; k++) len = len * 256 + buf[i++]!;
    }
    if (len > end - i) throw new TlvError('value-overflows', nodeStart, `tag ${tagHex(tag)} declares ${len} bytes, ${end - i} remain`);
    if (++state.nodes > lim.maxNodes) throw new TlvError('too-many-nodes', nodeStart, `more than ${lim.maxNodes} data objects`);
    const constructed = (b0 & 0x20) !== 0;
    const value = buf.subarray(i, i + len);
    const node: Tlv = { tag, constructed, value, raw: buf.subarray(nodeStart, i + len) };
    if (constructed && lim.recurse) node.children = decodeSeq(buf, i, i + len, depth + 1, lim, state);
    out.push(node);
    i += len;
  }
  return out;
}

/** Depth-first search for the first node with this tag. */
export function findTlv(nodes: readonly Tlv[], tag: number): Tlv | undefined {
  for (const n of nodes) {
    if (n.tag === tag) return n;
    if (n.children) {
      const f = findTlv(n.children, tag);
      if (f) return f;
    }
  }
  return undefined;
}

/** All nodes with this tag, depth first. */
export function findAllTlv(nodes: readonly Tlv[], tag: number, out: Tlv[] = []): Tlv[] {
  for (const n of nodes) {
    if (n.tag === tag) out.push(n);
    if (n.children) findAllTlv(n.children, tag, out);
  }
  return out;
}

/** Value of the first node with this tag, or undefined. */
export function tlvValue(nodes: readonly Tlv[], tag: number): Uint8Array | undefined {
  return findTlv(nodes, tag)?.value;
}

/** Flatten primitive leaves into a map (first occurrence wins, as EMV requires unique tags). */
export function primitiveMap(nodes: readonly Tlv[], out = new Map<number, Uint8Array>()): Map<number, Uint8Array> {
  for (const n of nodes) {
    if (n.children) primitiveMap(n.children, out);
    else if (!n.constructed && !out.has(n.tag)) out.set(n.tag, n.value);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoding (minimal DER-style lengths)

export function encodeTag(tag: number): Uint8Array {
  if (!Number.isInteger(tag) || tag <= 0 || tag > 0xffffffff) throw new RangeError(`tag: expected 1..0xFFFFFFFF, got ${tag}`);
  const bytes: number[] = [];
  let t = tag >>> 0;
  do {
    bytes.unshift(t & 0xff);
    t = Math.floor(t / 256);
  } while (t > 0);
  // Validate the tag structure so encode∘decode round-trips.
  const multi = (bytes[0]! & 0x1f) === 0x1f;
  if (!multi && bytes.length !== 1) throw new RangeError(`tag ${tagHex(tag)}: first byte does not announce subsequent bytes`);
  if (multi) {
    if (bytes.length === 1) throw new RangeError(`tag ${tagHex(tag)}: announces subsequent bytes but has none`);
    for (let k = 1; k < bytes.length; k++) {
      const more = (bytes[k]! & 0x80) !== 0;
      if (more !== (k < bytes.length - 1)) throw new RangeError(`tag ${tagHex(tag)}: bad continuation bit in byte ${k}`);
    }
  }
  return Uint8Array.from(bytes);
}

export function encodeLength(len: number): Uint8Array {
  if (!Number.isInteger(len) || len < 0 || len > 0xffffffff) throw new RangeError(`length: expected 0..2^32-1, got ${len}`);
  if (len < 0x80) return Uint8Array.of(len);
  const bytes: number[] = [];
  let l = len;
  while (l > 0) {
    bytes.unshift(l & 0xff);
    l = Math.floor(l / 256);
  }
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}

/** What encodeTlv takes: a primitive value or children. */
export interface TlvInput {
  tag: number;
  value?: Uint8Array;
  children?: TlvInput[];
}

export function encodeTlv(input: TlvInput | readonly TlvInput[]): Uint8Array {
  const list = Array.isArray(input) ? input : [input as TlvInput];
  const parts: Uint8Array[] = [];
  let n = 0;
  for (const node of list) {
    const value = node.children ? encodeTlv(node.children) : (node.value ?? new Uint8Array(0));
    const t = encodeTag(node.tag);
    const l = encodeLength(value.length);
    parts.push(t, l, value);
    n += t.length + l.length + value.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Builder: tlv(0x5A, pan) or tlv(0x70, [tlv(...), ...]). */
export function tlv(tag: number, content: Uint8Array | TlvInput[]): TlvInput {
  return content instanceof Uint8Array ? { tag, value: content } : { tag, children: content };
}
