/**
 * Base45 (RFC 9285): bytes as text in the QR alphanumeric character set (0-9 A-Z space $ % * + - . / :),
 * so a QR code can use alphanumeric mode (5.5 bits per character) and keyboard-wedge scanners, which
 * type ASCII, carry it unchanged. Strict decoding: any character outside the alphabet, a dangling
 * single character, or a triple worth more than 65535 is refused (RFC 9285 §4.3) — never "repaired".
 */

export const BASE45_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE45_ALPHABET.length; i++) DECODE[BASE45_ALPHABET.charCodeAt(i)] = i;

export class Base45Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Base45Error';
  }
}

export function base45Encode(bytes: Uint8Array): string {
  let out = '';
  const A = BASE45_ALPHABET;
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    let n = bytes[i]! * 256 + bytes[i + 1]!;
    const c = n % 45;
    n = (n - c) / 45;
    const d = n % 45;
    const e = (n - d) / 45;
    out += A[c]! + A[d]! + A[e]!;
  }
  if (i < bytes.length) {
    const n = bytes[i]!;
    out += A[n % 45]! + A[Math.floor(n / 45)]!;
  }
  return out;
}

/** Length in bytes that a valid base45 text of this length decodes to, or -1 when no text of that length is valid. */
export function base45DecodedLength(textLength: number): number {
  const r = textLength % 3;
  if (r === 1) return -1;
  return Math.floor(textLength / 3) * 2 + (r === 2 ? 1 : 0);
}

/** Characters a valid base45 text of `byteLength` bytes has (RFC 9285 §4: 3 per pair, 2 for an odd byte). */
export function base45EncodedLength(byteLength: number): number {
  return Math.floor(byteLength / 2) * 3 + (byteLength % 2) * 2;
}

/** Position of the first character outside the alphabet, or -1. One pass over the lookup table. */
export function base45InvalidAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || DECODE[c]! < 0) return i;
  }
  return -1;
}

function value(text: string, i: number): number {
  const c = text.charCodeAt(i);
  const v = c < 128 ? DECODE[c]! : -1;
  if (v < 0) throw new Base45Error(`base45: character ${JSON.stringify(text[i])} at position ${i} is not in the alphabet`);
  return v;
}

export function base45Decode(text: string): Uint8Array {
  const len = base45DecodedLength(text.length);
  if (len < 0) throw new Base45Error(`base45: length ${text.length} leaves a single dangling character`);
  const out = new Uint8Array(len);
  let o = 0;
  let i = 0;
  for (; i + 2 < text.length; i += 3) {
    const n = value(text, i) + value(text, i + 1) * 45 + value(text, i + 2) * 2025;
    if (n > 0xffff) throw new Base45Error(`base45: triple at position ${i} is worth ${n} (> 65535)`);
    out[o++] = n >> 8;
    out[o++] = n & 0xff;
  }
  if (i < text.length) {
    const n = value(text, i) + value(text, i + 1) * 45;
    if (n > 0xff) throw new Base45Error(`base45: final pair at position ${i} is worth ${n} (> 255)`);
    out[o++] = n;
  }
  return out;
}
