/**
 * Field codings used on cards (EMV Book 3 §4.3; SSSE file spec as summarised in DOMAIN.md §1.1):
 *   n   numeric BCD, right-justified, leading zeros (amounts n12 = 6 bytes, in fen);
 *   cn  compressed numeric, left-justified, trailing 'F' nibbles (PAN; SSSE numeric fields);
 *   an  alphanumeric ASCII (SSSE pads with 00, EMV with spaces);
 *   GBK text (names on social security cards).
 * Dates from cards are BCD and validated (STYLE.md §7): a bad date is a CodecError, never a guess.
 */
import { ProtocolError } from '../src/core/errors';
import { toHex } from './hex';

export class CodecError extends ProtocolError {
  constructor(message: string) {
    super(message, 'codec');
  }
}

/** Every nibble must be 0..9. Returns the digit string. */
export function decodeBcd(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    const hi = b >> 4;
    const lo = b & 15;
    if (hi > 9 || lo > 9) throw new CodecError(`BCD: invalid byte ${toHex(Uint8Array.of(b))} in ${toHex(bytes)}`);
    s += String.fromCharCode(48 + hi, 48 + lo);
  }
  return s;
}

export function encodeBcd(digits: string): Uint8Array {
  if (!/^\d*$/.test(digits) || digits.length % 2) throw new RangeError(`BCD: expected an even number of digits, got "${digits}"`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = ((digits.charCodeAt(2 * i) - 48) << 4) | (digits.charCodeAt(2 * i + 1) - 48);
  return out;
}

/** Format n: a safe integer (e.g. n12 amount in fen: up to 999 999 999 999 < 2^53). */
export function decodeN(bytes: Uint8Array): number {
  const s = decodeBcd(bytes);
  const v = Number(s === '' ? '0' : s);
  if (!Number.isSafeInteger(v)) throw new CodecError(`numeric ${toHex(bytes)} exceeds the safe integer range`);
  return v;
}

export function encodeN(value: number, length: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`n: expected a whole number >= 0, got ${value}`);
  const s = String(value);
  if (s.length > 2 * length) throw new RangeError(`n: ${value} does not fit in ${length} bytes`);
  return encodeBcd(s.padStart(2 * length, '0'));
}

/** Format cn: digits up to the first F nibble; after an F only F may follow. */
export function decodeCn(bytes: Uint8Array): string {
  let s = '';
  let ended = false;
  for (const b of bytes) {
    for (const nib of [b >> 4, b & 15]) {
      if (nib === 15) {
        ended = true;
        continue;
      }
      if (ended || nib > 9) throw new CodecError(`cn: invalid nibble in ${toHex(bytes)}`);
      s += String.fromCharCode(48 + nib);
    }
  }
  return s;
}

export function encodeCn(digits: string, length: number): Uint8Array {
  if (!/^\d*$/.test(digits) || digits.length > 2 * length) throw new RangeError(`cn: "${digits}" does not fit in ${length} bytes`);
  const padded = digits.padEnd(2 * length, 'F');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (parseInt(padded[2 * i]!, 16) << 4) | parseInt(padded[2 * i + 1]!, 16);
  return out;
}

/**
 * Format an/ans (ASCII): trailing 00, FF and space padding are removed; any other byte outside
 * printable ASCII is a CodecError.
 */
export function decodeAn(bytes: Uint8Array): string {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x00 || bytes[end - 1] === 0x20 || bytes[end - 1] === 0xff)) end--;
  let s = '';
  for (let i = 0; i < end; i++) {
    const b = bytes[i]!;
    if (b < 0x20 || b > 0x7e) throw new CodecError(`an: non-printable byte ${toHex(Uint8Array.of(b))} at ${i} in ${toHex(bytes)}`);
    s += String.fromCharCode(b);
  }
  return s;
}

