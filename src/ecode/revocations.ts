/**
 * E-code revocation lists (payload kind "ecode-revocations"), after the EU DCC revocation lists:
 * entries are hashes, never identifiers — a truncated SHA-256 of the certificate serial (one phone's
 * certificate) or of the holder token (every certificate of a person, e.g. after 挂失) — each with its
 * own expiry, and lists come as a full list or as an increment on a known version.
 *
 *   { "format": "ykt-ecode-revocations/1", "version": 8, "baseVersion": 7 | null, "issuedAtMs": t,
 *     "add": [ ["serial" | "holder", "<32 hex>", expiresAtMs], … ], "remove": ["<32 hex>", …] }
 *
 * baseVersion null = a full list that replaces everything; otherwise the increment applies only to a
 * terminal at exactly baseVersion (anything else must fetch a full list). The artefact's authenticity
 * is the downloads envelope's signature; this module checks its shape (pure).
 */
import { createHash } from 'node:crypto';
import type { ValidationResult } from './trust-list';

export const REVOCATIONS_FORMAT = 'ykt-ecode-revocations/1';
export const REVOCATIONS_KIND = 'ecode-revocations';
/** Bound on entries per artefact (added + removed). A full list of 2M entries is ≈ 110 MB of JSON. */
export const REVOCATIONS_MAX_ENTRIES = 2_000_000;

export type RevocationKind = 'serial' | 'holder';

export interface RevocationEntry {
  kind: RevocationKind;
  /** 32 lower-case hex digits (16 bytes of SHA-256). */
  hash: string;
  expiresAtMs: number;
}

export interface RevocationList {
  version: number;
  baseVersion: number | null;
  issuedAtMs: number;
  add: RevocationEntry[];
  remove: string[];
}

const SERIAL_DOMAIN = 'ykt-ecode-rev/serial:';
const HOLDER_DOMAIN = 'ykt-ecode-rev/holder:';

/** The revocation key of a certificate serial (8 bytes). */
export function serialRevocationHash(serial: Uint8Array): string {
  return createHash('sha256').update(SERIAL_DOMAIN).update(serial).digest().subarray(0, 16).toString('hex');
}

/** The revocation key of a holder token (revokes every certificate and code of that person). */
export function holderRevocationHash(holderToken: string): string {
  return createHash('sha256').update(HOLDER_DOMAIN).update(holderToken).digest().subarray(0, 16).toString('hex');
}

const HASH_RE = /^[0-9a-f]{32}$/;
const isMs = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 8.64e15;
const fail = (error: string): ValidationResult<never> => ({ ok: false, error });

/** The payload validator for kind "ecode-revocations". Hand-written (not zod): lists can be large. */
export function validateRevocations(payload: Uint8Array, opts: { maxEntries?: number } = {}): ValidationResult<RevocationList> {
  const max = opts.maxEntries ?? REVOCATIONS_MAX_ENTRIES;
  if (!(payload instanceof Uint8Array)) return fail('payload: expected bytes');
  let j: unknown;
  try {
    j = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (e) {
    return fail(`payload: not UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) return fail('payload: expected a JSON object');
  const o = j as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !['format', 'version', 'baseVersion', 'issuedAtMs', 'add', 'remove'].includes(k));
  if (extra.length) return fail(`unknown field(s): ${extra.join(', ')}`);
  if (o.format !== REVOCATIONS_FORMAT) return fail(`format: expected "${REVOCATIONS_FORMAT}", got ${JSON.stringify(o.format)}`);
  if (typeof o.version !== 'number' || !Number.isSafeInteger(o.version) || o.version < 1) return fail('version: expected an integer >= 1');
  const base = o.baseVersion ?? null;
  if (base !== null && (typeof base !== 'number' || !Number.isSafeInteger(base) || base < 1 || base >= o.version)) return fail('baseVersion: expected null (full list) or an integer below version');
  if (!isMs(o.issuedAtMs)) return fail('issuedAtMs: expected epoch milliseconds');
  const addRaw = o.add ?? [];
  const removeRaw = o.remove ?? [];
  if (!Array.isArray(addRaw)) return fail('add: expected an array');
  if (!Array.isArray(removeRaw)) return fail('remove: expected an array');
  if (addRaw.length + removeRaw.length > max) return fail(`add + remove: ${addRaw.length + removeRaw.length} entries exceed ${max}`);
  if (base === null && removeRaw.length) return fail('remove: a full list (baseVersion null) has nothing to remove');
  const add: RevocationEntry[] = new Array(addRaw.length);
  for (let i = 0; i < addRaw.length; i++) {
    const e = addRaw[i] as unknown;
    if (!Array.isArray(e) || e.length !== 3) return fail(`add.${i}: expected [kind, hash, expiresAtMs]`);
    const [kind, hash, exp] = e as unknown[];
    if (kind !== 'serial' && kind !== 'holder') return fail(`add.${i}: kind must be "serial" or "holder"`);
    if (typeof hash !== 'string' || !HASH_RE.test(hash)) return fail(`add.${i}: hash must be 32 lower-case hex digits`);
    if (!isMs(exp)) return fail(`add.${i}: expiresAtMs must be epoch milliseconds`);
    add[i] = { kind, hash, expiresAtMs: exp };
  }
  const remove: string[] = new Array(removeRaw.length);
  for (let i = 0; i < removeRaw.length; i++) {
    const h = removeRaw[i] as unknown;
    if (typeof h !== 'string' || !HASH_RE.test(h)) return fail(`remove.${i}: hash must be 32 lower-case hex digits`);
    remove[i] = h;
  }
  return { ok: true, value: { version: o.version, baseVersion: base, issuedAtMs: o.issuedAtMs, add, remove } };
}

export function encodeRevocations(list: RevocationList): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      format: REVOCATIONS_FORMAT,
      version: list.version,
      baseVersion: list.baseVersion,
      issuedAtMs: list.issuedAtMs,
      add: list.add.map((e) => [e.kind, e.hash, e.expiresAtMs]),
      remove: list.remove,
    }),
  );
}

