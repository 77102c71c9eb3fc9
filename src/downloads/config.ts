/**
 * The `downloads` config section (the integrator composes it into the terminal's config file). Every
 * field an operator tunes is named here with its default; the stale POLICY (fail-open / fail-closed…)
 * is the profile's, which reads store.status(kind).stale.
 */
import { z } from 'zod';
import { parseConfigSection } from '../core/config-section';
import { ed25519KeyId } from '../core/ed25519';
import { ConfigError } from '../core/errors';
import { DAY } from './registry';
import type { PublisherKey, TrustPolicy } from './trust';

const hex32 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits (a raw 32-byte Ed25519 public key)');
const when = z.union([z.number().int().min(0), z.iso.datetime({ offset: true })]).transform((v) => (typeof v === 'number' ? v : Date.parse(v)));

export const publisherKeySchema = z
  .object({
    publicKey: hex32,
    /** Optional check: if given, must equal the id derived from the key (first 8 bytes of SHA-256). */
    keyId: z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex digits').optional(),
    validFrom: when.optional(),
    validUntil: when.optional(),
    kinds: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/)).min(1).optional(),
    label: z.string().max(100).optional(),
  })
  .strict();

export const hotlistConfigSchema = z
  .object({
    /** Refuse lists (and deltas) above this many entries: bounds memory (8 bytes per entry). */
    maxEntries: z.number().int().min(1).max(200_000_000).default(20_000_000),
    /** store.maintain() (run by the runtime when idle) folds the delta overlay into a new base above this. */
    compactAfterEntries: z.number().int().min(1).default(1_000_000),
    /** A delta whose overlay would exceed this compacts during the apply itself (slower apply; bounds memory and files). */
    maxOverlayEntries: z.number().int().min(1).default(4_000_000),
  })
  .strict();

export const downloadsConfigSchema = z
  .object({
    /** Where the artefact store keeps its SQLite state and the hotlist files. */
    dataDir: z.string().min(1).default('./data/downloads'),
    /** Backend base URL (e.g. "http://clearing.example:8080"); unset = no automatic fetching. */
    backendUrl: z.url().optional(),
    /** Kinds fetched from the backend, in order. */
    kinds: z.array(z.string()).default(['hotlist', 'fare-params', 'pboc-capk', 'ecode-trust-list', 'ecode-revocations']),
    /** The pinned publisher keys (rotation: list old and new during the overlap). */
    publisherKeys: z.array(publisherKeySchema).default([]),
    /** Distinct trusted keys that must sign each artefact. */
    requiredSignatures: z.number().int().min(1).max(8).default(1),
    /** Per-kind maximum age (ms) before the kind is stale; overrides the module's default. */
    maxAgeMs: z.record(z.string(), z.number().int().min(1)).default({}),
    /** How far in the future an artefact's `created` may be (terminal clock error) before it is refused. */
    clockSkewMs: z.number().int().min(0).max(DAY).default(10 * 60_000),
    /** One fetch (request + body) must finish within this. */
    fetchTimeoutMs: z.number().int().min(100).default(60_000),
    /** How often the runtime polls the backend for new artefacts. */
    pollIntervalMs: z.number().int().min(1000).default(15 * 60_000),
    hotlist: hotlistConfigSchema.default(() => hotlistConfigSchema.parse({})),
  })
  .strict();

export type DownloadsConfig = z.infer<typeof downloadsConfigSchema>;
export type HotlistConfig = z.infer<typeof hotlistConfigSchema>;

export const DEFAULT_DOWNLOADS_CONFIG: DownloadsConfig = downloadsConfigSchema.parse({});

/** Validate the section; a ConfigError names the field. */
export function parseDownloadsConfig(raw: unknown): DownloadsConfig {
  return parseConfigSection(downloadsConfigSchema, raw ?? {}, 'downloads');
}

/** The trust policy from the config: keys decoded and their ids checked. */
export function trustFromConfig(cfg: DownloadsConfig): TrustPolicy {
  const keys: PublisherKey[] = cfg.publisherKeys.map((k, i) => {
    const publicKey = new Uint8Array(Buffer.from(k.publicKey, 'hex'));
    const keyId = ed25519KeyId(publicKey);
    if (k.keyId && k.keyId !== keyId) throw new ConfigError(`downloads.publisherKeys[${i}].keyId`, `is ${k.keyId} but the public key's id is ${keyId}: wrong key pasted?`);
    if (k.validFrom !== undefined && k.validUntil !== undefined && k.validUntil <= k.validFrom) {
      throw new ConfigError(`downloads.publisherKeys[${i}].validUntil`, 'must be after validFrom');
    }
    return { publicKey, keyId, validFrom: k.validFrom, validUntil: k.validUntil, kinds: k.kinds, label: k.label };
  });
  if (new Set(keys.map((k) => k.keyId)).size !== keys.length) throw new ConfigError('downloads.publisherKeys', 'lists the same key twice');
  if (keys.length < cfg.requiredSignatures) {
    throw new ConfigError(
      keys.length === 0 ? 'downloads.publisherKeys' : 'downloads.requiredSignatures',
      keys.length === 0 ? 'is empty: the terminal trusts no publisher and will refuse every download; add the publisher public key' : `needs ${cfg.requiredSignatures} signatures but only ${keys.length} keys are configured`,
    );
  }
  return { keys, requiredSignatures: cfg.requiredSignatures };
}
