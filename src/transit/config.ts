/**
 * The `transit` config section: everything an operator tunes for the transport e-purse, named,
 * validated, with defaults (STYLE.md §8). Values DOMAIN.md marks unconfirmed are settings here, not
 * constants: the algorithm-id mapping, the card-category table, the travel-record type codes, the
 * compound record ids and the order of the PSAM's diversification factors.
 */
import { z } from 'zod';
import { parseConfigSection } from '../core/config-section';
import type { EntitlementCategory } from '../core/credential';

const hex = (bytes: number, what: string) =>
  z
    .string()
    .regex(new RegExp(`^[0-9A-Fa-f]{${bytes * 2}}$`), `expected ${what}: ${bytes} bytes as ${bytes * 2} hex digits`)
    .transform((s) => s.toUpperCase());

const byteKey = z.string().regex(/^[0-9A-Fa-f]{2}$/, 'expected a byte as 2 hex digits, e.g. "04"');

export const transitConfigSchema = z
  .object({
    /**
     * The reader slot holding the transport PSAM: its PC/SC name or a part of it (e.g. "00 01" or
     * "SAM"). The runtime connects to it for MAC1/MAC2 and never treats a card there as a tap.
     * Unset: no PSAM (transport cards cannot be charged; e-codes and QuickPass still work).
     */
    samReader: z.string().min(1).max(128).optional(),
    /** The e-purse AID to select (T-Union by default; a MoHURD-only city card uses its own). */
    aid: z
      .string()
      .regex(/^([0-9A-Fa-f]{2}){5,16}$/, 'expected an AID of 5..16 bytes in hex')
      .default('A000000632010105'),
    /** This terminal's city code (file 0017 bytes 7–8 as 4 hex digits), e.g. "4910". */
    localCity: hex(2, 'a city code').default('4910'),
    /** Acquirer institution id written into travel records (8 bytes). */
    institution: hex(8, 'an institution id').default('0000000000000000'),
    /** Operator code written into travel records (2 bytes). */
    operator: hex(2, 'an operator code').default('0000'),
    acceptance: z
      .object({
        /** Accept T-Union interoperable cards (0017 interop type 0001) from any city. */
        interoperable: z.boolean().default(true),
        /** Non-interoperable (city-only) cards are accepted only from these city codes (default: localCity). */
        localOnlyCities: z.array(hex(2, 'a city code')).optional(),
        /** When non-empty, only these issuer ids (file 0015, 8 bytes) are accepted. */
        issuers: z.array(hex(8, 'an issuer id')).default([]),
      })
      .prefault({}),
    /**
     * Card category (file 0017 byte 11, hex) → entitlement categories for the fare engine.
     * VALUES UNCONFIRMED: each issuer publishes its own table; the defaults are placeholders.
     */
    categoryMap: z.record(byteKey, z.array(z.string().min(1))).default({
      '00': ['standard'],
      '01': ['standard'],
      '02': ['student'],
      '03': ['elderly'],
      '04': ['elderly-70'],
      '05': ['disabled'],
      '06': ['veteran'],
      '07': ['child'],
    }),
    /** A category byte missing from categoryMap: treat as standard fare, or decline the card. */
    unknownCategory: z.enum(['standard', 'decline']).default('standard'),
    /**
     * Algorithm id (byte 11 of the INITIALIZE answer) → algorithm. VALUES UNCONFIRMED (DOMAIN.md
     * §1.3): third-generation cards may use SM4; which byte value says so is not public.
     */
    algorithmIds: z.record(byteKey, z.enum(['3des', 'sm4'])).default({ '00': '3des', '04': 'sm4' }),
    /** Algorithms this terminal's PSAM can do. */
    acceptedAlgorithms: z.array(z.enum(['3des', 'sm4'])).min(1).default(['3des', 'sm4']),
    /**
     * Diversification factors sent in the PSAM's MAC1 command, in order (T-Union and MoHURD use 2).
     * ORDER UNCONFIRMED for a given PSAM issuer.
     */
    diversificationFactors: z.array(z.enum(['card-serial', 'issuer'])).min(1).max(3).default(['card-serial', 'issuer']),
    /** Travel-record (file 001E) type codes. VALUES UNCONFIRMED (JT/T 978 annex not at hand). */
    travelRecordTypes: z
      .object({
        single: z.number().int().min(0).max(255).default(0x06),
        entry: z.number().int().min(0).max(255).default(0x03),
        exit: z.number().int().min(0).max(255).default(0x04),
      })
      .prefault({}),
    /** Compound record (file 001A) record identifiers per industry. VALUES UNCONFIRMED. */
    compoundRecordIds: z
      .object({ metro: z.number().int().min(1).max(254).default(0x02), bus: z.number().int().min(1).max(254).default(0x01) })
      .prefault({}),
    /** Length of a compound record written by UPDATE CAPP DATA CACHE (bytes). */
    compoundRecordLength: z.number().int().min(32).max(128).default(48),
    /** Travel records read per tap (recent rides, for transfers and daily caps). */
    travelRecordsToRead: z.number().int().min(0).max(30).default(3),
    /** Transaction records read when a torn transaction is pending for the card (evidence). */
    transactionRecordsToRead: z.number().int().min(1).max(10).default(3),
    /** Use file 0015 from the SELECT answer's 9F0C (saves one APDU) when it is there and complete. */
    issuerFileFromFci: z.boolean().default(true),
    /** How long after a torn debit the card may come back to be recovered (GET TRANSACTION PROVE). */
    tornWindowSeconds: z.number().int().min(10).max(3600).default(120),
    /**
     * The card answered DEBIT (TAC and MAC2: the money is taken) but the PSAM could not check MAC2
     * (PSAM removed or reset between MAC1 and MAC2). A card cannot cause this — a forged MAC2 is
     * "invalid", always declined — so the default approves; "decline" (fail closed) risks charging a
     * rider twice when they tap again. The debit is recorded as mac2-unverified either way.
     */
    mac2UnverifiedPolicy: z.enum(['decline', 'approve']).default('approve'),
    /**
     * A torn debit confirmed on the next tap (GET TRANSACTION PROVE or the card's log) whose MAC2 the
     * PSAM can no longer check (another card's MAC1 replaced the session). "approve": the rider paid
     * by the card's own account and the backend checks the TAC; "decline": fail closed (the rider
     * is sent to staff; nothing is charged again either way).
     */
    recoveryUnverifiedPolicy: z.enum(['decline', 'approve']).default('approve'),
  })
  .strict();

export type TransitConfig = z.output<typeof transitConfigSchema>;
export type TransitConfigInput = z.input<typeof transitConfigSchema>;

/** The defaults, validated (for tests, the CLI and the integrator's composed config). */
export const defaultTransitConfig: TransitConfig = transitConfigSchema.parse({});

/** Validate the section; a bad field is a ConfigError naming `transit.<path>` and why. */
export function parseTransitConfig(input: unknown): TransitConfig {
  return parseConfigSection(transitConfigSchema, input ?? {}, 'transit');
}

/** Entitlements of a card category byte, or undefined when the table does not list it. */
export function categoriesOf(config: TransitConfig, category: number): EntitlementCategory[] | undefined {
  const k = category.toString(16).toUpperCase().padStart(2, '0');
  const entry = Object.entries(config.categoryMap).find(([key]) => key.toUpperCase() === k);
  return entry?.[1];
}

export function algorithmOf(config: TransitConfig, algorithmId: number): '3des' | 'sm4' | undefined {
  const k = algorithmId.toString(16).toUpperCase().padStart(2, '0');
  const entry = Object.entries(config.algorithmIds).find(([key]) => key.toUpperCase() === k);
  return entry?.[1];
}
