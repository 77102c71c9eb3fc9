/**
 * Outcomes of offline data authentication steps. A failed check is a value with a stable code and a
 * sentence for a person ("fDDA signature mismatch"), never an exception: hostile card data is normal.
 */
import { decodeCn } from '../../../apdu/codec';
export type OdaFailCode =
  | 'capk-missing'
  | 'capk-expired'
  | 'capk-invalid'
  | 'data-missing'
  | 'static-data-invalid'
  | 'issuer-cert-invalid'
  | 'issuer-cert-hash'
  | 'issuer-cert-signature'
  | 'issuer-id-mismatch'
  | 'issuer-cert-expired'
  | 'issuer-cert-revoked'
  | 'issuer-cert-algorithm'
  | 'icc-cert-invalid'
  | 'icc-cert-hash'
  | 'icc-cert-signature'
  | 'icc-pan-mismatch'
  | 'icc-cert-expired'
  | 'icc-cert-algorithm'
  | 'sda-invalid'
  | 'sda-signature'
  | 'dda-invalid'
  | 'dda-signature'
  | 'fdda-invalid'
  | 'fdda-signature';

export interface OdaFailure {
  ok: false;
  code: OdaFailCode;
  message: string;
}

export type OdaStep<T> = ({ ok: true } & T) | OdaFailure;

export const fail = (code: OdaFailCode, message: string): OdaFailure => ({ ok: false, code, message });

/** Certificate expiry (MMYY, BCD) as a year and month; valid through the end of that month (EMV Book 2 §5.3 step 8). */
export interface YearMonth {
  y: number;
  m: number;
}

/** YYYYMMDD (number) → is the MMYY expiry before that date's month? */
export function expiredAt(expiry: YearMonth, todayYmd: number): boolean {
  const ty = Math.floor(todayYmd / 10000);
  const tm = Math.floor(todayYmd / 100) % 100;
  return expiry.y < ty || (expiry.y === ty && expiry.m < tm);
}

/** MMYY BCD (2 bytes) → year and month; undefined if not BCD or month out of range. YY → 20YY (cards after 2000). */
export function decodeMmyy(b: Uint8Array): YearMonth | undefined {
  if (b.length !== 2) return undefined;
  const d = (x: number) => ((x >> 4) > 9 || (x & 15) > 9 ? -1 : (x >> 4) * 10 + (x & 15));
  const m = d(b[0]!);
  const yy = d(b[1]!);
  if (m < 1 || m > 12 || yy < 0) return undefined;
  return { y: 2000 + yy, m };
}

export const formatYm = (e: YearMonth): string => `${String(e.m).padStart(2, '0')}/${e.y}`;

/** Digits of a cn field in a certificate (issuer id, PAN), or undefined if it is not valid cn. */
export function cnDigits(b: Uint8Array): string | undefined {
  try {
    return decodeCn(b);
  } catch {
    return undefined;
  }
}
