/**
 * The `pboc` config section: everything an operator tunes for the UnionPay application (PBOC 3.0 /
 * qPBOC), named, validated, with defaults (STYLE.md §8). Amounts are integer fen. Values DOMAIN.md
 * marks unconfirmed (the SM2 signer ID) are settings here, not constants.
 *
 * The policies a reviewer should find here:
 *  - qpboc.cvmLimitFen: QuickPass no-CVM limit (1000.00 CNY since 2018-06-01; 300.00 for merchants
 *    not upgraded — DOMAIN.md §1.2);
 *  - offlineArqcPolicy: what an offline-only terminal does when the card asks to go online (ARQC):
 *    'decline' (EMV Z3), or 'approve-and-store' (EMV Y3) within the journal's offline limits;
 *  - contact.tac: terminal action codes; floor limits; random selection; velocity checking;
 *  - ec.terminalLimitFen (9F7B): electronic cash offline limit;
 *  - sm.userId: the SM2 signer ID (ZA) convention.
 */
import { z } from 'zod';
import { parseConfigSection } from '../core/config-section';

const fen = (what: string) => z.number().int(`${what}: whole fen`).min(0, `${what}: >= 0`).max(999_999_999_999, `${what}: at most 12 digits`);
const hexBytes = (bytes: number, what: string) =>
  z
    .string()
    .regex(new RegExp(`^[0-9A-Fa-f]{${bytes * 2}}$`), `expected ${what}: ${bytes} bytes as ${bytes * 2} hex digits`)
    .transform((s) => s.toUpperCase());
const aidHex = z
  .string()
  .regex(/^([0-9A-Fa-f]{2}){5,16}$/, 'expected an AID of 5..16 bytes in hex')
  .transform((s) => s.toUpperCase());
