/**
 * The `profile` config section: what this terminal is for (bus validator, metro gate, library or museum
 * gate, hospital counter, canteen POS, identity check) and that place's own rules.
 */
import { z } from 'zod';

const yuanFen = z.number().int().min(0).max(100_000_000);

const common = {
  /** Accept the e-code as well as the card (卡码同权). */
  acceptCode: z.boolean().default(true),
  /** The e-code profile (ecode.profiles.<name>) whose scopes and policies apply here. */
  ecodeProfile: z.string().min(1).default('default'),
  /** Anti-passback: the same holder (card or code) is refused again within this many seconds; 0 = off. */
  antiPassbackSeconds: z.number().int().min(0).max(86_400).default(0),
  /** No usable hotlist (missing, corrupt, older than its maximum age): decline every card (fail-closed) or accept. */
  staleHotlist: z.enum(['decline', 'accept']).default('decline'),
};

export const busProfileSchema = z
  .object({
    kind: z.literal('bus'),
    ...common,
    /** Bus line number written into travel records and used by the fare table. */
    line: z.number().int().min(0).max(65535).default(1),
    /** Stop id (for zone fares on long lines; 0 = flat fare). */
    station: z.number().int().min(0).max(65535).default(0),
    /** Pay by QuickPass / EC when the card has no transport e-purse. */
    acceptQuickPass: z.boolean().default(true),
  })
  .strict();

export const metroProfileSchema = z
  .object({
    kind: z.literal('metro'),
    ...common,
    station: z.number().int().min(0).max(65535),
    /** This gate's direction. */
    direction: z.enum(['entry', 'exit']),
    line: z.number().int().min(0).max(65535).default(1),
  })
  .strict();

export const venueProfileSchema = z
  .object({
    kind: z.enum(['library', 'museum']),
    ...common,
    venue: z.string().min(1).max(64).default('venue'),
    /** Entries allowed per holder per day (0 = unlimited). */
    dailyQuotaPerHolder: z.number().int().min(0).max(100).default(0),
    /** Visitors allowed in per day (0 = unlimited). */
    dailyCapacity: z.number().int().min(0).max(1_000_000).default(0),
    /** Only holders with a reservation for today may enter. */
    reservationRequired: z.boolean().default(false),
    /** Reservations file { "YYYYMMDD": [holder tokens] }, kept current by the booking system; re-read when it changes. */
    reservationsFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((c) => !c.reservationRequired || c.reservationsFile, { message: 'reservationRequired needs reservationsFile', path: ['reservationsFile'] });

export const hospitalProfileSchema = z
  .object({
    kind: z.literal('hospital'),
    ...common,
    /**
     * Registration reads the holder's identity (EF06: name and ID number, which registration needs);
     * it is stored sealed (encrypted) in the journal, shown masked.
     */
    registration: z.boolean().default(true),
    /** Largest amount the operator may type for one payment. */
    maxAmountFen: yuanFen.default(5_000_00),
    /** TEST key for EF06 EXTERNAL AUTHENTICATE on emulated cards (real counters use a social-security PSAM). */
    ssseTestAuthKey: z.string().regex(/^[0-9A-Fa-f]{32}$/).optional(),
  })
  .strict();

export const canteenProfileSchema = z
  .object({
    kind: z.literal('canteen'),
    ...common,
    /** Largest amount for one sale. */
    maxAmountFen: yuanFen.default(200_00),
    /** Spending allowed per holder per day (subsidy + card), 0 = unlimited. */
    dailyLimitFen: yuanFen.default(100_00),
    /** Subsidy wallet: credited per holder per day by category; spent before the card is charged. */
    subsidy: z
      .object({
        enabled: z.boolean().default(true),
        /** Daily subsidy per entitlement category (fen); "default" applies to everyone else. */
        dailyFenByCategory: z.record(z.string(), yuanFen).default({ default: 0, elderly: 5_00, 'elderly-70': 8_00 }),
      })
      .prefault({}),
    /** A refund of the last sale is allowed within this many seconds. */
    refundWindowSeconds: z.number().int().min(0).max(86_400).default(600),
  })
  .strict();

export const identityProfileSchema = z
  .object({
    kind: z.literal('identity'),
    ...common,
    /** What the check is for, recorded with it ("hotel-registration"). */
    purpose: z.string().min(1).max(64).default('hotel-registration'),
    /** Read and record holder data (sealed) where the purpose needs it (hotel registration does). */
    recordHolder: z.boolean().default(true),
    ssseTestAuthKey: z.string().regex(/^[0-9A-Fa-f]{32}$/).optional(),
  })
  .strict();

export const profileConfigSchema = z.discriminatedUnion('kind', [
  busProfileSchema,
  metroProfileSchema,
  venueProfileSchema,
  hospitalProfileSchema,
  canteenProfileSchema,
  identityProfileSchema,
]);

export type ProfileConfig = z.infer<typeof profileConfigSchema>;
export type BusProfileConfig = z.infer<typeof busProfileSchema>;
export type MetroProfileConfig = z.infer<typeof metroProfileSchema>;
export type VenueProfileConfig = z.infer<typeof venueProfileSchema>;
export type HospitalProfileConfig = z.infer<typeof hospitalProfileSchema>;
export type CanteenProfileConfig = z.infer<typeof canteenProfileSchema>;
export type IdentityProfileConfig = z.infer<typeof identityProfileSchema>;
