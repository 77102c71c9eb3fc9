/**
 * Amounts spoken by concatenating short clips (digits and units), in Mandarin and English.
 *
 * Mandarin reads money as 元/角/分 with the usual rules: 十 (not 一十) at the head of a number,
 * one 零 for a run of zeros inside it (一百零一, 一万零一十), 零 before 分 when 角 is zero
 * (一元零五分), and 两 for a lone 2 before a measure word (两元, 两角). English reads "twelve yuan
 * fifty fen". Tone sandhi across clips is lost; the words stay correct. Amounts above the ranges
 * below are shown, not spoken (null).
 */
import type { Fen } from '../../core/money';

export const ZH_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'] as const;
export const ZH_UNITS = { liang: '两', shi: '十', bai: '百', qian: '千', wan: '万', yuan: '元', jiao: '角', fen: '分' } as const;
export const EN_SMALL = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'] as const;
export const EN_TENS = { 20: 'twenty', 30: 'thirty', 40: 'forty', 50: 'fifty', 60: 'sixty', 70: 'seventy', 80: 'eighty', 90: 'ninety' } as const;
export const EN_WORDS = { hundred: 'hundred', thousand: 'thousand', yuan: 'yuan', fen: 'fen' } as const;

/** Largest yuan amounts spoken. */
export const ZH_MAX_YUAN = 99_999_999;
export const EN_MAX_YUAN = 999_999;

const zhUnitAt = ['', 'shi', 'bai', 'qian'] as const;

/** 0 ≤ x ≤ 9999; `head`: this group starts the number (十 rather than 一十). Clip keys without "zh.". */
function zhGroup(x: number, head: boolean): string[] {
  const out: string[] = [];
  let started = false;
  let pendingZero = false;
  for (let pos = 3; pos >= 0; pos--) {
    const d = Math.floor(x / 10 ** pos) % 10;
    if (d === 0) {
      if (started) pendingZero = true;
      continue;
    }
    if (pendingZero) out.push('n0');
    pendingZero = false;
    if (pos === 1 && d === 1 && !started && head) out.push('shi');
    else {
      out.push(`n${d}`);
      if (pos > 0) out.push(zhUnitAt[pos]!);
    }
    started = true;
  }
  return out;
}

/** Mandarin reading of a whole number 0…99 999 999 as clip keys ("n1", "shi", "wan", …). */
export function zhInteger(n: number): string[] {
  if (!Number.isSafeInteger(n) || n < 0 || n > ZH_MAX_YUAN) throw new RangeError(`zhInteger: expected 0…${ZH_MAX_YUAN}, got ${n}`);
  if (n === 0) return ['n0'];
  const hi = Math.floor(n / 10000);
  const lo = n % 10000;
  const out: string[] = [];
  if (hi > 0) out.push(...zhGroup(hi, true), 'wan');
  if (lo > 0) {
    if (hi > 0 && lo < 1000) out.push('n0');
    out.push(...zhGroup(lo, hi === 0));
  }
  return out;
}

const liang = (keys: string[]): string[] => (keys.length === 1 && keys[0] === 'n2' ? ['liang'] : keys);

/** Clip ids ("zh.n1", "zh.yuan", …) reading an amount in fen, or null when too large to speak. */
export function zhAmountClips(fen: Fen): string[] | null {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new RangeError(`zhAmountClips: expected whole fen >= 0, got ${fen}`);
  const yuan = Math.floor(fen / 100);
  if (yuan > ZH_MAX_YUAN) return null;
  const jiao = Math.floor((fen % 100) / 10);
  const f = fen % 10;
  const out: string[] = [];
  if (yuan > 0) out.push(...liang(zhInteger(yuan)), 'yuan');
  if (jiao > 0) out.push(...liang([`n${jiao}`]), 'jiao');
  if (f > 0) {
    if (yuan > 0 && jiao === 0) out.push('n0');
    out.push(...liang([`n${f}`]), 'fen');
  }
  if (out.length === 0) out.push('n0', 'yuan');
  return out.map((k) => `zh.${k}`);
}

/** English words for 0…999 999 as clip keys ("n12", "n50", "hundred", …). */
export function enInteger(n: number): string[] {
  if (!Number.isSafeInteger(n) || n < 0 || n > EN_MAX_YUAN) throw new RangeError(`enInteger: expected 0…${EN_MAX_YUAN}, got ${n}`);
  if (n < 20) return [`n${n}`];
  if (n < 100) return n % 10 === 0 ? [`n${n}`] : [`n${n - (n % 10)}`, `n${n % 10}`];
  if (n < 1000) return [`n${Math.floor(n / 100)}`, 'hundred', ...(n % 100 ? enInteger(n % 100) : [])];
  return [...enInteger(Math.floor(n / 1000)), 'thousand', ...(n % 1000 ? enInteger(n % 1000) : [])];
}

/** Clip ids ("en.n12", "en.yuan", …) reading an amount in fen, or null when too large to speak. */
export function enAmountClips(fen: Fen): string[] | null {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new RangeError(`enAmountClips: expected whole fen >= 0, got ${fen}`);
  const yuan = Math.floor(fen / 100);
  if (yuan > EN_MAX_YUAN) return null;
  const f = fen % 100;
  const out: string[] = [];
  if (yuan > 0 || f === 0) out.push(...enInteger(yuan), 'yuan');
  if (f > 0) out.push(...enInteger(f), 'fen');
  return out.map((k) => `en.${k}`);
}
