/**
 * Signed firmware metadata, after TUF (The Update Framework spec 1.0, §4) with three roles:
 *
 * - root: the keys and thresholds of every role; pinned on the terminal at provisioning; rotated by
 *   publishing version N+1 signed by a threshold of version N's root keys AND of its own (§5.3.4).
 * - targets: the images: name → length, SHA-256, and custom { version, hardware }.
 * - timestamp: short-lived; names the current targets.json by version, length and SHA-256, so a
 *   terminal that sees a fresh timestamp cannot be served an older or a mismatched targets file
 *   (freeze and mix-and-match protection). TUF's snapshot role is folded into it: with one targets
 *   role and no delegations, snapshot would list exactly one file.
 *
 * File: { "signed": {...}, "signatures": [{ "keyid": hex16, "sig": hex128 }] }. A signature covers
 *   "YKT-FIRMWARE-META-V1" ‖ 0x00 ‖ canonicalJson(signed)   (canonical-json.ts),
 * the prefix separating these signatures from any other use of the same keys (e.g. downloads' envelope).
 * Key ids are ed25519KeyId(public key) (first 8 bytes of SHA-256, hex) and are checked against the key.
 */
import { z } from 'zod';
import { ed25519KeyId, ed25519Sign, ed25519Verify, ed25519PublicKey } from '../core/ed25519';
import { canonicalBytes, parseJsonBounded } from './canonical-json';
import { FirmwareError } from './errors';
import { VERSION_RE } from './version';

export const SPEC_VERSION = 'ykt-firmware/1';
const SIG_DOMAIN = new TextEncoder().encode('YKT-FIRMWARE-META-V1\0');

/** Size limits checked before a metadata file is parsed. */
export const METADATA_MAX_BYTES = { root: 64 * 1024, timestamp: 16 * 1024, targets: 1024 * 1024 } as const;
export const MAX_SIGNATURES = 16;
export const MAX_KEYS = 32;
export const MAX_TARGETS = 256;

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`), `${n} lowercase hex digits`);
const keyId = hex(16);
const uint = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const metaVersion = uint.min(1);
/** UTC, whole seconds: 2026-12-01T00:00:00Z. */
const expires = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'UTC time like 2026-12-01T00:00:00Z')
  .refine((s) => Number.isFinite(Date.parse(s)), 'not a real date');
export const HARDWARE_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const TARGET_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

const keySchema = z.strictObject({ keytype: z.literal('ed25519'), scheme: z.literal('ed25519'), public: hex(64) });
const roleKeysSchema = z
  .strictObject({ keyids: z.array(keyId).min(1).max(MAX_KEYS), threshold: z.number().int().min(1).max(MAX_KEYS) })
  .refine((r) => new Set(r.keyids).size === r.keyids.length, 'duplicate key id in a role')
  .refine((r) => r.threshold <= r.keyids.length, 'threshold larger than the number of keys');

export const rootSignedSchema = z
  .strictObject({
    _type: z.literal('root'),
    spec: z.literal(SPEC_VERSION),
    version: metaVersion,
    expires,
    keys: z.record(keyId, keySchema),
    roles: z.strictObject({ root: roleKeysSchema, targets: roleKeysSchema, timestamp: roleKeysSchema }),
  })
  .refine((r) => Object.keys(r.keys).length <= MAX_KEYS, `at most ${MAX_KEYS} keys`)
  .refine((r) => Object.entries(r.keys).every(([id, k]) => ed25519KeyId(fromHex(k.public)) === id), 'a key id does not match its key')
  .refine((r) => Object.values(r.roles).every((role) => role.keyids.every((id) => id in r.keys)), 'a role names a key that is not listed');

const sha256Hex = hex(64);
export const targetSchema = z.strictObject({
  length: uint.min(1),
  hashes: z.strictObject({ sha256: sha256Hex }),
  custom: z.strictObject({
    version: z.string().regex(VERSION_RE, 'MAJOR.MINOR.PATCH'),
    hardware: z.array(z.string().regex(HARDWARE_RE, 'hardware id: lowercase letters, digits, . _ -')).min(1).max(32),
  }),
});

export const targetsSignedSchema = z
  .strictObject({
    _type: z.literal('targets'),
    spec: z.literal(SPEC_VERSION),
    version: metaVersion,
    expires,
    targets: z.record(z.string().regex(TARGET_NAME_RE, 'target name: letters, digits, . _ + -'), targetSchema),
  })
  .refine((t) => Object.keys(t.targets).length <= MAX_TARGETS, `at most ${MAX_TARGETS} targets`);

export const timestampSignedSchema = z.strictObject({
  _type: z.literal('timestamp'),
  spec: z.literal(SPEC_VERSION),
  version: metaVersion,
  expires,
  meta: z.strictObject({ 'targets.json': z.strictObject({ version: metaVersion, length: uint.min(1), hashes: z.strictObject({ sha256: sha256Hex }) }) }),
});

export type RootSigned = z.infer<typeof rootSignedSchema>;
export type TargetsSigned = z.infer<typeof targetsSignedSchema>;
export type TimestampSigned = z.infer<typeof timestampSignedSchema>;
export type Target = z.infer<typeof targetSchema>;
export type RoleName = 'root' | 'targets' | 'timestamp';
export type SignedOf<R extends RoleName> = R extends 'root' ? RootSigned : R extends 'targets' ? TargetsSigned : TimestampSigned;

const SCHEMAS = { root: rootSignedSchema, targets: targetsSignedSchema, timestamp: timestampSignedSchema } as const;

const envelopeSchema = z.strictObject({
  signed: z.record(z.string(), z.unknown()),
  signatures: z.array(z.strictObject({ keyid: keyId, sig: hex(128) })).max(MAX_SIGNATURES),
});

export interface Signature {
  keyid: string;
  sig: string;
}

/** A parsed, schema-checked metadata file; signatures are NOT yet checked (see verifyRole). */
export interface Metadata<R extends RoleName> {
  role: R;
  signed: SignedOf<R>;
  /** Exactly the bytes the signatures cover. */
  signedBytes: Uint8Array;
  signatures: Signature[];
  /** The file as received (what the trust store keeps). */
  bytes: Uint8Array;
}

export function fromHex(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, 'hex'));
}
export function toHexLower(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function signingInput(signed: unknown): Uint8Array {
  const body = canonicalBytes(signed);
  const out = new Uint8Array(SIG_DOMAIN.length + body.length);
  out.set(SIG_DOMAIN);
  out.set(body, SIG_DOMAIN.length);
  return out;
}

/** Parse a metadata file of role `role` (bounded, schema-checked). */
export function parseMetadata<R extends RoleName>(role: R, bytes: Uint8Array, what = `${role}.json`): Metadata<R> {
  const json = parseJsonBounded(bytes, METADATA_MAX_BYTES[role], what);
  const env = envelopeSchema.safeParse(json);
  if (!env.success) throw new FirmwareError('malformed', `${what}: ${describeIssue(env.error)}`);
  const body = SCHEMAS[role].safeParse(env.data.signed);
  if (!body.success) throw new FirmwareError('malformed', `${what}: signed.${describeIssue(body.error)}`);
  return { role, signed: body.data as SignedOf<R>, signedBytes: signingInput(env.data.signed), signatures: env.data.signatures, bytes };
}

function describeIssue(e: z.ZodError): string {
  const i = e.issues[0]!;
  return `${i.path.map(String).join('.') || '(top)'}: ${i.message}`;
}

/**
 * Check that at least `threshold` distinct keys of `role` (as defined by `root`) signed `md`.
 * Signatures by unknown keys or repeated key ids count once or not at all (TUF §5.3.3 / §5.4.2).
 * Returns the number of valid distinct signatures; throws FirmwareError('signature') below threshold.
 */
export function verifyRole(md: Metadata<RoleName>, roleName: RoleName, root: RootSigned, what = `${md.role}.json`): number {
  const role = root.roles[roleName];
  const allowed = new Set(role.keyids);
  const good = new Set<string>();
  for (const s of md.signatures) {
    if (!allowed.has(s.keyid) || good.has(s.keyid)) continue;
    const key = root.keys[s.keyid];
    if (key && ed25519Verify(fromHex(key.public), md.signedBytes, fromHex(s.sig))) good.add(s.keyid);
  }
  if (good.size < role.threshold) {
    throw new FirmwareError(
      'signature',
      `${what}: ${good.size} valid signature(s) from the ${roleName} role's keys (root v${root.version}), ${role.threshold} required — refusing it`,
    );
  }
  return good.size;
}

