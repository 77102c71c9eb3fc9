/**
 * Field policy for structured logs: personal data is masked or dropped by the field's NAME first
 * (deny-list, optionally a strict allow-list), then every remaining string goes through the free-text
 * backstop (detect.ts). Values are bounded (depth, array length, string length) so one log call cannot
 * write megabytes. Byte arrays are never dumped: APDU data can carry a PAN (tag 5A) or track 2 (57).
 */
import { maskCardNumber, maskIdNumber, maskName, maskPan } from '../core/mask';
import { scrubText } from './detect';

export type FieldAction = 'mask-name' | 'mask-id-number' | 'mask-pan' | 'mask-card-number' | 'drop';

/**
 * Field names (normalised: lower case, letters and digits only — "id_number", "idNumber" and
 * "ID-Number" are one name) that hold personal data or secrets, and what happens to them.
 */
export const DEFAULT_DENY_FIELDS: Readonly<Record<string, FieldAction>> = {
  name: 'mask-name',
  holdername: 'mask-name',
  fullname: 'mask-name',
  cardholdername: 'mask-name',
  surname: 'mask-name',
  idnumber: 'mask-id-number',
  idno: 'mask-id-number',
  idcard: 'mask-id-number',
  citizenid: 'mask-id-number',
  ssn: 'mask-id-number',
  socialsecuritynumber: 'mask-id-number',
  pan: 'mask-pan',
  cardpan: 'mask-pan',
  primaryaccountnumber: 'mask-pan',
  cardnumber: 'mask-card-number',
  cardno: 'mask-card-number',
  tunionserial: 'mask-card-number',
  appserial: 'mask-card-number',
  track2: 'drop',
  track2equivalent: 'drop',
  birthdate: 'drop',
  dateofbirth: 'drop',
  dob: 'drop',
  address: 'drop',
  phone: 'drop',
  mobile: 'drop',
  ethnicity: 'drop',
  sex: 'drop',
  gender: 'drop',
  pin: 'drop',
  pinblock: 'drop',
  password: 'drop',
  secret: 'drop',
  authorization: 'drop',
  privatekey: 'drop',
  tokenkey: 'drop',
  datakey: 'drop',
  apdu: 'drop',
  rapdu: 'drop',
  capdu: 'drop',
};

export interface RedactPolicy {
  /** Extra names to drop (normalised like DEFAULT_DENY_FIELDS). */
  denyFields?: readonly string[];
  /**
   * Strict mode: when set, only these top-level field names are written; others are dropped. Nested
   * values of allowed fields still go through the deny-list and the text backstop.
   */
  allowFields?: readonly string[];
  /** Longest string written, characters (longer ones are cut with "…[+N]"). */
  maxStringChars?: number;
  maxDepth?: number;
  maxArrayItems?: number;
}

export const normaliseFieldName = (k: string): string => k.toLowerCase().replace(/[^a-z0-9]/g, '');

const DROPPED = '[redacted]';

function applyAction(action: FieldAction, v: unknown): unknown {
  if (action === 'drop') return DROPPED;
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') return DROPPED;
  const s = String(v);
  switch (action) {
    case 'mask-name':
      return maskName(s);
    case 'mask-id-number':
      return maskIdNumber(s);
    case 'mask-pan':
      return maskPan(s.replace(/[\s-]/g, ''));
    case 'mask-card-number':
      return maskCardNumber(s);
  }
}

export interface Redactor {
  /** Redact a whole fields object (top level: allow-list applies). */
  fields(fields: Record<string, unknown>): Record<string, unknown>;
  /** Redact free text (the backstop), bounded in length. */
  text(s: string): string;
}

export function createRedactor(policy: RedactPolicy = {}): Redactor {
  const deny = new Map<string, FieldAction>(Object.entries(DEFAULT_DENY_FIELDS));
  for (const f of policy.denyFields ?? []) deny.set(normaliseFieldName(f), 'drop');
  const allow = policy.allowFields ? new Set(policy.allowFields.map(normaliseFieldName)) : null;
  const maxChars = policy.maxStringChars ?? 2000;
  const maxDepth = policy.maxDepth ?? 6;
  const maxItems = policy.maxArrayItems ?? 50;

  const text = (s: string): string => {
    const cut = s.length > maxChars ? s.slice(0, maxChars) + `…[+${s.length - maxChars}]` : s;
    return scrubText(cut);
  };

  const value = (v: unknown, depth: number, seen: Set<object>): unknown => {
    if (v === null || v === undefined) return v ?? null;
    switch (typeof v) {
      case 'string':
        return text(v);
      case 'number':
        return Number.isFinite(v) ? v : String(v);
      case 'boolean':
        return v;
      case 'bigint':
        return text(v.toString());
      case 'function':
      case 'symbol':
        return undefined;
    }
    const o = v as object;
    if (o instanceof Uint8Array || o instanceof ArrayBuffer) return `[${o.byteLength} bytes]`;
    if (o instanceof Date) return Number.isNaN(o.getTime()) ? 'Invalid Date' : o.toISOString();
    if (seen.has(o)) return '[circular]';
    if (depth >= maxDepth) return '[too deep]';
    seen.add(o);
    try {
      if (o instanceof Error) {
        const e: Record<string, unknown> = { name: o.name, message: text(o.message) };
        const code = (o as { code?: unknown }).code;
        if (typeof code === 'string' || typeof code === 'number') e.code = code;
        if (o.cause !== undefined) e.cause = value(o.cause, depth + 1, seen);
        return e;
      }
      if (Array.isArray(o)) {
        const out = o.slice(0, maxItems).map((x) => value(x, depth + 1, seen));
        if (o.length > maxItems) out.push(`…[+${o.length - maxItems} items]`);
        return out;
      }
      if (o instanceof Map) return object(Object.fromEntries([...o.entries()].map(([k, x]) => [String(k), x])), depth, seen);
      if (o instanceof Set) return value([...o], depth, seen);
      return object(o as Record<string, unknown>, depth, seen);
    } finally {
      seen.delete(o);
    }
  };

  const object = (o: Record<string, unknown>, depth: number, seen: Set<object>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      const action = deny.get(normaliseFieldName(k));
      const r = action ? applyAction(action, v) : value(v, depth + 1, seen);
      if (r !== undefined) out[text(k)] = r;
    }
    return out;
  };

  return {
    text,
    fields(fields) {
      const picked: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(fields)) if (!allow || allow.has(normaliseFieldName(k))) picked[k] = v;
      return object(picked, 0, new Set());
    },
  };
}
