/**
 * The tokeniser: identifiers the service must match later (card numbers, PANs, T-Union serials, ID
 * numbers for a registration look-up, e-code certificate serials) are stored and uploaded as keyed
 * hashes, never in clear (个人信息保护法: minimise; PCI DSS 3.4: render PAN unreadable).
 *
 *   token = base32(HMAC-SHA256(tokenKey, "ykt-token-v1" ‖ 0x00 ‖ kind ‖ 0x00 ‖ normalised value)[0..16])
 *
 * 26 characters of [A-Z2-7] (128 bits). The kind separates domains: the same digits as a PAN and as a
 * card number give different tokens. The token key is a scheme secret shared by the terminals and the
 * backend (distributed like the parameter set), so the same card yields the same token everywhere and
 * the backend can match tokens without ever seeing a card number. A per-terminal key would make tokens
 * unlinkable across terminals: choose that only for services that never need to match.
 *
 * Normalisation: surrounding whitespace and inner spaces/dashes removed, letters upper-cased (an ID
 * number's check character 'x' → 'X'), so "6222 0212 3456 7890" and "6222021234567890" match.
 */
import { createHash, createHmac } from 'node:crypto';
import { base32 } from '../core/holder-token';

export type TokenKind = 'pan' | 'card-number' | 'card-id' | 'id-number' | 'tunion-serial' | 'ecode-cert' | 'phone' | (string & {});

export interface Tokeniser {
  /** The 26-character token of `value` in the domain `kind`. */
  (kind: TokenKind, value: string): string;
  /** The full 32-byte keyed digest (for structures that want raw bytes, e.g. fixed-width keys). */
  digest(kind: TokenKind, value: string): Uint8Array;
  /** Identifies the key (not secret): first 8 bytes of SHA-256("ykt-token-key" ‖ key), hex. */
  readonly keyId: string;
}

export const TOKEN_PATTERN = /^[A-Z2-7]{26}$/;
const KIND_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export function normaliseIdentifier(value: string): string {
  return value.replace(/[\s-]+/g, '').toUpperCase();
}

export function createTokeniser(tokenKey: Uint8Array): Tokeniser {
  if (!(tokenKey instanceof Uint8Array)) throw new TypeError('tokenKey: expected Uint8Array');
  if (tokenKey.length < 32) throw new RangeError(`tokenKey: expected at least 32 bytes, got length=${tokenKey.length}`);
  const key = Buffer.from(tokenKey); // private copy: later changes to the caller's array do not leak in
  const digest = (kind: TokenKind, value: string): Uint8Array => {
    if (!KIND_PATTERN.test(kind)) throw new RangeError(`token kind "${kind}": expected lower-case letters, digits and dashes (max 32)`);
    if (typeof value !== 'string') throw new TypeError(`token value for ${kind}: expected a string`);
    const v = normaliseIdentifier(value);
    if (v.length === 0) throw new RangeError(`token value for ${kind}: empty`);
    return new Uint8Array(createHmac('sha256', key).update('ykt-token-v1\0').update(kind).update('\0').update(v, 'utf8').digest());
  };
  const tokenise = ((kind: TokenKind, value: string) => base32(digest(kind, value).subarray(0, 16)).slice(0, 26)) as Tokeniser;
  Object.defineProperty(tokenise, 'digest', { value: digest });
  Object.defineProperty(tokenise, 'keyId', { value: createHash('sha256').update('ykt-token-key').update(key).digest('hex').slice(0, 16) });
  return tokenise;
}

/** Luhn (ISO/IEC 7812-1 annex B) check over a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (d < 0 || d > 9) return false;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB 11643-1999 citizen ID number (18 characters) with a valid ISO 7064 MOD 11-2 check character. */
export function isCitizenIdNumber(s: string): boolean {
  if (!/^\d{17}[\dX]$/i.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (s.charCodeAt(i) - 48) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11] === s[17]!.toUpperCase();
}

/**
 * True when a whole string looks like a clear identifier that must not be stored: a Luhn-valid PAN
 * (13–19 digits) or a citizen ID number; a whole-string test keeps hex APDU fields (which may contain
 * only digits) from tripping it unless they are a valid PAN. Exported for callers that want this
 * check; the journal itself does NOT apply it (prepareInput refuses by field name and token shape).
 */
export function isClearIdentifier(s: string): boolean {
  const v = s.replace(/[\s-]+/g, '');
  if (/^\d{13,19}$/.test(v) && luhnValid(v)) return true;
  return isCitizenIdNumber(v);
}