const an = (max: number, what: string) => z.string().regex(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`), `expected ${what}: printable ASCII, at most ${max} characters`);

export const UNIONPAY_AIDS = [
  { aid: 'A000000333010101', label: 'UnionPay debit' },
  { aid: 'A000000333010102', label: 'UnionPay credit' },
  { aid: 'A000000333010103', label: 'UnionPay quasi-credit' },
  { aid: 'A000000333010106', label: 'UnionPay electronic cash' },
] as const;

export const pbocConfigSchema = z
  .object({
    /**
     * Applications this terminal accepts, in the terminal's order of preference (used when the card
     * gives no priority). `partial`: also accept a card AID that starts with this one (EMV Book 1 §12.3.1).
     */
    aids: z
      .array(z.object({ aid: aidHex, label: z.string().max(32).optional(), partial: z.boolean().default(true) }))
      .min(1, 'at least one AID')
      .default(UNIONPAY_AIDS.map((a) => ({ ...a, partial: true }))),
    terminal: z
      .object({
        /** 9F1A and 5F2A: ISO 3166 / ISO 4217 numeric. */
        countryCode: z.number().int().min(0).max(999).default(156),
        currencyCode: z.number().int().min(0).max(999).default(156),
        /** Attended (canteen POS, hospital counter) or unattended (bus validator, gate). Feeds 9F35. */
        attended: z.boolean().default(true),
        /** 9F33 override; default derived from the CVM and ODA settings. */
        capabilities: hexBytes(3, 'terminal capabilities 9F33').optional(),
        /** 9F40 */
        additionalCapabilities: hexBytes(5, 'additional terminal capabilities 9F40').default('6000F0A001'),
        /** 9F09, PBOC 3.0 = 0030. */
        applicationVersion: hexBytes(2, 'application version 9F09').default('0030'),
        /** 9F4E (logged by the card): merchant name and location. */
        merchantName: an(20, 'a merchant name (9F4E)').default('YKT TERMINAL'),
        merchantCategoryCode: z.string().regex(/^\d{4}$/, 'expected 4 digits').default('5499'),
        /** 9F1C */
        terminalId: an(8, 'a terminal id (9F1C)').default('00000001'),
        /** 9F16 */
        merchantId: an(15, 'a merchant id (9F16)').default('000000000000000'),
      })
      .prefault({}),
    online: z
      .object({
        /**
         * Can this terminal send an ARQC to the issuer? When true, ARQC outcomes are 'cannot-decide'
         * with reason 'online-required' and the cryptogram for the caller to forward.
         */
        capable: z.boolean().default(false),
      })
      .prefault({}),
    /** Offline-only terminal and the card answers ARQC: decline (Z3) or approve-and-store (Y3) within the journal's offline limits. */
    offlineArqcPolicy: z.enum(['decline', 'approve-and-store']).default('decline'),
    qpboc: z
      .object({
        enabled: z.boolean().default(true),
        /** Reader contactless transaction limit: at or above it, "use another interface". */
        transactionLimitFen: fen('transactionLimitFen').default(5_000_000),
        /** Reader contactless floor limit: above it (and not electronic cash) an online cryptogram is required. */
        floorLimitFen: fen('floorLimitFen').default(0),
        /** QuickPass CVM limit: no PIN or signature at or below it; above it a CVM is required. Default 1000.00 CNY. */
        cvmLimitFen: fen('cvmLimitFen').default(100_000),
        /** Advertise fDDA version 01 (TTQ byte 4 b8): the signature then covers amount and currency too. */
        fddaVersion01: z.boolean().default(true),
        /** Contactless full PBOC (TTQ byte 1 b7): follow a card whose AIP asks for it. */
        fullPboc: z.boolean().default(false),
        /** Zero amount: request an online cryptogram ('online') or refuse ('decline'). */
        zeroAmount: z.enum(['online', 'decline']).default('online'),
      })
      .prefault({}),
    ec: z
      .object({
        /** Electronic cash accepted (9F7A = 1). */
        supported: z.boolean().default(true),
        /** 9F7B EC terminal transaction limit: electronic cash offline up to (not including) this amount. */
        terminalLimitFen: fen('terminalLimitFen').default(100_000),
        /** Read the EC balance by GET DATA before the payment (no ATC cost) to refuse "balance too low" at once. */
        precheckBalance: z.boolean().default(true),
        /** Read the EC balance by GET DATA after the payment, for the receipt. */
        readBalanceAfter: z.boolean().default(true),
      })
      .prefault({}),
    contact: z
      .object({
        enabled: z.boolean().default(true),
        /** Try the PSE directory first (else only the list of AIDs). */
        usePse: z.boolean().default(true),
        floorLimitFen: fen('floorLimitFen').default(0),
        randomSelection: z
          .object({
            /** Amounts below this: selected with targetPercent; up to the floor limit: biased up to maxTargetPercent. */
            thresholdFen: fen('thresholdFen').default(0),
            targetPercent: z.number().int().min(0).max(99).default(0),
            maxTargetPercent: z.number().int().min(0).max(99).default(0),
          })
          .prefault({})
          .refine((r) => r.maxTargetPercent >= r.targetPercent, 'maxTargetPercent must be >= targetPercent'),
        velocityChecking: z.boolean().default(true),
        /** Terminal action codes (EMV Book 3 §10.7). */
        tac: z
          .object({
            denial: hexBytes(5, 'TAC-Denial').default('0010000000'),
            online: hexBytes(5, 'TAC-Online').default('D84004F800'),
            default: hexBytes(5, 'TAC-Default').default('D84000A800'),
          })
          .prefault({}),
        /** Used when the card has no DDOL (EMV Book 3 §6.5.1). */
        defaultDdol: z.string().regex(/^([0-9A-Fa-f]{2})+$/, 'expected a DOL in hex').default('9F3704'),
      })
      .prefault({}),
    cvm: z
      .object({
        /** Paper signature can be collected (attended POS with a printer). */
        signature: z.boolean().default(false),
        /** Online PIN (needs a PIN pad and online capability). */
        onlinePin: z.boolean().default(false),
      })
      .prefault({}),
    sm: z
      .object({
        /** Accept the SM2/SM3/SM4 variant (DF69 = 01). */
        supported: z.boolean().default(true),
        /** SM2 signer ID for ZA (DOMAIN.md §1.2: unconfirmed; "1234567812345678" is the common default). */
        userId: z.string().min(1).max(64).default('1234567812345678'),
      })
      .prefault({}),
    oda: z
      .object({
        /** Verified-signature memory for SM2 certificates (entries). 0 disables it. */
        verifiedCacheSize: z.number().int().min(0).max(1_000_000).default(4096),
      })
      .prefault({}),
    log: z
      .object({
        /** At most this many transaction-log records are read (the card's own count in 9F4D also bounds it). */
        maxRecords: z.number().int().min(0).max(50).default(10),
      })
      .prefault({}),
  })
  .prefault({})
  .superRefine((c, ctx) => {
    if (c.qpboc.cvmLimitFen > c.qpboc.transactionLimitFen) ctx.addIssue({ code: 'custom', path: ['qpboc', 'cvmLimitFen'], message: 'must not exceed qpboc.transactionLimitFen' });
    if (c.cvm.onlinePin && !c.online.capable) ctx.addIssue({ code: 'custom', path: ['cvm', 'onlinePin'], message: 'online PIN needs online.capable' });
  });

export type PbocConfig = z.infer<typeof pbocConfigSchema>;
/** What an operator writes (every field optional; defaults fill the rest). */
export type PbocConfigInput = z.input<typeof pbocConfigSchema>;

export const pbocConfigDefaults: PbocConfig = pbocConfigSchema.parse(undefined);

export function parsePbocConfig(input: unknown, section = 'pboc'): PbocConfig {
  return parseConfigSection(pbocConfigSchema, input, section);
}
