/**
 * Emulated transport cards personalised from JSON (fixtures/transit/cards/*.json): the e-purse ADF
 * with files 0015, 0017, 0018, 001E, 001A, keys derived from a TEST master key set (two-level
 * diversification: issuer, then card serial), and faulty variants.
 *
 * A fixture has the shape of the shared card fixtures ({label, note, atr, protocol, sections}), with
 * the transit application under sections.transit; `buildTransitCard` builds a transport-only card.
 * src/emulator/card-fixture.ts builds "transit" sections with `transitFixtureSection`, so a social
 * security card fixture carries the transport application too (then the stopped/locked SELECT faults,
 * which need a hook on the MF, are not available).
 */
import { z } from 'zod';
import { encodeBcd } from '../../../apdu/codec';
import { fromHex, toHex, writeUint } from '../../../apdu/hex';
import { encodeTlv } from '../../../apdu/tlv';
import { parseConfigSection } from '../../core/config-section';
import { ConfigError } from '../../core/errors';
import { INDUSTRY } from '../../transit/constants';
import { TRIP_STATE, encodeCompoundRecord, encodeDateTime7, encodeTransactionRecord, encodeTravelRecord } from '../../transit/records';
import { binaryEf, df, recordEf, type DfNode } from '../fs';
import { Iso7816Card } from '../iso7816-card';
import { diversifyChain } from './crypto';
import { EpPurseApp, type EpFault } from './ep-app';
import { testKeySet } from './test-keys';

const hexN = (n: number, what: string) => z.string().regex(new RegExp(`^[0-9A-Fa-f]{${2 * n}}$`), `expected ${what} as ${2 * n} hex digits`);
const date8 = z.string().regex(/^\d{8}$/, 'expected YYYYMMDD');
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO date-time, e.g. 2026-11-20T08:15:00+08:00');
const hexBlob = z.string().regex(/^([0-9A-Fa-f]{2})*$/, 'expected hex');

const travelSchema = z
  .object({
    type: z.number().int().min(0).max(255),
    industry: z.enum(['metro', 'bus']),
    line: z.number().int().min(0).max(0xffff),
    station: z.number().int().min(0).max(0xffff).default(0),
    amountFen: z.number().int().min(0),
    balanceAfterFen: z.number().int().min(0),
    at: isoTime,
    terminal: hexN(8, 'a terminal number').default('0000000000000000'),
    city: hexN(2, 'a city code').default('4910'),
    institution: hexN(8, 'an institution id').default('0000000000000000'),
    operator: hexN(2, 'an operator code').default('0000'),
  })
  .strict();

const compoundSchema = z
  .object({
    recordId: z.number().int().min(1).max(254),
    length: z.number().int().min(29).max(128).default(48),
    trip: z.enum(['none', 'entered', 'exited']).default('none'),
    line: z.number().int().min(0).max(0xffff).default(0),
    station: z.number().int().min(0).max(0xffff).default(0),
    terminal: hexN(8, 'a terminal number').default('0000000000000000'),
    at: isoTime.optional(),
    amountFen: z.number().int().min(0).default(0),
    city: hexN(2, 'a city code').default('0000'),
  })
  .strict();

const transactionSchema = z
  .object({
    epSeq: z.number().int().min(0).max(0xffff),
    amountFen: z.number().int().min(0),
    type: z.number().int().min(0).max(255).default(0x09),
    terminal: hexN(6, 'a terminal number'),
    at: isoTime,
  })
  .strict();

