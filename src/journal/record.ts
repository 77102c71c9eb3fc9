/**
 * What callers give the journal (RecordInput) and what they read back (JournalRecord), and the checks
 * between the two. Bounded and validated here so nothing unbounded or personal reaches the disk.
 */
import type { Outcome } from '../core/decision';
import { JournalInputError } from './errors';
import { TOKEN_PATTERN } from './tokenise';
import type { PersonalData } from './seal';

/**
 * Record types used so far. 'intent' is written before an irreversible step (e.g. the transit DEBIT)
 * and 'result' after it, linked by refSeq; 'unconfirmed' marks an outcome not yet known (torn
 * transaction) and is resolved later by a 'result'; 'decision' is a one-step decision; 'check' an
 * access check without money; 'event' anything operational (out of service, parameter applied…).
 */
export type RecordType = 'decision' | 'intent' | 'result' | 'unconfirmed' | 'check' | 'event' | (string & {});

export interface RecordInput {
  type: RecordType;
  /** The service or profile that decided: "metro-gate", "canteen-pos", "hospital-registration". */
  service: string;
  outcome?: Outcome | (string & {});
  /** Stable reason code (Decision.reason). */
  reason?: string;
  /** Integer fen, >= 0 (a refund is its own record type with a positive amount). */
  amountFen?: number;
  /** ISO 4217 numeric; 156 (CNY) when an amount is given and this is not. May be given alone. */
  currency?: number;
  /** An approval made offline whose money the backend has not confirmed: counts toward the offline limits. */
  offline?: boolean;
  /** The record this one refers to: a result → its intent; an unconfirmed marker → its intent. */
  refSeq?: bigint;
  /** Client transaction id, for matching with the clearing side (Square's client transaction id). */
  txn?: string;
  /** Tokenised identifiers (tokenise.ts), never clear values: { pan: "…", holder: "…" }. */
  tokens?: Record<string, string>;
  /** Kernel data, JSON-serialisable; bigint → decimal string, Uint8Array → hex. No clear personal data. */
  payload?: unknown;
  /** Personal data the service truly needs; sealed with AES-256-GCM (seal.ts). Needs the data key. */
  personal?: PersonalData;
}

export interface AppendReceipt {
  seq: bigint;
  /** Chain hash of the record, hex. */
  hash: string;
  /** Append time, epoch ms (terminal wall clock). */
  ts: number;
}

export interface JournalRecord {
  seq: bigint;
  ts: number;
  type: string;
  service: string;
  outcome: string | null;
  reason: string | null;
  amountFen: number | null;
  currency: number | null;
  offline: boolean;
  refSeq: bigint | null;
  txn: string | null;
  tokens: Record<string, string>;
  payload: unknown;
  /** Whether sealed personal data is attached (read it with Journal.unsealPersonal). */
  hasSealed: boolean;
  hash: string;
}

export const LIMITS = {
  payloadBytes: 64 * 1024,
  personalBytes: 4 * 1024,
  tokens: 16,
  reasonChars: 128,
  txnChars: 64,
} as const;

const TYPE_RE = /^[a-z][a-z0-9-]{0,31}$/;
const SERVICE_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const TOKEN_NAME_RE = /^[a-z][a-zA-Z0-9-]{0,31}$/;
const TXN_RE = /^[\x21-\x7e]{1,64}$/;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Payload keys that name personal data: refused unless the value is a token (refusePersonalFields). */
const PERSONAL_KEYS = new Set(['pan', 'cardnumber', 'idnumber', 'citizenid', 'idcard', 'name', 'holdername', 'fullname', 'phone', 'mobile', 'ssn', 'socialsecuritynumber', 'track2']);

export interface PreparedInput {
  type: string;
  service: string;
  outcome: string | null;
  reason: string | null;
  amountFen: number | null;
  currency: number | null;
  offline: boolean;
  refSeq: bigint | null;
  txn: string | null;
  tokens: string;
  payload: string;
  personal: PersonalData | null;
}

function wellFormed(field: string, s: string, max: number): string {
  if (typeof s !== 'string') throw new JournalInputError(field, `expected a string, got ${typeof s}`);
  if (s.length > max) throw new JournalInputError(field, `at most ${max} characters, got ${s.length}`);
  if (LONE_SURROGATE.test(s)) throw new JournalInputError(field, 'not well-formed Unicode (lone surrogate)');
  if (CONTROL.test(s)) throw new JournalInputError(field, 'control characters are not allowed');
  return s;
}

function payloadReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex').toUpperCase();
  return value;
}

/** A field named like personal data holding a string that is not a token. */
const personalField = (key: string, value: unknown): boolean =>
  (typeof value === 'string' || value instanceof String) && PERSONAL_KEYS.has(key.replace(/[-_]/g, '').toLowerCase()) && !TOKEN_PATTERN.test(String(value));

function findPersonalField(v: unknown, path: string, depth: number): string | undefined {
  if (depth > 32 || v === null || typeof v !== 'object') return undefined;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const p = path ? `${path}.${k}` : k;
    if (personalField(k, x)) return p;
    const deeper = findPersonalField(x, p, depth + 1);
    if (deeper) return deeper;
  }
  return undefined;
}

