/**
 * The fare parameter file (format "ykt-fares/1"): JSON, validated here with zod, delivered to
 * terminals as a signed "fare-params" artefact through src/downloads (the integrator registers
 * `validateFareParameterSet` as that kind's validator). Money is integer fen; times are CST.
 *
 * What the file can say (docs/fares.md has a worked example):
 *  - stations: code → { name, line, station, km?, zone? }
 *  - profiles: flat (bus, or a flat-fare metro), distance bands (metro), zones (metro), each metro
 *    profile with its penalties (missing entry, missing exit, overstay)
 *  - concessions by entitlement category, optionally limited to profiles, industries, times of day
 *  - transfer discounts within a window between industries
 *  - daily / monthly caps, optionally per category
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors';

export const FARE_FORMAT = 'ykt-fares/1';
/** Larger files are refused before parsing (a fare table for a big network is well under this). */
export const MAX_FARE_FILE_BYTES = 4 << 20;

const fen = z.number().int('expected whole fen').min(0).max(10_000_00, 'expected at most 10000.00 yuan');
const u16 = z.number().int().min(0).max(0xffff);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time "HH:MM" (00:00–23:59)');
const industry = z.enum(['bus', 'metro']);
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected a code of letters, digits, _ . - (max 64)');
const percent = z.number().int().min(0).max(100);

/** A time window, CST. `to` is exclusive; from > to wraps past midnight; from = to is the whole day. days: 1 = Monday … 7 = Sunday. */
export const timeWindowSchema = z
  .object({
    days: z.array(z.number().int().min(1).max(7)).min(1).optional(),
    from: hhmm,
    to: hhmm,
  })
  .strict();

export const stationSchema = z
  .object({
    name: z.string().min(1).max(64),
    line: u16,
    station: u16,
    /** Position along the network in km (distance = |km_a − km_b| unless `distances` lists the pair). */
    km: z.number().min(0).max(10_000).optional(),
    zone: z.number().int().min(1).max(99).optional(),
  })
  .strict();

export const penaltiesSchema = z
  .object({
    /** Exit with no entry on the card: the profile's highest fare from this station, or a fixed amount. */
    missingEntry: z.union([z.literal('max-fare'), z.object({ fen }).strict()]).default('max-fare'),
    /** Entry while the card says the last trip was never closed: charged at this entry. */
    missingExitFen: fen.default(0),
    /** Time inside the paid area after which `overstayFen` is added at exit. */
    overstayMinutes: z.number().int().min(1).max(24 * 60).optional(),
    overstayFen: fen.default(0),
  })
  .strict();

const flatProfile = z
  .object({
    mode: z.literal('flat'),
    industry,
    description: z.string().max(200).optional(),
    fareFen: fen,
    /** Line number written into travel records (bus route). */
    line: u16.default(0),
    penalties: penaltiesSchema.prefault({}),
  })
  .strict();

const distanceProfile = z
  .object({
    mode: z.literal('distance'),
    industry: z.literal('metro'),
    description: z.string().max(200).optional(),
    /** Ascending bands: a trip of d km pays the first band with d ≤ upToKm. */
    bands: z.array(z.object({ upToKm: z.number().positive(), fareFen: fen }).strict()).min(1),
    /** Beyond the last band: add addFen for every started everyKm. */
    beyond: z.object({ everyKm: z.number().positive(), addFen: fen }).strict().optional(),
    maxFareFen: fen.optional(),
    penalties: penaltiesSchema.prefault({}),
  })
  .strict();

const zonesProfile = z
  .object({
    mode: z.literal('zones'),
    industry: z.literal('metro'),
    description: z.string().max(200).optional(),
    /** zoneFares[n-1] = fare for a trip touching n zones (|zone_a − zone_b| + 1); the last entry covers more. */
    zoneFares: z.array(fen).min(1),
    penalties: penaltiesSchema.prefault({}),
  })
  .strict();

export const profileSchema = z.discriminatedUnion('mode', [flatProfile, distanceProfile, zonesProfile]);

const concessionCommon = {
  id: name,
  description: z.string().max(200).optional(),
  /** Entitlement categories (Credential.categories) any one of which qualifies. */
  categories: z.array(z.string().min(1)).min(1),
  profiles: z.array(name).optional(),
  industries: z.array(industry).optional(),
  /** When it applies; absent = always. */
  times: z.array(timeWindowSchema).min(1).optional(),
};

export const concessionSchema = z.discriminatedUnion('kind', [
  z.object({ ...concessionCommon, kind: z.literal('free') }).strict(),
  /** Pays payPercent of the fare (50 = half price), rounded to the nearest fen (half up). */
  z.object({ ...concessionCommon, kind: z.literal('pay-percent'), payPercent: percent }).strict(),
  z.object({ ...concessionCommon, kind: z.literal('fixed'), fareFen: fen }).strict(),
  z.object({ ...concessionCommon, kind: z.literal('discount-fen'), discountFen: fen }).strict(),
]);

const transferCommon = {
  id: name,
  description: z.string().max(200).optional(),
  from: z.array(industry).min(1),
  to: z.array(industry).min(1),
  /** Minutes from the previous boarding (bus tap or metro entry) to this boarding. */
  windowMinutes: z.number().int().min(1).max(24 * 60),
  /** Only when the previous ride was on another line (default) — a same-line re-tap is not a transfer. */
  differentLine: z.boolean().default(true),
};

