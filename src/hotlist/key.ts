/**
 * One key space for every kind of blocked card or code (挂失 / 黑名单):
 *
 *   key = first 8 bytes of SHA-256("YKT-HOTLIST-V1" ‖ 0x00 ‖ kind ‖ 0x00 ‖ normalised id), as a
 *         big-endian unsigned 64-bit integer.
 *
 * Terminals only ever hold keys, never card numbers in clear. Honest limit: this is pseudonymisation,
 * not anonymity — a card number has little entropy (a 9-character card number, a PAN whose BIN is
 * known), so someone holding the list can test a candidate number. What it does guarantee: no list
 * file, log line or memory dump on a terminal shows a card number, and the list cannot be read back
 * into one without guessing.
 *
 * Collisions: a card that is NOT listed hits a listed key with probability n / 2^64; at n = 10^7 that
 * is 5.4·10^-13 per lookup (one false refusal in ≈ 1.8·10^12 taps). The chance that any two of 10^7
 * listed ids share a key is ≈ n² / 2^65 = 2.7·10^-6, and it is harmless (both are listed anyway).
 */
import { hash } from 'node:crypto';

/** The id kinds that share the hotlist key space. */
export const HOTLIST_ID_KINDS = ['ssc', 'pan', 'tunion', 'ecode-cert'] as const;
export type HotlistIdKind = (typeof HOTLIST_ID_KINDS)[number];

/** An unsigned 64-bit key in [0, 2^64). */
export type HotlistKey = bigint;

const DOMAIN = 'YKT-HOTLIST-V1\0';

/**
 * What each kind's id looks like, after normalisation (trim; letters upper-cased except e-code serials).
 * - ssc: social security card number, SSSE EF05 tag 07 (9 ASCII characters on issued cards; up to 20
 *   accepted so that a scheme using the card identification code instead still fits).
 * - pan: PBOC/UnionPay PAN digits (tag 5A without the F padding), 12–19 digits.
 * - tunion: T-Union / MoHURD application serial, file 0015 (10 bytes BCD = 20 digits; 16–20 hex digits
 *   accepted since some city cards use 8 bytes).
 * - ecode-cert: the e-code holder certificate serial as the e-code module prints it (case kept).
 */
const ID_RULES: Record<HotlistIdKind, { re: RegExp; upper: boolean; what: string }> = {
  ssc: { re: /^[0-9A-Z]{6,20}$/, upper: true, what: '6–20 letters or digits (SSSE card number, EF05 tag 07)' },
  pan: { re: /^[0-9]{12,19}$/, upper: false, what: '12–19 digits (PAN without F padding)' },
  tunion: { re: /^[0-9A-F]{16,20}$/, upper: true, what: '16–20 hex digits (T-Union application serial, file 0015)' },
  'ecode-cert': { re: /^[\x21-\x7e]{1,64}$/, upper: false, what: '1–64 printable ASCII characters (e-code certificate serial)' },
};

export function isHotlistIdKind(kind: string): kind is HotlistIdKind {
  return (HOTLIST_ID_KINDS as readonly string[]).includes(kind);
}

/** Normalise and check an id; throws a RangeError that says what was expected (without echoing the id). */
export function normaliseHotlistId(kind: HotlistIdKind, id: string): string {
  const rule = ID_RULES[kind];
  if (!rule) throw new RangeError(`hotlist id kind: expected one of ${HOTLIST_ID_KINDS.join(', ')}, got "${String(kind).slice(0, 20)}"`);
  if (typeof id !== 'string') throw new TypeError(`hotlist ${kind} id: expected a string`);
  const t = rule.upper ? id.trim().toUpperCase() : id.trim();
  // The id itself is personal data: say what is wrong with it, never what it was.
  if (!rule.re.test(t)) throw new RangeError(`hotlist ${kind} id: expected ${rule.what}, got ${t.length} characters that do not match`);
  return t;
}

/** The 8-byte key of (kind, id), big-endian. */
export function hotlistKeyBytes(kind: HotlistIdKind, id: string): Uint8Array {
  const norm = normaliseHotlistId(kind, id);
  // One-shot crypto.hash (≈ 0.9 µs) rather than createHash().update()… (≈ 1.6–2.7 µs). Every part is
  // ASCII (the id rules above), so the UTF-8 encoding of the string is exactly these bytes.
  const d = hash('sha256', DOMAIN + kind + '\0' + norm, 'buffer');
  return new Uint8Array(d.buffer, d.byteOffset, 8);
}

/** The key of (kind, id) as an unsigned 64-bit bigint. */
export function hotlistKey(kind: HotlistIdKind, id: string): HotlistKey {
  const b = hotlistKeyBytes(kind, id);
  const v = new DataView(b.buffer, b.byteOffset, 8);
  return v.getBigUint64(0, false);
}

/** The key of (kind, id) as the two 32-bit halves the lookup compares (no BigInt allocated). */
export function hotlistKeyHalves(kind: HotlistIdKind, id: string): { hi: number; lo: number } {
  const b = hotlistKeyBytes(kind, id);
  return { hi: ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0, lo: ((b[4]! << 24) | (b[5]! << 16) | (b[6]! << 8) | b[7]!) >>> 0 };
}

/** The halves of a key given as 16 hex digits (Credential.hotlistKeys), without a BigInt. */
export function hexKeyHalves(hex: string): { hi: number; lo: number } {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{16}$/.test(hex)) throw new RangeError('hotlist key: expected 16 hex digits');
  return { hi: parseInt(hex.slice(0, 8), 16), lo: parseInt(hex.slice(8), 16) };
}

/** The two 32-bit halves the lookup structure compares. */
export function keyHalves(key: HotlistKey): { hi: number; lo: number } {
  if (typeof key !== 'bigint' || key < 0n || key > 0xffff_ffff_ffff_ffffn) throw new RangeError('hotlist key: expected a bigint in [0, 2^64)');
  return { hi: Number(key >> 32n), lo: Number(key & 0xffff_ffffn) };
}

/** Parse 16 hex digits (formatHotlistKey's output, the form Credential.hotlistKeys carries). */
export function parseHotlistKey(hex: string): HotlistKey {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{16}$/.test(hex)) throw new RangeError('hotlist key: expected 16 hex digits');
  return BigInt('0x' + hex);
}

/** A key as 16 lowercase hex digits (for logs, Credential.hotlistKeys and test output; never an id). */
export function formatHotlistKey(key: HotlistKey): string {
  return key.toString(16).padStart(16, '0');
}
