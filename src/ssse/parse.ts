/**
 * Understanding an SSSE dump: pure functions from raw records to typed fields (DOMAIN.md §1.1).
 * Each record is a TLV whose tag is the record id. A malformed record makes the whole card data a
 * ProtocolError that names the record and the problem — never a guess.
 */
import { decodeAn, decodeBcd, decodeCn, decodeDate8, decodeGbk, type CardDate } from '../../apdu/codec';
import { equalBytes, toHex } from '../../apdu/hex';
import { decodeTlv } from '../../apdu/tlv';
import { ProtocolError } from '../core/errors';
import { EF05_TAG, EF06_TAG, MOHRSS_RID } from './constants';
import type { SsseDump } from './read';

export interface SsseCardData {
  /** 卡识别码, 16 bytes: region (3 BCD) ‖ D156000005 ‖ 8 card bytes. */
  cardIdCode: Uint8Array;
  /** 6-digit administrative region code of the issuer. */
  region: string;
  cardType: string;
  /** "1.00" / "2.00" / "3.00". */
  specVersion: string;
  /** 1, 2 or 3 — from the spec version. */
  generation: number;
  institution: string;
  issueDate: CardDate;
  expiry: CardDate;
  /** 卡号 — personal data: mask on display, tokenise for storage. */
  cardNumber: string;
}

export interface SsseHolderData {
  idNumber?: string;
  name?: string;
  sex?: 'male' | 'female';
  ethnicity?: string;
  birthPlace?: string;
  birthDate?: CardDate;
}

/** Index records by their TLV tag (record id). Each record must be exactly one TLV. */
function byTag(records: readonly Uint8Array[], file: string): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  records.forEach((rec, i) => {
    let nodes;
    try {
      nodes = decodeTlv(rec, { maxDepth: 2, maxNodes: 8, recurse: false, skipPadding: false });
    } catch (e) {
      throw new ProtocolError(`${file} record ${i + 1} (${toHex(rec)}): ${(e as Error).message}`, 'ssse-record');
    }
    const first = nodes[0];
    if (!first) throw new ProtocolError(`${file} record ${i + 1} is empty`, 'ssse-record');
    // trailing padding bytes (FF/00) after the TLV are tolerated; further TLVs are not expected
    if (!out.has(first.tag)) out.set(first.tag, first.value);
  });
  return out;
}

function field<T>(m: Map<number, Uint8Array>, tag: number, file: string, what: string, len: number | undefined, decode: (v: Uint8Array) => T): T {
  const v = m.get(tag);
  if (!v) throw new ProtocolError(`${file}: ${what} (tag ${tag.toString(16).padStart(2, '0')}) is missing`, 'ssse-field');
  if (len !== undefined && v.length !== len) throw new ProtocolError(`${file}: ${what} has ${v.length} bytes, expected ${len}`, 'ssse-field');
  try {
    return decode(v);
  } catch (e) {
    throw new ProtocolError(`${file}: ${what}: ${(e as Error).message}`, 'ssse-field');
  }
}

export function parseEf05(records: readonly Uint8Array[]): SsseCardData {
  const m = byTag(records, 'EF05');
  const F = 'EF05';
  const cardIdCode = field(m, EF05_TAG.cardId, F, 'card identification code', 16, (v) => v);
  const region = field(m, EF05_TAG.cardId, F, 'region', 16, (v) => decodeBcd(v.subarray(0, 3)));
  if (!equalBytes(cardIdCode.subarray(3, 8), MOHRSS_RID)) {
    throw new ProtocolError(`EF05: card identification code ${toHex(cardIdCode)} does not carry the MoHRSS RID D156000005`, 'ssse-field');
  }
  const specVersion = field(m, EF05_TAG.specVersion, F, 'spec version', 4, decodeAn);
  const gm = /^([123])\.\d\d$/.exec(specVersion);
  return {
    cardIdCode,
    region,
    cardType: field(m, EF05_TAG.cardType, F, 'card type', 1, decodeAn),
    specVersion,
    generation: gm ? Number(gm[1]) : 0,
    institution: field(m, EF05_TAG.institution, F, 'institution', 12, toHex),
    issueDate: field(m, EF05_TAG.issueDate, F, 'issue date', 4, decodeDate8),
    expiry: field(m, EF05_TAG.expiry, F, 'expiry', 4, decodeDate8),
    cardNumber: field(m, EF05_TAG.cardNumber, F, 'card number', 9, decodeAn),
  };
}

/** EF06 holder data; fields the card lacks are left out. Personal data: handle per the service's needs. */
export function parseEf06(records: readonly Uint8Array[]): SsseHolderData {
  const m = byTag(records, 'EF06');
  const F = 'EF06';
  const opt = <T>(tag: number, what: string, len: number | undefined, dec: (v: Uint8Array) => T): T | undefined => (m.has(tag) ? field(m, tag, F, what, len, dec) : undefined);
  const sex = opt(EF06_TAG.sex, 'sex', 1, decodeAn);
  return {
    idNumber: opt(EF06_TAG.idNumber, 'ID number', 18, decodeAn),
    name: opt(EF06_TAG.name, 'name', undefined, decodeGbk),
    sex: sex === '1' ? 'male' : sex === '2' ? 'female' : undefined,
    ethnicity: opt(EF06_TAG.ethnicity, 'ethnicity', 1, decodeBcd),
    birthPlace: opt(EF06_TAG.birthPlace, 'place of birth', 3, decodeCn),
    birthDate: opt(EF06_TAG.birthDate, 'date of birth', 4, decodeDate8),
  };
}

/** A dump understood without throwing: the card data or why it is unreadable, the holder data or why it is absent. */
export interface SsseView {
  card?: SsseCardData;
  error?: string;
  holder?: SsseHolderData;
  holderRefused?: string;
}

export function parseSsseDump(dump: SsseDump): SsseView {
  const view: SsseView = {};
  if (dump.present) {
    try {
      view.card = parseEf05(dump.ef05);
    } catch (e) {
      view.error = (e as Error).message;
    }
  }
  if (dump.ef06) {
    try {
      view.holder = parseEf06(dump.ef06);
    } catch (e) {
      view.holderRefused = `holder data unreadable: ${(e as Error).message}`;
    }
  } else if (dump.ef06Refused) view.holderRefused = dump.ef06Refused;
  return view;
}