export const transferSchema = z.discriminatedUnion('kind', [
  z.object({ ...transferCommon, kind: z.literal('free') }).strict(),
  z.object({ ...transferCommon, kind: z.literal('discount-fen'), discountFen: fen }).strict(),
  z.object({ ...transferCommon, kind: z.literal('pay-percent'), payPercent: percent }).strict(),
]);

export const capSchema = z
  .object({
    id: name,
    period: z.enum(['day', 'month']),
    capFen: fen,
    /** Only riders with one of these categories (absent: everyone). */
    categories: z.array(z.string().min(1)).min(1).optional(),
    industries: z.array(industry).optional(),
  })
  .strict();

export const fareParametersSchema = z
  .object({
    format: z.literal(FARE_FORMAT),
    /** Parameter-set version, as the operator names it ("2026-11-01.1"). */
    version: z.string().min(1).max(64),
    currency: z.literal('CNY').default('CNY'),
    operator: z.string().max(100).optional(),
    stations: z.record(name, stationSchema).default({}),
    /** Explicit station-pair distances (symmetric), for networks where a km position is not enough. */
    distances: z.array(z.object({ from: name, to: name, km: z.number().min(0).max(10_000) }).strict()).default([]),
    profiles: z.record(name, profileSchema),
    concessions: z.array(concessionSchema).default([]),
    transfers: z.array(transferSchema).default([]),
    caps: z.array(capSchema).default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (Object.keys(p.profiles).length === 0) issue(['profiles'], 'expected at least one profile');
    const seen = new Map<string, string>();
    for (const [code, s] of Object.entries(p.stations)) {
      const k = `${s.line}/${s.station}`;
      const other = seen.get(k);
      if (other) issue(['stations', code], `line ${s.line} station ${s.station} is also station "${other}"`);
      seen.set(k, code);
    }
    for (const [i, d] of p.distances.entries()) {
      if (!p.stations[d.from]) issue(['distances', i, 'from'], `unknown station "${d.from}"`);
      if (!p.stations[d.to]) issue(['distances', i, 'to'], `unknown station "${d.to}"`);
    }
    for (const [pn, prof] of Object.entries(p.profiles)) {
      if (prof.mode === 'distance') {
        for (let i = 1; i < prof.bands.length; i++) {
          if (prof.bands[i]!.upToKm <= prof.bands[i - 1]!.upToKm) issue(['profiles', pn, 'bands', i, 'upToKm'], 'bands must be in ascending upToKm order');
        }
        for (const [code, s] of Object.entries(p.stations)) {
          if (s.km === undefined) issue(['stations', code, 'km'], `distance profile "${pn}" needs a km position for every station`);
        }
      }
      if (prof.mode === 'zones') {
        for (const [code, s] of Object.entries(p.stations)) {
          if (s.zone === undefined) issue(['stations', code, 'zone'], `zones profile "${pn}" needs a zone for every station`);
        }
      }
    }
    const checkProfiles = (what: string, list: { id: string; profiles?: string[] }[]) => {
      const ids = new Set<string>();
      list.forEach((c, i) => {
        if (ids.has(c.id)) issue([what, i, 'id'], `duplicate id "${c.id}"`);
        ids.add(c.id);
        c.profiles?.forEach((pr, j) => {
          if (!p.profiles[pr]) issue([what, i, 'profiles', j], `unknown profile "${pr}"`);
        });
      });
    };
    checkProfiles('concessions', p.concessions);
    checkProfiles('transfers', p.transfers);
    checkProfiles('caps', p.caps);
  });

export type FareParameters = z.output<typeof fareParametersSchema>;
export type FareProfile = z.output<typeof profileSchema>;
export type Concession = z.output<typeof concessionSchema>;
export type TransferRule = z.output<typeof transferSchema>;
export type CapRule = z.output<typeof capSchema>;
export type TimeWindow = z.output<typeof timeWindowSchema>;

function describe(e: z.ZodError): string {
  return e.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(file)'}: ${i.message}`)
    .join('; ');
}

/** Validate a parsed JSON value; a ConfigError names the first problems (field path and why). */
export function parseFareParameters(input: unknown): FareParameters {
  const r = fareParametersSchema.safeParse(input);
  if (!r.success) throw new ConfigError('fare parameters', describe(r.error));
  return r.data;
}

/**
 * The "fare-params" artefact validator (pure): UTF-8 JSON bytes → FareParameters, or an Error whose
 * message tells the operator what is wrong. Signature fits ArtefactKindSpec.validate.
 */
export function validateFareParameterSet(payload: Uint8Array): FareParameters {
  if (!(payload instanceof Uint8Array)) throw new TypeError('fare parameter set: expected bytes');
  if (payload.length > MAX_FARE_FILE_BYTES) throw new RangeError(`fare parameter set: ${payload.length} bytes, at most ${MAX_FARE_FILE_BYTES} accepted`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (e) {
    throw new ConfigError('fare parameters', `not UTF-8 JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseFareParameters(json);
}