export function encodeAn(text: string, length: number, pad = 0x00): Uint8Array {
  if (!/^[\x20-\x7e]*$/.test(text) || text.length > length) throw new RangeError(`an: "${text}" is not printable ASCII of at most ${length} chars`);
  const out = new Uint8Array(length).fill(pad);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

// --- GBK ---------------------------------------------------------------------------------------

let gbkDecoder: { decode(input: Uint8Array): string } | undefined;

/** GBK text; trailing 00/20/FF padding removed. Invalid sequences are a CodecError. */
export function decodeGbk(bytes: Uint8Array): string {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x00 || bytes[end - 1] === 0x20 || bytes[end - 1] === 0xff)) end--;
  gbkDecoder ??= new TextDecoder('gbk', { fatal: true });
  try {
    return gbkDecoder.decode(bytes.subarray(0, end));
  } catch {
    throw new CodecError(`GBK: invalid byte sequence in ${toHex(bytes.subarray(0, end))}`);
  }
}

let gbkTable: Map<string, number> | undefined;

/** Encode to GBK (for personalising emulated cards). Built lazily from the platform's decoder. */
export function encodeGbk(text: string, length?: number, pad = 0x00): Uint8Array {
  if (!gbkTable) {
    gbkTable = new Map();
    const d = new TextDecoder('gbk', { fatal: true });
    for (let hi = 0x81; hi <= 0xfe; hi++) {
      for (let lo = 0x40; lo <= 0xfe; lo++) {
        if (lo === 0x7f) continue;
        try {
          const ch = d.decode(Uint8Array.of(hi, lo));
          if (ch.length === 1 && !gbkTable.has(ch)) gbkTable.set(ch, (hi << 8) | lo);
        } catch {
          /* unassigned */
        }
      }
    }
  }
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else {
      const code = gbkTable.get(ch);
      if (code === undefined) throw new RangeError(`GBK: cannot encode "${ch}"`);
      out.push(code >> 8, code & 0xff);
    }
  }
  if (length === undefined) return Uint8Array.from(out);
  if (out.length > length) throw new RangeError(`GBK: "${text}" needs ${out.length} bytes, field has ${length}`);
  const res = new Uint8Array(length).fill(pad);
  res.set(out);
  return res;
}

// --- dates ---------------------------------------------------------------------------------------

export interface CardDate {
  y: number;
  m: number;
  d: number;
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dim = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= dim;
}

/** BCD YYYYMMDD (4 bytes). */
export function decodeDate8(bytes: Uint8Array): CardDate {
  if (bytes.length !== 4) throw new CodecError(`date: expected 4 BCD bytes YYYYMMDD, got ${bytes.length}`);
  const s = decodeBcd(bytes);
  const y = +s.slice(0, 4);
  const m = +s.slice(4, 6);
  const d = +s.slice(6, 8);
  if (!validDate(y, m, d)) throw new CodecError(`date: ${s} is not a calendar date`);
  return { y, m, d };
}

/** BCD YYMMDD (3 bytes, EMV 5F24/5F25/9A). YY 00..49 → 20YY, 50..99 → 19YY (EMV Book 4 §6.7.3). */
export function decodeDate6(bytes: Uint8Array): CardDate {
  if (bytes.length !== 3) throw new CodecError(`date: expected 3 BCD bytes YYMMDD, got ${bytes.length}`);
  const s = decodeBcd(bytes);
  const yy = +s.slice(0, 2);
  const y = yy < 50 ? 2000 + yy : 1900 + yy;
  const m = +s.slice(2, 4);
  const d = +s.slice(4, 6);
  if (!validDate(y, m, d)) throw new CodecError(`date: ${s} is not a calendar date`);
  return { y, m, d };
}

export interface CardDateTime extends CardDate {
  hh: number;
  mm: number;
  ss: number;
}

/** BCD YYYYMMDDhhmmss (7 bytes, transport records). */
export function decodeDateTime14(bytes: Uint8Array): CardDateTime {
  if (bytes.length !== 7) throw new CodecError(`date-time: expected 7 BCD bytes, got ${bytes.length}`);
  const s = decodeBcd(bytes);
  const date = decodeDate8(bytes.subarray(0, 4));
  const hh = +s.slice(8, 10);
  const mm = +s.slice(10, 12);
  const ss = +s.slice(12, 14);
  if (hh > 23 || mm > 59 || ss > 59) throw new CodecError(`date-time: ${s} has an invalid time`);
  return { ...date, hh, mm, ss };
}

export const dateNumber = (d: CardDate): number => d.y * 10000 + d.m * 100 + d.d;

export function formatDate(d: CardDate): string {
  return `${d.y}-${String(d.m).padStart(2, '0')}-${String(d.d).padStart(2, '0')}`;
}
