/** Hex and byte helpers. Hex output is upper case, as in card traces and the standards. */

const HEX = '0123456789ABCDEF';

export function toHex(bytes: Uint8Array, sep = ''): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (i > 0 && sep) out += sep;
    out += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

/** Parse hex; whitespace is ignored. Throws RangeError on an odd length or a non-hex character. */
export function fromHex(text: string): Uint8Array {
  const s = text.replace(/\s+/g, '');
  if (s.length % 2 !== 0) throw new RangeError(`hex: expected an even number of digits, got ${s.length}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexVal(s.charCodeAt(2 * i));
    const lo = hexVal(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new RangeError(`hex: invalid character near "${s.slice(2 * i, 2 * i + 2)}" at ${2 * i}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Big-endian unsigned integer of up to 6 bytes. */
export function readUint(bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
  if (length > 6) throw new RangeError(`readUint: at most 6 bytes, got ${length}`);
  if (offset < 0 || offset + length > bytes.length) throw new RangeError(`readUint: ${length} bytes at ${offset} exceed ${bytes.length}`);
  let v = 0;
  for (let i = 0; i < length; i++) v = v * 256 + bytes[offset + i]!;
  return v;
}

/** Big-endian unsigned integer into `length` bytes. */
export function writeUint(value: number, length: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 256 ** length) {
    throw new RangeError(`writeUint: ${value} does not fit in ${length} bytes`);
  }
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

export function assertBytes(value: unknown, what: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what}: expected Uint8Array, got ${typeof value}`);
  if (length !== undefined && value.length !== length) throw new RangeError(`${what}: expected Uint8Array of length ${length}, got length=${value.length}`);
  return value;
}
