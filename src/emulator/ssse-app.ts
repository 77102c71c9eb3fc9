/**
 * The social security application (SSSE) of an emulated card, personalised from a fixture section.
 * File layout per DOMAIN.md §1.1: DF "sx1.sh.社会保障" with EF05 (card data, free read) and EF06 (holder
 * data, optionally behind EXTERNAL AUTHENTICATE), plus the MoHRSS sub-application DFs.
 *
 * EXTERNAL AUTHENTICATE (00 82 00 <key> 10 <16 bytes>) after GET CHALLENGE (8 bytes): the card expects
 * SM4-ECB(key, challenge ‖ 00×8). The real cryptogram format is not public (unconfirmed); this is the
 * project's convention, computed in one place: the terminal's test SAM (src/ssse/test-sam.ts).
 */
import { z } from 'zod';
import { fromHex, concat, equalBytes } from '../../apdu/hex';
import { testSsseAuthenticator } from '../ssse/test-sam';
import { encodeAn, encodeBcd, encodeGbk } from '../../apdu/codec';
import { encodeTlv } from '../../apdu/tlv';
import { EF05, EF05_TAG, EF06, EF06_NAME_EXTENSION_TAG_ASSUMED, EF06_TAG, MOHRSS_RID, SSSE_DF_NAME, SSSE_SUB_APPS } from '../ssse/constants';
import { binaryEf, df, recordEf, type DfNode } from './fs';
import { SW } from './iso7816-card';

const hex = (len: number) => z.string().regex(new RegExp(`^([0-9A-Fa-f]{2}){${len}}$`), `expected ${len} bytes of hex`);
const date8 = z.string().regex(/^\d{8}$/, 'expected YYYYMMDD');

export const ssseSectionSchema = z.object({
  ef05: z.object({
    region: z.string().regex(/^\d{6}$/, 'expected a 6-digit region code'),
    cardBytes: hex(8),
    cardType: z.string().length(1),
    specVersion: z.string().length(4),
    institution: hex(12),
    issueDate: date8,
    expiry: date8,
    cardNumber: z.string().regex(/^[0-9A-Z]{9}$/, 'expected 9 upper-case alphanumerics'),
  }),
  ef06: z
    .object({
      idNumber: z.string().regex(/^\d{17}[\dX]$/),
      name: z.string().min(1),
      nameExtension: z.string().optional(),
      sex: z.enum(['1', '2']),
      ethnicity: z.string().regex(/^\d{2}$/),
      birthPlace: z.string().regex(/^\d{6}$/),
      birthDate: date8,
    })
    .optional(),
  /** EF06 readable by anyone ("always") or only after EXTERNAL AUTHENTICATE with key `authKeyRef`. */
  ef06Access: z.enum(['always', 'external-auth']).default('external-auth'),
  /** TEST key for EXTERNAL AUTHENTICATE (16 bytes hex), reference 01. */
  authKey: hex(16).optional(),
  /** Raw record overrides (hex) for deliberately malformed cards. */
  rawEf05: z.array(z.string()).optional(),
  rawEf06: z.array(z.string()).optional(),
  /** Address records only by identifier after SELECT EF (no SFI support), like some older cards. */
  noSfi: z.boolean().default(false),
});

export type SsseSection = z.infer<typeof ssseSectionSchema>;

const rec = (tag: number, value: Uint8Array) => encodeTlv({ tag, value });

export function ssseRecords(s: SsseSection): { ef05: Uint8Array[]; ef06: Uint8Array[] } {
  const e5 = s.ef05;
  const cardId = concat(encodeBcd(e5.region), MOHRSS_RID, fromHex(e5.cardBytes));
  const ef05 = s.rawEf05
    ? s.rawEf05.map((h) => fromHex(h))
    : [
        rec(EF05_TAG.cardId, cardId),
        rec(EF05_TAG.cardType, encodeAn(e5.cardType, 1)),
        rec(EF05_TAG.specVersion, encodeAn(e5.specVersion, 4)),
        rec(EF05_TAG.institution, fromHex(e5.institution)),
        rec(EF05_TAG.issueDate, encodeBcd(e5.issueDate)),
        rec(EF05_TAG.expiry, encodeBcd(e5.expiry)),
        rec(EF05_TAG.cardNumber, encodeAn(e5.cardNumber, 9)),
      ];
  let ef06: Uint8Array[] = [];
  if (s.rawEf06) ef06 = s.rawEf06.map((h) => fromHex(h));
  else if (s.ef06) {
    const h = s.ef06;
    ef06 = [
      rec(EF06_TAG.idNumber, encodeAn(h.idNumber, 18)),
      rec(EF06_TAG.name, encodeGbk(h.name, 30)),
      rec(EF06_NAME_EXTENSION_TAG_ASSUMED, encodeGbk(h.nameExtension ?? '', 20)),
      rec(EF06_TAG.sex, encodeAn(h.sex, 1)),
      rec(EF06_TAG.ethnicity, encodeBcd(h.ethnicity.padStart(2, '0'))),
      rec(EF06_TAG.birthPlace, encodeBcd(h.birthPlace)),
      rec(EF06_TAG.birthDate, encodeBcd(h.birthDate)),
    ];
  }
  return { ef05, ef06 };
}

export const EXT_AUTH_STATE = 'ssse-ext-auth';

export function buildSsseDf(s: SsseSection): DfNode {
  const { ef05, ef06 } = ssseRecords(s);
  // The cryptogram convention is defined once, by the terminal's test SAM (src/ssse/test-sam.ts).
  const cryptogramOf = s.authKey ? testSsseAuthenticator(fromHex(s.authKey)) : undefined;
  const ssse = df({
    name: SSSE_DF_NAME,
    children: [
      recordEf({ fid: EF05.fid, sfi: s.noSfi ? undefined : EF05.sfi, records: ef05 }),
      recordEf({ fid: EF06.fid, sfi: s.noSfi ? undefined : EF06.sfi, records: ef06, read: s.ef06Access === 'always' ? 'always' : { state: EXT_AUTH_STATE } }),
      ...Object.values(SSSE_SUB_APPS).map((aid) => df({ name: aid, children: [binaryEf({ fid: 0xef01, data: new Uint8Array(0) })] })),
    ],
    app: {
      handle(cmd, card) {
        if (cmd.cla !== 0x00 || cmd.ins !== 0x82) return undefined;
        if (!cryptogramOf) return { sw: SW.CONDITIONS_NOT_SATISFIED };
        if (cmd.p2 !== 0x01) return { sw: SW.DATA_NOT_FOUND };
        if (!cmd.data || cmd.data.length !== 16) return { sw: SW.WRONG_LENGTH };
        const challenge = card.challenge;
        card.challenge = undefined; // one use
        if (!challenge || challenge.length !== 8) return { sw: SW.CONDITIONS_NOT_SATISFIED };
        if (!equalBytes(cryptogramOf(challenge), cmd.data)) return { sw: 0x6300 };
        card.security.add(EXT_AUTH_STATE);
        return { sw: SW.OK };
      },
    },
  });
  return ssse;
}
