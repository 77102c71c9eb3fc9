/**
 * The e-code trust list: the issuer keys a terminal accepts, by key id, signed by a pinned root key
 * and versioned (after the EU DCC trust lists and UIC DOSIPAS key lookup by key id). An issuer may have
 * several keys at once, each with its own validity, so keys rotate without downtime: the platform
 * publishes the next key in a list before it signs with it, and keeps the old one while its
 * certificates live.
 *
 * Artefact (payload kind "ecode-trust-list", carried inside the downloads module's signed envelope,
 * and signed here a second time by the e-code root, because the root is the e-code trust anchor):
 *
 *   { "format": "ykt-ecode-trust-list/1", "rootKeyId": "<16 hex>", "signature": "<128 hex>",
 *     "body": "<JSON text of the body, signed exactly as carried>" }
 *   root signs "YKE1/trust-list" ‖ UTF-8 bytes of body
 *   body = { "version": n, "issuedAtMs": t, "keys": [ { "keyId", "issuer", "publicKey", "validFromMs",
 *            "validToMs", "scopes"?: [...], "regions"?: [...] } ] }
 *
 * validateTrustList is pure: bytes in, a typed result out. Installation (rollback check, persistence)
 * is in verifier.ts.
 */
import { z } from 'zod';
import { fromHex, toHex } from '../../apdu/hex';
import { ed25519KeyId, ed25519Sign, ed25519Verify, ed25519PublicKey } from '../core/ed25519';
import { SCOPE_NAMES } from './tables';

export const TRUST_LIST_FORMAT = 'ykt-ecode-trust-list/1';
export const TRUST_LIST_KIND = 'ecode-trust-list';
const DOMAIN = 'YKE1/trust-list';
/** Bound on the artefact (bytes) and on the number of keys: a trust list is small. */
export const TRUST_LIST_MAX_BYTES = 1 << 20;
export const TRUST_LIST_MAX_KEYS = 4096;

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${n}}$`), `expected ${n} hex digits`);
const epochMs = z.number().int().min(0).max(8.64e15);

const issuerKeySchema = z
  .object({
    keyId: hex(16),
    issuer: z.string().min(1).max(200),
    publicKey: hex(64),
    validFromMs: epochMs,
    validToMs: epochMs,
    scopes: z.array(z.enum(SCOPE_NAMES as [string, ...string[]])).max(32).optional(),
    regions: z.array(z.string().regex(/^\d{2,6}$/, 'a region code prefix of 2 to 6 digits')).max(1000).optional(),
  })
  .strict();

const bodySchema = z
  .object({
    version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    issuedAtMs: epochMs,
    keys: z.array(issuerKeySchema).max(TRUST_LIST_MAX_KEYS),
  })
  .strict();

const envelopeSchema = z
  .object({
    format: z.literal(TRUST_LIST_FORMAT),
    rootKeyId: hex(16),
    signature: hex(128),
    body: z.string().max(TRUST_LIST_MAX_BYTES),
  })
  .strict();

export type TrustListBody = z.infer<typeof bodySchema>;

export interface IssuerKey {
  keyId: string; // lower-case hex
  issuer: string;
  publicKey: Uint8Array;
  validFromMs: number;
  validToMs: number;
  scopes?: readonly string[];
  regions?: readonly string[];
}

export interface TrustList {
  version: number;
  issuedAtMs: number;
  rootKeyId: string;
  keys: ReadonlyMap<string, IssuerKey>;
  /** The artefact exactly as received, for persistence. */
  bytes: Uint8Array;
}

export interface TrustRoot {
  publicKey: Uint8Array;
  label?: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; error: string };

const fail = (error: string): ValidationResult<never> => ({ ok: false, error });

function firstIssue(e: z.ZodError): string {
  const i = e.issues[0]!;
  return `${i.path.join('.') || '(root)'}: ${i.message}`;
}

/**
 * The payload validator for kind "ecode-trust-list": checks the root signature against the pinned
 * roots, the body's shape, that each key id is the id of its key, and that ids are unique.
 */
export function validateTrustList(payload: Uint8Array, roots: readonly TrustRoot[]): ValidationResult<TrustList> {
  if (!(payload instanceof Uint8Array)) return fail('payload: expected bytes');
  if (payload.length > TRUST_LIST_MAX_BYTES) return fail(`payload: ${payload.length} bytes exceeds ${TRUST_LIST_MAX_BYTES}`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (e) {
    return fail(`payload: not UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const env = envelopeSchema.safeParse(json);
  if (!env.success) return fail(`envelope: ${firstIssue(env.error)}`);
  const rootKeyId = env.data.rootKeyId.toLowerCase();
  const root = roots.find((r) => ed25519KeyId(r.publicKey) === rootKeyId);
  if (!root) return fail(`root key ${rootKeyId} is not one of the pinned trust roots (${roots.map((r) => ed25519KeyId(r.publicKey)).join(', ') || 'none configured'})`);
  const signed = new TextEncoder().encode(DOMAIN + env.data.body);
  if (!ed25519Verify(root.publicKey, signed, fromHex(env.data.signature))) return fail(`root signature does not verify (root ${rootKeyId})`);
  let bodyJson: unknown;
  try {
    bodyJson = JSON.parse(env.data.body);
  } catch (e) {
    return fail(`body: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const body = bodySchema.safeParse(bodyJson);
  if (!body.success) return fail(`body: ${firstIssue(body.error)}`);
  const keys = new Map<string, IssuerKey>();
  for (const [i, k] of body.data.keys.entries()) {
    const pub = fromHex(k.publicKey);
    const id = ed25519KeyId(pub);
    if (id !== k.keyId.toLowerCase()) return fail(`body.keys.${i}: keyId ${k.keyId} is not the id of its public key (${id})`);
    if (keys.has(id)) return fail(`body.keys.${i}: duplicate keyId ${id}`);
    if (k.validToMs <= k.validFromMs) return fail(`body.keys.${i}: validToMs must be after validFromMs`);
    keys.set(id, { keyId: id, issuer: k.issuer, publicKey: pub, validFromMs: k.validFromMs, validToMs: k.validToMs, scopes: k.scopes, regions: k.regions });
  }
  return { ok: true, value: { version: body.data.version, issuedAtMs: body.data.issuedAtMs, rootKeyId, keys, bytes: payload } };
}

/** Build and sign a trust list artefact (issuing side: tests, demo, `ykt ecode trust-list`). */
export function signTrustList(rootPrivateKey: Uint8Array, body: TrustListBody): Uint8Array {
  const parsed = bodySchema.parse(body);
  const text = JSON.stringify(parsed);
  const signature = ed25519Sign(rootPrivateKey, new TextEncoder().encode(DOMAIN + text));
  const env = { format: TRUST_LIST_FORMAT, rootKeyId: ed25519KeyId(ed25519PublicKey(rootPrivateKey)), signature: toHex(signature).toLowerCase(), body: text };
  return new TextEncoder().encode(JSON.stringify(env, null, 1));
}
