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

/** Fields the two transit profiles share (src/runtime/profiles/transit, docs/runtime-transit.md). */
const transit = {
  /**
   * Read the social security application's card identification code on every tap (3 APDUs; 1 on a
   * card without it): the holder token lets card and e-code of one person share transfers, caps and
   * anti-passback (卡码同权), and a lost social security card (挂失) is refused. Off: a transport card
   * is its own holder.
   */
  ssseHolderToken: z.boolean().default(true),
  /** The ride ledger (transfers, caps, e-code metro trips), SQLite. Default <terminal.dataDir>/transit-rides.sqlite. */
  rideLedgerPath: z.string().min(1).optional(),
  /** E-code scopes that may ride here: a transit code is the rider's consent to a post-paid fare (the e-code profile must allow them too). */
  codeScopes: z.array(z.string().min(1)).min(1).default(['transit']),
};

export const busProfileSchema = z
  .object({
    kind: z.literal('bus'),
    ...common,
    ...transit,
    /** Bus line number; selects the fare profile when fareProfile is not set. */
    line: z.number().int().min(0).max(65535).default(1),
    /** Stop id (for zone fares on long lines; 0 = flat fare). */
    station: z.number().int().min(0).max(65535).default(0),
    /** Fare profile in the fare parameter file (e.g. "bus-26"). Default: the flat bus profile whose line is `line`. */
    fareProfile: z.string().min(1).max(64).optional(),
    /** Pay by QuickPass / EC when the card has no transport e-purse. */
    acceptQuickPass: z.boolean().default(true),
  })
  .strict();

export const metroProfileSchema = z
  .object({
    kind: z.literal('metro'),
    ...common,
    ...transit,
    /** Station and line numbers of this gate, as in the fare file's stations (and the card's trip records). */
    station: z.number().int().min(0).max(65535),
    /** This gate's direction. */
    direction: z.enum(['entry', 'exit']),
    line: z.number().int().min(0).max(65535).default(1),
    /** Fare profile in the fare parameter file (e.g. "metro-l1"): distance or zone fares, penalties. */
    fareProfile: z.string().min(1).max(64),
    /**
     * Anti-passback at entry: no re-entry of the same card (its own trip record) or holder (card or
     * code) within this many seconds. Later, an entry without exit pays the fare file's missing-exit rule.
     */
    antiPassbackSeconds: z.number().int().min(0).max(86_400).default(300),
    /** An e-code entry older than this is forgotten: its exit then pays the missing-entry rule. */
    codeTripMaxHours: z.number().int().min(1).max(168).default(24),
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

const hex16 = z.string().regex(/^[0-9A-Fa-f]{32}$/, 'expected a 16-byte key as 32 hex digits');
const isLoopback = (h: string) => h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);

/**
 * The operator (cashier) API of the hospital counter and the canteen POS (docs/operator-api.md): a small
 * HTTP API on loopback through which the cash-register software types amounts, cancels and refunds.
 */
export const operatorApiSchema = z
  .object({
    /** Serve the operator API (a counter without it cannot take amounts: every tap is "enter the amount first"). */
    enabled: z.boolean().default(true),
    /** Loopback only: the cash-register software runs on the terminal itself. */
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .refine(isLoopback, { message: 'the operator API is served on loopback only (127.0.0.1, ::1 or localhost)' }),
    /** TCP port (0 = any free port, for tests; the bound port is in terminal.operatorApi.url). */
    port: z.number().int().min(0).max(65535).default(8481),
    /**
     * Bearer token the cash-register software sends ("Authorization: Bearer <token>"). Unset: a random
     * token is created once in tokenFile (mode 0600) and reused.
     */
    token: z.string().min(16, 'at least 16 characters').max(256).optional(),
    /** Where the generated token is kept (default: <terminal.dataDir>/operator-token). */
    tokenFile: z.string().min(1).optional(),
  })
  .strict()
  .prefault({});

/** Fields the two cashier profiles share. */
const pos = {
  /** A typed amount not used within this many seconds is dropped (never charged later by surprise); 0 = kept until used or cancelled. */
  amountTimeoutSeconds: z.number().int().min(0).max(86_400).default(300),
  /** The last sale may be refunded from the operator API within this many seconds. */
  refundWindowSeconds: z.number().int().min(0).max(86_400).default(600),
  /**
   * Readers (name substrings) that are contact slots: payments there run the full PBOC contact path.
   * Other readers: the driver's name convention (PICC/CL = contactless, ICC = contact), else contactless.
   */
  contactReaders: z.array(z.string().min(1)).default([]),
  operatorApi: operatorApiSchema,
};

export const hospitalProfileSchema = z
  .object({
    kind: z.literal('hospital'),
    ...common,
    ...pos,
    /**
     * This counter registers patients: the operator may ask for registration (alone, or with the payment
     * of the registration fee in the same tap). Registration reads the holder's identity (EF06: name and
     * ID number, which registration needs); it is stored sealed (encrypted) in the journal, shown masked.
     */
    registration: z.boolean().default(true),
    /** Largest amount the operator may type for one payment. */
    maxAmountFen: yuanFen.default(5_000_00),
    /** TEST key for EF06 EXTERNAL AUTHENTICATE on emulated cards (real counters use a social-security PSAM). */
    ssseTestAuthKey: hex16.optional(),
    /** UnionPay cards without the social security application may pay (not register). */
    acceptBankCards: z.boolean().default(true),
    /** E-code scopes accepted here (the e-code profile must allow them too). */
    codeScopes: z.array(z.string().min(1)).min(1).default(['medical']),
  })
  .strict();

export const canteenProfileSchema = z
  .object({
    kind: z.literal('canteen'),
    ...common,
    ...pos,
    /** Largest amount for one sale. */
    maxAmountFen: yuanFen.default(200_00),
    /** Spending allowed per holder per day (subsidy + card + post-paid code), 0 = unlimited. */
    dailyLimitFen: yuanFen.default(100_00),
    /** Subsidy wallet: credited per holder per day by category; spent before the card is charged. */
    subsidy: z
      .object({
        enabled: z.boolean().default(true),
        /**
         * Daily subsidy per entitlement category (fen), for the CST calendar day (what is not spent lapses
         * at midnight). A holder with several categories gets the largest; "default" applies to holders
         * none of whose categories is listed.
         */
        dailyFenByCategory: z.record(z.string(), yuanFen).default({ default: 0, elderly: 5_00, 'elderly-70': 8_00 }),
        /**
         * Roster { "<holder token>": ["elderly-70", …] } kept by the canteen's management system; re-read
         * when it changes. Its categories add to the credential's (a card says only "standard"; an e-code
         * certificate may carry categories): the same holder gets the same subsidy by card or code.
         */
        rosterFile: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    /** E-code scopes accepted here (the e-code profile must allow them too). */
    codeScopes: z.array(z.string().min(1)).min(1).default(['payment']),
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
export type OperatorApiConfig = z.infer<typeof operatorApiSchema>;
