/**
 * Masking of personal data for screens, logs and printed output (个人信息保护法: show only what the
 * service needs). Masking is lossy by design; tokens for matching are in the journal's tokeniser.
 */

function maskMiddle(s: string, keepStart: number, keepEnd: number): string {
  const chars = Array.from(s);
  if (chars.length <= keepStart + keepEnd) return '*'.repeat(chars.length);
  return chars.slice(0, keepStart).join('') + '*'.repeat(chars.length - keepStart - keepEnd) + chars.slice(chars.length - keepEnd).join('');
}

/** Citizen ID (社会保障号码, 18 chars): keep the first 4 (region) and the last 2. */
export function maskIdNumber(id: string): string {
  return maskMiddle(id, 4, 2);
}

/** Name: keep the first character (the surname, for most names): 张三丰 → 张**. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length === 0) return '';
  return chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
}

/** Bank PAN: first 6 and last 4, as PCI DSS allows. */
export function maskPan(pan: string): string {
  return maskMiddle(pan, 6, 4);
}

/** Social security card number (9 chars) and other card serials: keep the first 1 and last 2. */
export function maskCardNumber(n: string): string {
  return maskMiddle(n, 1, 2);
}

/** Generic: keep the last 4. */
export function maskTail(s: string, keep = 4): string {
  return maskMiddle(s, 0, keep);
}
