/**
 * The e-code section of the terminal configuration (STYLE.md §8: every security choice has a name and
 * a default a reviewer can find). Global policy first, then per-profile policy: the service scope,
 * the accepted code schemes, fail-open vs fail-closed for "cannot decide", anti-passback.
 */
import { z } from 'zod';
import { parseConfigSection } from '../core/config-section';
import { SCOPE_NAMES } from './tables';

const hexKey = z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected a 32-byte Ed25519 public key as 64 hex digits');

export const ecodeProfileSchema = z
  .object({
    /** Service scopes a code may be made for at this profile ("transit", "culture", …; see tables.ts). */
    scopes: z.array(z.enum(SCOPE_NAMES as [string, ...string[]])).min(1).default(['general']),
    /** Code schemes accepted here (scheme ids of the registry). A static code only where listed. */
    acceptedSchemes: z.array(z.string().min(1)).min(1).default(['ykt-ecode-v1']),
    /** What "cannot decide" means at this profile: open the gate anyway, or keep it closed. */
    cannotDecide: z.enum(['fail-closed', 'fail-open']).default('fail-closed'),
    /** The same holder (card or code) is refused again within this many seconds; 0 = off. */
    antiPassbackSeconds: z.number().int().min(0).max(86_400).default(0),
    /** Override of codeMaxAgeSeconds for this profile (medical-insurance codes refresh every 30 s). */
    codeMaxAgeSeconds: z.number().int().min(5).max(3600).optional(),
    /**
     * Terminal challenge (a nonce the terminal shows, answered inside the code): "required" refuses codes
     * without one. In both modes a code that carries a challenge must carry the terminal's current one.
     */
    challenge: z.enum(['off', 'required']).default('off'),
    /** Region code prefixes accepted (e.g. "41" = Henan); empty = every region (一码通城 across cities). */
    acceptedRegions: z.array(z.string().regex(/^\d{2,6}$/, 'a region code prefix of 2 to 6 digits')).default([]),
  })
  .strict();

export const ecodeConfigSchema = z
  .object({
    /** Where the replay set, anti-passback memory, revocations and trust list live (ecode.sqlite). */
    dataDir: z.string().min(1).default('.var/ecode'),
    /** Pinned e-code trust roots: the keys that may sign trust lists. */
    trustRoots: z.array(z.object({ publicKey: hexKey, label: z.string().optional() }).strict()).default([]),
    /** Tolerated difference between the phone's clock and the terminal's, both ways. */
    clockSkewSeconds: z.number().int().min(0).max(3600).default(30),
    /** A code is refused once older than this (plus the skew). Apps refresh the code about every 60 s. */
    codeMaxAgeSeconds: z.number().int().min(5).max(3600).default(90),
    /** Older trust list → "cannot decide" (trust-list-stale). */
    trustListMaxAgeHours: z.number().min(1).max(24 * 365).default(24 * 7),
    /** Older revocation list → "cannot decide" (revocation-list-stale). */
    revocationListMaxAgeHours: z.number().min(1).max(24 * 365).default(48),
    /** Without any revocation list installed: "cannot decide" (true) or verify without one (false). */
    requireRevocationList: z.boolean().default(true),
    /** A wall clock earlier than this is not trustworthy (an RTC that lost its battery). ISO date. */
    clockNotBefore: z.iso.date().default('2025-01-01'),
    /** Verified holder certificates remembered (their issuer signature is the same in every code of a phone). */
    certCacheSize: z.number().int().min(0).max(1_000_000).default(10_000),
    /** Longest code text accepted before any parsing. */
    maxCodeLength: z.number().int().min(64).max(8192).default(1024),
    /** Prune expired seen/passback/revocation rows every N admitted codes. */
    pruneEvery: z.number().int().min(1).default(1000),
    profiles: z.record(z.string().min(1), ecodeProfileSchema).default({ default: ecodeProfileSchema.parse({}) }),
  })
  .strict();

export type EcodeConfig = z.infer<typeof ecodeConfigSchema>;
export type EcodeProfile = z.infer<typeof ecodeProfileSchema>;
export type EcodeConfigInput = z.input<typeof ecodeConfigSchema>;

export const ECODE_CONFIG_DEFAULTS: EcodeConfig = ecodeConfigSchema.parse({});

/** Parse the `ecode` section; a bad field is a ConfigError naming it. */
export function parseEcodeConfig(input: unknown, section = 'ecode'): EcodeConfig {
  return parseConfigSection(ecodeConfigSchema, input ?? {}, section);
}
