/**
 * Canonical JSON: the exact bytes a metadata signature covers (TUF uses the OLPC canonical JSON of the
 * `signed` object; ours is the same idea with stricter inputs, so that one value has one encoding):
 *
 * - no whitespace; object keys sorted by UTF-16 code units (JavaScript's default sort — equal to
 *   byte order for ASCII, and every key of our metadata is ASCII);
 * - numbers: integers within ±(2^53−1) only, written in decimal without exponent ("-0" is written
 *   "0"); no floats, NaN or Infinity (they have several spellings);
 * - strings: well-formed UTF-16 (no lone surrogates), escaped as JSON.stringify does (", \\, and
 *   control characters; everything else literal), then encoded as UTF-8;
 * - null, true, false; arrays keep their order;
 * - undefined, functions, bigints, duplicate keys (impossible in a JS object) are refused, as is
 *   nesting deeper than 32.
 *
 * The verifier re-encodes the parsed `signed` value and checks signatures over those bytes, so what is
 * verified is exactly what is used, whatever whitespace or key order the file had.
 */
import { FirmwareError } from './errors';

const MAX_DEPTH = 32;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function canonicalJson(value: unknown): string {
  return enc(value, 0);
}

export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

function enc(v: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new FirmwareError('malformed', `canonical JSON: nesting deeper than ${MAX_DEPTH}`);
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(v)) throw new FirmwareError('malformed', `canonical JSON: only safe integers are allowed, got ${v}`);
      return String(v === 0 ? 0 : v);
    case 'string':
      if (LONE_SURROGATE.test(v)) throw new FirmwareError('malformed', 'canonical JSON: string with a lone surrogate');
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) return '[' + v.map((x) => enc(x, depth + 1)).join(',') + ']';
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new FirmwareError('malformed', 'canonical JSON: only plain objects are allowed');
      const keys = Object.keys(v as object).sort();
      return '{' + keys.map((k) => enc(k, depth + 1) + ':' + enc((v as Record<string, unknown>)[k], depth + 1)).join(',') + '}';
    }
    default:
      throw new FirmwareError('malformed', `canonical JSON: a ${typeof v} cannot be encoded`);
  }
}

/** Parse JSON text of at most maxBytes bytes; a typed error names the file. */
export function parseJsonBounded(bytes: Uint8Array, maxBytes: number, what: string): unknown {
  if (bytes.length > maxBytes) throw new FirmwareError('malformed', `${what}: ${bytes.length} bytes exceeds the limit of ${maxBytes}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FirmwareError('malformed', `${what}: not valid UTF-8`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FirmwareError('malformed', `${what}: not JSON (${(e as Error).message})`);
  }
}
