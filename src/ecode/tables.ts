/**
 * Code tables of the YKE1 format (docs/ecode.md §3). These are wire values: never renumber, only add.
 * Values the format does not know are carried through as "category-bit-N" / "scope-N" / "status-N" so a
 * newer issuer does not crash an older terminal; policies then decide (an unknown scope matches no
 * profile, an unknown status is not "active").
 */
import type { EntitlementCategory } from '../core/credential';

/** Entitlement categories: bit number in the certificate's 16-bit category field. */
export const CATEGORY_BITS: Readonly<Record<string, number>> = {
  standard: 0,
  elderly: 1, // 60+ (老年人)
  'elderly-70': 2,
  disabled: 3, // 残疾人
  veteran: 4, // 优抚对象
  student: 5,
  child: 6,
};

export function categoriesFromBits(bits: number): EntitlementCategory[] {
  const out: EntitlementCategory[] = [];
  for (let b = 0; b < 16; b++) {
    if (!(bits & (1 << b))) continue;
    const name = Object.keys(CATEGORY_BITS).find((k) => CATEGORY_BITS[k] === b);
    out.push(name ?? `category-bit-${b}`);
  }
  return out;
}

export function bitsFromCategories(categories: readonly string[]): number {
  let bits = 0;
  for (const c of categories) {
    const b = CATEGORY_BITS[c] ?? /^category-bit-(\d+)$/.exec(c)?.[1];
    const n = typeof b === 'string' ? Number(b) : b;
    if (n === undefined || !Number.isInteger(n) || n < 0 || n > 15) throw new RangeError(`unknown entitlement category "${c}" (known: ${Object.keys(CATEGORY_BITS).join(', ')})`);
    bits |= 1 << n;
  }
  return bits;
}

/** Service scope a displayed code is made for: one byte in the code, matched against the profile. */
export const SCOPES = {
  general: 0, // any service that accepts general codes (identity at a counter, library entry…)
  transit: 1, // bus, metro (乘车)
  medical: 2, // hospital, pharmacy (就医购药)
  culture: 3, // library, museum, park (文旅)
  payment: 4, // canteen, shops (支付)
  identity: 5, // identity check with the holder present (身份认证)
  'social-services': 6, // social security counters (社保业务)
} as const;
export type ScopeName = keyof typeof SCOPES;
export const SCOPE_NAMES = Object.keys(SCOPES) as ScopeName[];

export function scopeName(code: number): string {
  return SCOPE_NAMES.find((n) => SCOPES[n] === code) ?? `scope-${code}`;
}

export function scopeCode(name: string): number {
  if (name in SCOPES) return SCOPES[name as ScopeName];
  throw new RangeError(`unknown scope "${name}" (known: ${SCOPE_NAMES.join(', ')})`);
}

/** Card status in the holder certificate, as the issuing platform knew it when it issued the certificate. */
export const CARD_STATUS = {
  active: 0, // 正常
  'reported-lost': 1, // 挂失
  suspended: 2, // 暂停
  cancelled: 3, // 注销
} as const;
export type CardStatusName = keyof typeof CARD_STATUS;

export function cardStatusName(code: number): string {
  return (Object.keys(CARD_STATUS) as CardStatusName[]).find((n) => CARD_STATUS[n] === code) ?? `status-${code}`;
}