/**
 * The payload as stored (JSON text), refusing personal fields. The replacer notices any suspect field
 * while serialising, so the common case (none) costs no second pass; only a suspect payload is parsed
 * back and walked, which names the field (and applies the depth bound) exactly as before.
 */
function serialisePayload(payload: unknown, refusePersonalFields: boolean): string {
  let suspect = false;
  const replacer = refusePersonalFields
    ? (key: string, value: unknown): unknown => {
        const v = payloadReplacer(key, value);
        if (!suspect && personalField(key, v)) suspect = true;
        return v;
      }
    : payloadReplacer;
  let text: string;
  try {
    text = payload === undefined ? '{}' : JSON.stringify(payload, replacer);
  } catch (e) {
    throw new JournalInputError('payload', `not JSON-serialisable: ${(e as Error).message}`);
  }
  if (text === undefined) throw new JournalInputError('payload', 'not JSON-serialisable');
  if (Buffer.byteLength(text) > LIMITS.payloadBytes) throw new JournalInputError('payload', `at most ${LIMITS.payloadBytes} bytes as JSON`);
  if (suspect) {
    const p = findPersonalField(JSON.parse(text), '', 0);
    if (p) throw new JournalInputError(`payload.${p}`, 'looks like clear personal data: tokenise it, or put it in `personal` (sealed) if the service needs it');
  }
  return text;
}

export function prepareInput(r: RecordInput, opts: { refusePersonalFields: boolean; canSeal: boolean }): PreparedInput {
  if (r === null || typeof r !== 'object') throw new JournalInputError('record', 'expected an object');
  if (typeof r.type !== 'string' || !TYPE_RE.test(r.type)) throw new JournalInputError('type', `expected lower-case letters, digits, dashes (max 32), got ${JSON.stringify(r.type)}`);
  if (typeof r.service !== 'string' || !SERVICE_RE.test(r.service)) throw new JournalInputError('service', `expected letters, digits and . _ : - (max 64), got ${JSON.stringify(r.service)}`);
  const outcome = r.outcome === undefined ? null : wellFormed('outcome', r.outcome, 32);
  const reason = r.reason === undefined ? null : wellFormed('reason', r.reason, LIMITS.reasonChars);
  let amountFen: number | null = null;
  let currency: number | null = null;
  if (r.amountFen !== undefined) {
    if (!Number.isSafeInteger(r.amountFen) || r.amountFen < 0) throw new JournalInputError('amountFen', `expected a whole number of fen >= 0, got ${r.amountFen}`);
    amountFen = r.amountFen;
    currency = r.currency ?? 156;
  } else if (r.currency !== undefined) currency = r.currency; // e.g. an intent that names the currency before the amount moves
  if (currency !== null && (!Number.isInteger(currency) || currency < 0 || currency > 999)) throw new JournalInputError('currency', `expected an ISO 4217 numeric code, got ${currency}`);
  if (r.offline !== undefined && typeof r.offline !== 'boolean') throw new JournalInputError('offline', 'expected a boolean');
  let refSeq: bigint | null = null;
  if (r.refSeq !== undefined) {
    if (typeof r.refSeq !== 'bigint' || r.refSeq < 1n) throw new JournalInputError('refSeq', `expected a bigint >= 1, got ${String(r.refSeq)}`);
    refSeq = r.refSeq;
  }
  if (r.type === 'result' && refSeq === null) throw new JournalInputError('refSeq', "a 'result' record must refer to its intent");
  const txn = r.txn === undefined ? null : r.txn;
  if (txn !== null && (typeof txn !== 'string' || !TXN_RE.test(txn))) throw new JournalInputError('txn', 'expected 1–64 printable ASCII characters');

  const tokenEntries = Object.entries(r.tokens ?? {});
  if (tokenEntries.length > LIMITS.tokens) throw new JournalInputError('tokens', `at most ${LIMITS.tokens}, got ${tokenEntries.length}`);
  for (const [k, v] of tokenEntries) {
    if (!TOKEN_NAME_RE.test(k)) throw new JournalInputError(`tokens.${k}`, 'name: letters, digits, dashes (max 32)');
    if (typeof v !== 'string' || !TOKEN_PATTERN.test(v)) throw new JournalInputError(`tokens.${k}`, 'not a token: tokenise identifiers with the journal tokeniser, never store them in clear');
  }
  tokenEntries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const tokens = JSON.stringify(Object.fromEntries(tokenEntries));

  const payload = serialisePayload(r.payload, opts.refusePersonalFields);

  let personal: PersonalData | null = null;
  if (r.personal !== undefined) {
    if (!opts.canSeal) throw new JournalInputError('personal', 'the journal was opened without a data key: personal data cannot be sealed');
    for (const [k, v] of Object.entries(r.personal)) if (typeof v !== 'string') throw new JournalInputError(`personal.${k}`, 'expected a string');
    if (Buffer.byteLength(JSON.stringify(r.personal)) > LIMITS.personalBytes) throw new JournalInputError('personal', `at most ${LIMITS.personalBytes} bytes`);
    personal = { ...r.personal };
  }
  return { type: r.type, service: r.service, outcome, reason, amountFen, currency, offline: r.offline ?? false, refSeq, txn, tokens, payload, personal };
}