export const transitSectionSchema = z
  .object({
    aid: z.string().regex(/^([0-9A-Fa-f]{2}){5,16}$/).default('A000000632010105'),
    issuer: z
      .object({
        issuerId: hexN(8, 'an issuer id'),
        appType: z.number().int().min(0).max(255).default(0x01),
        enableFlag: z.number().int().min(0).max(255).default(1),
        serial: z.string().regex(/^\d{20}$/, 'expected the application serial as 20 digits'),
        startDate: date8,
        expiryDate: date8,
        fciData: hexN(2, 'FCI data').default('0000'),
      })
      .strict(),
    management: z
      .object({
        countryCode: hexN(4, 'an international code').default('00000156'),
        province: hexN(2, 'a province code'),
        city: hexN(2, 'a city code'),
        interopType: z.number().int().min(0).max(0xffff).default(1),
        cardCategory: z.number().int().min(0).max(255).default(0),
      })
      .strict(),
    purse: z
      .object({
        balanceFen: z.number().int().min(0).max(0xffffffff),
        epSeq: z.number().int().min(0).max(0xffff).default(0),
        maxBalanceFen: z.number().int().min(0).default(100_000),
      })
      .strict(),
    keys: z
      .object({
        /** TEST key set name (src/emulator/transit/test-keys.ts). */
        keySet: z.string().default('test-1'),
        algorithm: z.enum(['3des', 'sm4']).default('3des'),
        /** Algorithm id byte the card announces (config.algorithmIds maps it; values unconfirmed). */
        algorithmId: z.number().int().min(0).max(255).default(0x00),
        keyVersion: z.number().int().min(0).max(255).default(0x01),
        keyIndex: z.number().int().min(0).max(255).default(0x01),
      })
      .strict()
      .prefault({}),
    transactions: z.array(transactionSchema).max(10).default([]),
    travel: z.array(travelSchema).max(10).default([]),
    compound: z.array(compoundSchema).max(8).prefault([{ recordId: 0x02 }]),
    /** Faulty variants. stopped/locked: SELECT answers 6A81/9303 (transport-only cards). */
    faults: z.array(z.enum(['stopped', 'locked', 'bad-mac2', 'bad-prove-mac2', 'no-fci-file15'])).default([]),
    /** Raw overrides (hex) for malformed-card variants and for saved card state. */
    raw: z
      .object({
        file15: hexBlob.optional(),
        file17: hexBlob.optional(),
        transactions: z.array(hexBlob).optional(),
        travel: z.array(hexBlob).optional(),
        compound: z.array(hexBlob).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type TransitSection = z.output<typeof transitSectionSchema>;

export const transitCardFixtureSchema = z.object({
  label: z.string().min(1),
  note: z.string().optional(),
  atr: z.string().regex(/^([0-9A-Fa-f]{2}){2,33}$/),
  protocol: z.enum(['T0', 'T1']).default('T1'),
  sections: z.object({ transit: z.unknown() }).passthrough(),
});

const ms = (iso: string) => Date.parse(iso);

export function encodeFile15(s: TransitSection['issuer']): Uint8Array {
  const out = new Uint8Array(30);
  out.set(fromHex(s.issuerId), 0);
  out[8] = s.appType;
  out[9] = s.enableFlag;
  out.set(encodeBcd(s.serial), 10);
  out.set(encodeBcd(s.startDate), 20);
  out.set(encodeBcd(s.expiryDate), 24);
  out.set(fromHex(s.fciData), 28);
  return out;
}

export function encodeFile17(m: TransitSection['management']): Uint8Array {
  const out = new Uint8Array(60);
  out.set(fromHex(m.countryCode), 0);
  out.set(fromHex(m.province), 4);
  out.set(fromHex(m.city), 6);
  out.set(writeUint(m.interopType, 2), 8);
  out[10] = m.cardCategory;
  return out;
}

export interface TransitAppHandle {
  df: DfNode;
  purse: EpPurseApp;
  section: TransitSection;
  faults: ReadonlySet<string>;
}

/** The transport ADF of a card (for registration as the "transit" section of a card fixture). */
export function buildTransitDf(input: unknown): TransitAppHandle {
  const s = transitSectionSchema.parse(input);
  const ks = testKeySet(s.keys.keySet);
  const serial8 = encodeBcd(s.issuer.serial).slice(2, 10);
  const issuer8 = fromHex(s.issuer.issuerId);
  // Two-level diversification, factors in MAC1 order (card serial, issuer): issuer level first.
  const dpk = diversifyChain(s.keys.algorithm, ks.purchase[s.keys.algorithm], [serial8, issuer8]);
  const dtk = diversifyChain(s.keys.algorithm, ks.tac[s.keys.algorithm], [serial8, issuer8]);

  const f15 = s.raw.file15 !== undefined ? fromHex(s.raw.file15) : encodeFile15(s.issuer);
  const f17 = s.raw.file17 !== undefined ? fromHex(s.raw.file17) : encodeFile17(s.management);
  const transactions = recordEf({
    sfi: 0x18,
    cyclic: true,
    records:
      s.raw.transactions?.map(fromHex) ??
      s.transactions.map((t) => encodeTransactionRecord({ epSeq: t.epSeq, overdraftFen: 0, amountFen: t.amountFen, type: t.type, terminal6: fromHex(t.terminal), dateTime7: encodeDateTime7(ms(t.at)) })),
  });
  const travel = recordEf({
    sfi: 0x1e,
    cyclic: true,
    records:
      s.raw.travel?.map(fromHex) ??
      s.travel.map((t) =>
        encodeTravelRecord({
          type: t.type,
          terminal: t.terminal,
          industryCode: INDUSTRY[t.industry],
          line: t.line,
          station: t.station,
          operator: t.operator,
          amountFen: t.amountFen,
          balanceAfterFen: t.balanceAfterFen,
          atMs: ms(t.at),
          city: t.city,
          institution: t.institution,
        }),
      ),
  });
  const compound = recordEf({
    sfi: 0x1a,
    records:
      s.raw.compound?.map(fromHex) ??
      s.compound.map((c) =>
        encodeCompoundRecord({
          recordId: c.recordId,
          length: c.length,
          tripState: c.trip === 'entered' ? TRIP_STATE.ENTERED : c.trip === 'exited' ? TRIP_STATE.EXITED : TRIP_STATE.NONE,
          line: c.line,
          station: c.station,
          terminal: c.terminal,
          atMs: c.at ? ms(c.at) : undefined,
          amountFen: c.amountFen,
          city: c.city,
        }),
      ),
  });
  const faults = new Set<string>(s.faults);
  const epFaults = new Set<EpFault>(s.faults.filter((f): f is EpFault => f === 'bad-mac2' || f === 'bad-prove-mac2'));
  const purse = new EpPurseApp(
    { algorithm: s.keys.algorithm, algorithmId: s.keys.algorithmId, keyVersion: s.keys.keyVersion, keyIndex: s.keys.keyIndex, dpk, dtk },
    { balanceFen: s.purse.balanceFen, epSeq: s.purse.epSeq, maxBalanceFen: s.purse.maxBalanceFen },
    { transactions, travel, compound },
    epFaults,
  );
  const aid = fromHex(s.aid);
  const fciProp = faults.has('no-fci-file15') ? [] : [{ tag: 0x9f0c, value: f15 }];
  const adf = df({
    name: aid,
    fid: 0x1001,
    fci: encodeTlv({ tag: 0x6f, children: [{ tag: 0x84, value: aid }, { tag: 0xa5, children: fciProp }] }),
    app: purse,
    children: [binaryEf({ sfi: 0x15, fid: 0x0015, data: f15 }), binaryEf({ sfi: 0x17, fid: 0x0017, data: f17 }), transactions, travel, compound],
  });
  return { df: adf, purse, section: s, faults };
}

/**
 * The "transit" section builder src/emulator/card-fixture.ts uses, so that a social security card
 * fixture can carry the transport application.
 * (The stopped/locked SELECT faults need the MF hook of buildTransitCard and are ignored there.)
 */
export const transitFixtureSection = (section: unknown): DfNode[] => [buildTransitDf(section).df];

export interface EmulatedTransitCard {
  card: Iso7816Card;
  purse: EpPurseApp;
  label: string;
  /** The card's current state as a fixture (for `ykt ride --save-card`). */
  snapshot(): unknown;
}

/** A transport-only card from a fixture object (already JSON-parsed). */
export function buildTransitCard(fixture: unknown, opts: { random?: (n: number) => Uint8Array } = {}): EmulatedTransitCard {
  const f = parseConfigSection(transitCardFixtureSchema, fixture, 'card fixture');
  let h: TransitAppHandle;
  try {
    h = buildTransitDf(f.sections.transit);
  } catch (e) {
    if (e instanceof z.ZodError) {
      const i = e.issues[0]!;
      throw new ConfigError(`card fixture ${f.label}: sections.transit.${i.path.join('.')}`, i.message);
    }
    throw e;
  }
  const aid = fromHex(h.section.aid);
  const mf = df({
    fid: 0x3f00,
    children: [h.df],
    app: {
      // Stopped and locked applications answer SELECT with an error (DOMAIN.md §1.3).
      handle(cmd) {
        if (cmd.cla !== 0x00 || cmd.ins !== 0xa4 || cmd.p1 !== 0x04 || !cmd.data || toHex(cmd.data) !== toHex(aid)) return undefined;
        if (h.faults.has('locked')) return { sw: 0x9303 };
        if (h.faults.has('stopped')) return { sw: 0x6a81 };
        return undefined;
      },
    },
  });
  const card = new Iso7816Card({ label: f.label, atr: fromHex(f.atr), protocol: f.protocol, mf, random: opts.random });
  h.purse.rand = card.random;
  const compound = h.df.children.find((c) => c.kind === 'ef' && c.sfi === 0x1a);
  const efRecords = (sfi: number) => (h.df.children.find((c) => c.kind === 'ef' && c.sfi === sfi) as { records: Uint8Array[] }).records;
  return {
    card,
    purse: h.purse,
    label: f.label,
    snapshot: () => ({
      ...f,
      sections: {
        ...f.sections,
        transit: {
          ...(f.sections.transit as object),
          purse: { ...h.section.purse, balanceFen: h.purse.state.balanceFen, epSeq: h.purse.state.epSeq },
          raw: {
            ...h.section.raw,
            transactions: efRecords(0x18).map((r) => toHex(r)),
            travel: efRecords(0x1e).map((r) => toHex(r)),
            ...(compound ? { compound: efRecords(0x1a).map((r) => toHex(r)) } : {}),
          },
        },
      },
    }),
  };
}

