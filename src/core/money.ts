/**
 * Money is integer fen (0.01 CNY) with a currency (STYLE.md §7). Never a float.
 * ISO 4217 numeric 156 = CNY (terminal tag 5F2A = 0156).
 */
export type Fen = number;

export const CNY = 156;

export interface Amount {
  fen: Fen;
  currency: number;
}

export function assertFen(v: number, what = 'amount'): Fen {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${what}: expected a whole number of fen >= 0, got ${v}`);
  return v;
}

/** Parse "12.34", "12", "0.5" (CNY) into fen; refuses more than 2 decimals, signs, exponents. */
export function parseYuan(text: string): Fen {
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) throw new RangeError(`amount "${text}": expected yuan like 12.34 (at most 2 decimals, no sign)`);
  const yuan = Number(m[1]);
  const frac = m[2] === undefined ? 0 : Number(m[2].padEnd(2, '0'));
  return assertFen(yuan * 100 + frac);
}

export function formatYuan(fen: Fen): string {
  assertFen(fen);
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}