/** Repository side: sign `signed` with each private key; returns the file bytes (pretty JSON, readable). */
export function signMetadata(signed: RootSigned | TargetsSigned | TimestampSigned, privateKeys: readonly Uint8Array[]): Uint8Array {
  const input = signingInput(signed);
  const signatures = privateKeys.map((k) => ({ keyid: ed25519KeyId(ed25519PublicKey(k)), sig: toHexLower(ed25519Sign(k, input)) }));
  return new TextEncoder().encode(JSON.stringify({ signed, signatures }, null, 2) + '\n');
}

/** Add signatures to an existing file (threshold signing by several key holders). */
export function addSignatures(fileBytes: Uint8Array, role: RoleName, privateKeys: readonly Uint8Array[]): Uint8Array {
  const md = parseMetadata(role, fileBytes);
  const sigs = [...md.signatures];
  for (const k of privateKeys) {
    const keyid = ed25519KeyId(ed25519PublicKey(k));
    if (sigs.some((s) => s.keyid === keyid)) continue;
    sigs.push({ keyid, sig: toHexLower(ed25519Sign(k, md.signedBytes)) });
  }
  return new TextEncoder().encode(JSON.stringify({ signed: md.signed, signatures: sigs }, null, 2) + '\n');
}

export function publicKeyEntry(publicKey: Uint8Array): { keyid: string; key: { keytype: 'ed25519'; scheme: 'ed25519'; public: string } } {
  return { keyid: ed25519KeyId(publicKey), key: { keytype: 'ed25519', scheme: 'ed25519', public: toHexLower(publicKey) } };
}

/** Expiry in epoch ms. */
export function expiresAt(signed: { expires: string }): number {
  return Date.parse(signed.expires);
}

/** Format epoch ms as the metadata's expiry format (whole seconds, UTC). */
export function formatExpires(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
