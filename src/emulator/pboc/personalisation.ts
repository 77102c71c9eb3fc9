/**
 * The "pboc" section of a card fixture (fixtures/pboc/cards/*.json, fixtures/cards/*.json): a UnionPay
 * PBOC 3.0 application personalised as data objects. The certificates and keys are TEST material made
 * by src/pboc/tools/gen-test-keys.ts (marked so in every file); records are laid out by records.ts.
 */
import { z } from 'zod';

const hex = z.string().regex(/^([0-9A-Fa-f]{2})*$/, 'expected hex bytes');
const hexN = (n: number) => z.string().regex(new RegExp(`^[0-9A-Fa-f]{${2 * n}}$`), `expected ${n} bytes in hex`);
const yymmdd = z.string().regex(/^\d{6}$/, 'expected YYMMDD');
const fen = z.number().int().min(0).max(999_999_999_999);

export const rsaJwkSchema = z.object({ kty: z.literal('RSA'), n: z.string(), e: z.string(), d: z.string(), p: z.string(), q: z.string(), dp: z.string(), dq: z.string(), qi: z.string() });

export const pbocSectionSchema = z.object({
  note: z.string().optional(),
  aid: z.string().regex(/^([0-9A-Fa-f]{2}){5,16}$/),
  label: z.string().max(16).default('UnionPay'),
  priority: z.number().int().min(1).max(15).default(1),
  algorithm: z.enum(['rsa', 'sm2']),
  pan: z.string().regex(/^\d{12,19}$/),
  panSequence: z.string().regex(/^\d{2}$/).default('01'),
  effective: yymmdd,
  expiry: yymmdd,
  issuerCountry: z.number().int().default(156),
  serviceCode: z.string().regex(/^\d{3}$/).default('220'),
  /** AIP for both interfaces: SDA, DDA, CVM, TRM, issuer authentication = 7C00. */
  aip: hexN(2).default('7C00'),
  pdol: hex.default('9F66049F02069F03069F1A0295055F2A029A039C019F37049F21039F4E14DF6001DF69019F7A01'),
  cdol1: hex.default('9F02069F03069F1A0295055F2A029A039C019F37049F21039F4E14'),
  cdol2: hex.default('8A029F02069F03069F1A0295055F2A029A039C019F37049F21039F4E14'),
  ddol: hex.default('9F3704'),
  /** CVM list: X, Y (4 bytes each), rules. Default: no CVM required, always. */
  cvmList: hex.default('00000000000000001F00'),
  iac: z.object({ default: hexN(5), denial: hexN(5), online: hexN(5) }).default({ default: 'D84000A800', denial: '0010000000', online: 'D84004F800' }),
  lcol: z.number().int().min(0).max(255).default(5),
  ucol: z.number().int().min(0).max(255).default(10),
  /** CTQ base (9F6C): byte 1 b5 "switch interface if ODA fails" = 1000. */
  ctq: hexN(2).default('1000'),
  /** The CVM this card asks for when the reader says a CVM is required (qPBOC). */
  cvm: z.enum(['signature', 'online-pin', 'none']).default('signature'),
  ec: z
    .object({ balanceFen: fen, singleLimitFen: fen.default(100_000), balanceLimitFen: fen.default(100_000), resetThresholdFen: fen.default(0), currency: z.number().int().default(156) })
    .prefault({ balanceFen: 0 }),
  atc: z.number().int().min(0).max(0xffff).default(1),
  lastOnlineAtc: z.number().int().min(0).max(0xffff).default(1),
  log: z.object({ sfi: z.number().int().min(11).max(30).default(11), size: z.number().int().min(1).max(30).default(10), format: hex.default('9A039F21039F02069F03069F1A025F2A029F4E149C019F3602') }).prefault({}),
  oda: z.object({
    caIndex: hexN(1),
    issuerCert: hex,
    issuerRemainder: hex.optional(),
    issuerExponent: hex.optional(),
    iccCert: hex,
    iccRemainder: hex.optional(),
    iccExponent: hex.optional(),
    ssad: hex.optional(),
  }),
  keys: z.object({
    TEST: z.string().regex(/TEST/, 'keys must be marked TEST'),
    /** Issuer master key for application cryptograms (3DES or SM4), TEST. */
    acMasterKey: hexN(16),
    iccPrivateKey: z.union([rsaJwkSchema, hexN(32)]),
  }),
  faults: z
    .object({
      /** fDDA/DDA signatures corrupted after signing. */
      badSignature: z.boolean().default(false),
      /** The card declines everything (AAC). */
      alwaysAac: z.boolean().default(false),
      /** GPO answer with a broken TLV length. */
      malformedGpo: z.boolean().default(false),
      /** The card refuses a Y3 second GENERATE AC. */
      refuseY3: z.boolean().default(false),
    })
    .prefault({}),
  /** SM2 signer ID the card signs with (must match the terminal's sm.userId). */
  smUserId: z.string().default('1234567812345678'),
  directories: z.object({ ppse: z.boolean().default(true), pse: z.boolean().default(true) }).prefault({}),
});

export type PbocSection = z.infer<typeof pbocSectionSchema>;
