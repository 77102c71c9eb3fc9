/**
 * The transport application's files, decoded into named fields (DOMAIN.md §1.3) — pure functions of
 * the bytes (after Metrodroid: reading and understanding are two phases). Every decoder checks the
 * length first and validates BCD dates; a bad file is a ProtocolError (CodecError) naming the file.
 *
 * Layouts marked "project layout" (the 001E field order after the line/station, the whole 001A
 * compound record) are this project's reading of JT/T 978 practice, not the standard's text.
 */
import { dateNumber, decodeBcd, decodeDate8, decodeDateTime14, encodeBcd, type CardDateTime } from '../../apdu/codec';
import { assertBytes, fromHex, readUint, toHex, writeUint } from '../../apdu/hex';
import { cstParts } from '../core/clock';
import { ProtocolError } from '../core/errors';
import { FILE15_LENGTH, FILE17_MIN_LENGTH, INDUSTRY_NAME, TRANSACTION_RECORD_LENGTH, TRANS_TYPE_NAME, TRAVEL_RECORD_LENGTH, type Industry } from './constants';

export class RecordError extends ProtocolError {
  constructor(file: string, why: string) {
    super(`transport file ${file}: ${why}`, 'transit-record');
  }
}

function wrap<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RecordError) throw e;
    throw new RecordError(file, e instanceof Error ? e.message : String(e));
  }
}

// --- dates ----------------------------------------------------------------------------------------

const two = (n: number) => String(n).padStart(2, '0');
const dt14 = (t: CardDateTime): string => `${t.y}${two(t.m)}${two(t.d)}${two(t.hh)}${two(t.mm)}${two(t.ss)}`;

/** YYYYMMDDhhmmss (14 digits) in China Standard Time for an epoch ms. */
export function cstDateTime14(epochMs: number): string {
  return dt14(cstParts(epochMs));
}

export function encodeDateTime7(epochMs: number): Uint8Array {
  return encodeBcd(cstDateTime14(epochMs));
}

/** Epoch ms of a card date-time (CST, UTC+8). */
export function cardDateTimeMs(t: CardDateTime): number {
  return Date.UTC(t.y, t.m - 1, t.d, t.hh, t.mm, t.ss) - 8 * 3600_000;
}

// --- file 0015 ------------------------------------------------------------------------------------

/** File 0015: issuer id 8 ‖ app type 1 ‖ enable flag 1 ‖ app serial 10 BCD ‖ start 4 ‖ expiry 4 ‖ FCI 2. */
export interface IssuerFile {
  /** Issuer (发卡机构标识), 8 bytes, hex. */
  issuerId: string;
  /** Application type (应用类型标识). */
  appType: number;
  /** Enable flag (启用标识): 0 not active, 1 active, 2 stopped. */
  enableFlag: number;
  /** Application serial (应用序列号), 20 BCD digits. Personal data: tokenise before storing. */
  serial: string;
  serialBytes: Uint8Array;
  /** Start and expiry (启用日期 / 有效日期), YYYYMMDD. */
  startDate: number;
  expiryDate: number;
  /** Issuer-defined FCI bytes (2). */
  fciData: string;
}

export function decodeIssuerFile(bytes: Uint8Array): IssuerFile {
  return wrap('0015', () => {
    if (bytes.length < FILE15_LENGTH) throw new RecordError('0015', `expected ${FILE15_LENGTH} bytes, got ${bytes.length}`);
    const b = bytes.subarray(0, FILE15_LENGTH);
    const start = decodeDate8(b.subarray(20, 24));
    const expiry = decodeDate8(b.subarray(24, 28));
    return {
      issuerId: toHex(b.subarray(0, 8)),
      appType: b[8]!,
      enableFlag: b[9]!,
      serial: decodeBcd(b.subarray(10, 20)),
      serialBytes: b.slice(10, 20),
      startDate: dateNumber(start),
      expiryDate: dateNumber(expiry),
      fciData: toHex(b.subarray(28, 30)),
    };
  });
}

// --- file 0017 ------------------------------------------------------------------------------------

/** File 0017: international code 4 ‖ province 2 ‖ city 2 ‖ interop type 2 ‖ card category 1 ‖ RFU. */
export interface ManagementFile {
  /** International code (国际代码), 4 bytes hex. */
  countryCode: string;
  /** Province code (省级代码), 2 bytes hex. */
  province: string;
  /** City code (城市代码), 2 bytes hex. */
  city: string;
  /** Interoperability type (互联互通标识): 0001 = T-Union. */
  interopType: number;
  /** Card category (卡种类型), mapped to entitlements by config.categoryMap. */
  cardCategory: number;
}

export function decodeManagementFile(bytes: Uint8Array): ManagementFile {
  return wrap('0017', () => {
    if (bytes.length < FILE17_MIN_LENGTH || bytes.length > 256) throw new RecordError('0017', `expected ${FILE17_MIN_LENGTH}..256 bytes, got ${bytes.length}`);
    return {
      countryCode: toHex(bytes.subarray(0, 4)),
      province: toHex(bytes.subarray(4, 6)),
      city: toHex(bytes.subarray(6, 8)),
      interopType: readUint(bytes, 8, 2),
      cardCategory: bytes[10]!,
    };
  });
}

// --- file 0018 ------------------------------------------------------------------------------------

/** File 0018 record: seq 2 ‖ overdraft 3 ‖ amount 4 ‖ type 1 ‖ terminal 6 ‖ date-time 7. */
export interface TransactionRecord {
  /** EP offline transaction sequence number (脱机交易序号) of this transaction. */
  epSeq: number;
  /** Overdraft limit (透支限额), fen. */
  overdraftFen: number;
  amountFen: number;
  type: number;
  typeName: string;
  /** Terminal number (终端机编号), 6 bytes hex. */
  terminal: string;
  /** YYYYMMDDhhmmss, CST. */
  dateTime: string;
  atMs: number;
}

/** An unused record slot (all 00 or all FF) is "empty", not an error. */
export function isBlankRecord(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0x00) || bytes.every((b) => b === 0xff);
}

export function decodeTransactionRecord(bytes: Uint8Array): TransactionRecord | undefined {
  return wrap('0018', () => {
    if (bytes.length !== TRANSACTION_RECORD_LENGTH) throw new RecordError('0018', `record: expected ${TRANSACTION_RECORD_LENGTH} bytes, got ${bytes.length}`);
    if (isBlankRecord(bytes)) return undefined;
    const t = decodeDateTime14(bytes.subarray(16, 23));
    const type = bytes[9]!;
    return {
      epSeq: readUint(bytes, 0, 2),
      overdraftFen: readUint(bytes, 2, 3),
      amountFen: readUint(bytes, 5, 4),
      type,
      typeName: TRANS_TYPE_NAME[type] ?? `type ${toHex(Uint8Array.of(type))}`,
      terminal: toHex(bytes.subarray(10, 16)),
      dateTime: dt14(t),
      atMs: cardDateTimeMs(t),
    };
  });
}

/** A file 0018 record as the card writes it at DEBIT (date-time and terminal exactly as the terminal sent them). */
export function encodeTransactionRecord(r: { epSeq: number; overdraftFen: number; amountFen: number; type: number; terminal6: Uint8Array; dateTime7: Uint8Array }): Uint8Array {
  const out = new Uint8Array(TRANSACTION_RECORD_LENGTH);
  out.set(writeUint(r.epSeq, 2), 0);
  out.set(writeUint(r.overdraftFen, 3), 2);
  out.set(writeUint(r.amountFen, 4), 5);
  out[9] = r.type;
  out.set(assertBytes(r.terminal6, 'terminal', 6), 10);
  out.set(assertBytes(r.dateTime7, 'date-time', 7), 16);
  return out;
}

// --- file 001E ------------------------------------------------------------------------------------

/**
 * File 001E travel record, 48 bytes (project layout after DOMAIN.md §1.3):
 *   0 type 1 ‖ 1 terminal 8 ‖ 9 industry 1 ‖ 10 line 2 ‖ 12 station 2 ‖ 14 operator 2 ‖ 16 RFU 1 ‖
 *   17 amount 4 ‖ 21 balance after 4 ‖ 25 date-time 7 ‖ 32 city 2 ‖ 34 institution 8 ‖ 42 RFU 6
 */
export interface TravelRecord {
  /** Record type code; its meaning (entry/exit/single) comes from config.travelRecordTypes. */
  type: number;
  /** Terminal (终端编号), 8 bytes hex: the PSAM terminal number left-padded with 00. */
  terminal: string;
  industryCode: number;
  industry: Industry | undefined;
  line: number;
  station: number;
  operator: string;
  amountFen: number;
  balanceAfterFen: number;
  dateTime: string;
  atMs: number;
  /** Acquirer city code (受理方城市代码). */
  city: string;
  /** Acquirer institution (受理方机构标识). */
  institution: string;
}

export type TravelRecordInput = Omit<TravelRecord, 'industry' | 'dateTime'> & { atMs: number };

export function decodeTravelRecord(bytes: Uint8Array): TravelRecord | undefined {
  return wrap('001E', () => {
    if (bytes.length !== TRAVEL_RECORD_LENGTH) throw new RecordError('001E', `record: expected ${TRAVEL_RECORD_LENGTH} bytes, got ${bytes.length}`);
    if (isBlankRecord(bytes)) return undefined;
    const t = decodeDateTime14(bytes.subarray(25, 32));
    const industryCode = bytes[9]!;
    return {
      type: bytes[0]!,
      terminal: toHex(bytes.subarray(1, 9)),
      industryCode,
      industry: INDUSTRY_NAME[industryCode],
      line: readUint(bytes, 10, 2),
      station: readUint(bytes, 12, 2),
      operator: toHex(bytes.subarray(14, 16)),
      amountFen: readUint(bytes, 17, 4),
      balanceAfterFen: readUint(bytes, 21, 4),
      dateTime: dt14(t),
      atMs: cardDateTimeMs(t),
      city: toHex(bytes.subarray(32, 34)),
      institution: toHex(bytes.subarray(34, 42)),
    };
  });
}

export function encodeTravelRecord(r: TravelRecordInput): Uint8Array {
  const out = new Uint8Array(TRAVEL_RECORD_LENGTH);
  out[0] = r.type;
  out.set(hexBytes(r.terminal, 8, 'terminal'), 1);
  out[9] = r.industryCode;
  out.set(writeUint(r.line, 2), 10);
  out.set(writeUint(r.station, 2), 12);
  out.set(hexBytes(r.operator, 2, 'operator'), 14);
  out.set(writeUint(r.amountFen, 4), 17);
  out.set(writeUint(r.balanceAfterFen, 4), 21);
  out.set(encodeDateTime7(r.atMs), 25);
  out.set(hexBytes(r.city, 2, 'city'), 32);
  out.set(hexBytes(r.institution, 8, 'institution'), 34);
  return out;
}

// --- file 001A ------------------------------------------------------------------------------------

/** Trip state in a metro compound record (project layout). */
export const TRIP_STATE = { NONE: 0x00, ENTERED: 0x01, EXITED: 0x02 } as const;

/**
 * File 001A compound record (project layout; length config.compoundRecordLength, default 48):
 *   0 record id 1 ‖ 1 length of the rest 1 ‖ 2 lock 1 (00) ‖ 3 trip state 1 ‖ 4 line 2 ‖ 6 station 2 ‖
 *   8 terminal 8 ‖ 16 date-time 7 ‖ 23 amount 4 ‖ 27 city 2 ‖ 29 RFU
 * "line/station/terminal/date-time" describe the last event: the entry while ENTERED, the exit once
 * EXITED.
 */
export interface CompoundRecord {
  recordId: number;
  locked: boolean;
  tripState: number;
  line: number;
  station: number;
  terminal: string;
  /** YYYYMMDDhhmmss, or undefined for a never-used record. */
  dateTime: string | undefined;
  atMs: number | undefined;
  amountFen: number;
  city: string;
}

export const COMPOUND_MIN_LENGTH = 29;

export function decodeCompoundRecord(bytes: Uint8Array): CompoundRecord {
  return wrap('001A', () => {
    if (bytes.length < COMPOUND_MIN_LENGTH || bytes.length > 128) throw new RecordError('001A', `record: expected ${COMPOUND_MIN_LENGTH}..128 bytes, got ${bytes.length}`);
    if (bytes[1]! !== bytes.length - 2) throw new RecordError('001A', `record ${bytes[0]}: length byte says ${bytes[1]}, record has ${bytes.length - 2}`);
    const state = bytes[3]!;
    if (state !== TRIP_STATE.NONE && state !== TRIP_STATE.ENTERED && state !== TRIP_STATE.EXITED) {
      throw new RecordError('001A', `record ${bytes[0]}: unknown trip state ${toHex(Uint8Array.of(state))}`);
    }
    const dtBytes = bytes.subarray(16, 23);
    const blankTime = dtBytes.every((x) => x === 0);
    const t = blankTime ? undefined : decodeDateTime14(dtBytes);
    if (state !== TRIP_STATE.NONE && !t) throw new RecordError('001A', `record ${bytes[0]}: trip state set but no date-time`);
    return {
      recordId: bytes[0]!,
      locked: bytes[2]! !== 0,
      tripState: state,
      line: readUint(bytes, 4, 2),
      station: readUint(bytes, 6, 2),
      terminal: toHex(bytes.subarray(8, 16)),
      dateTime: t ? dt14(t) : undefined,
      atMs: t ? cardDateTimeMs(t) : undefined,
      amountFen: readUint(bytes, 23, 4),
      city: toHex(bytes.subarray(27, 29)),
    };
  });
}

export interface CompoundRecordInput {
  recordId: number;
  length: number;
  tripState: number;
  line: number;
  station: number;
  terminal: string;
  atMs: number | undefined;
  amountFen: number;
  city: string;
}

export function encodeCompoundRecord(r: CompoundRecordInput): Uint8Array {
  if (r.length < COMPOUND_MIN_LENGTH || r.length > 128) throw new RangeError(`compound record length: expected ${COMPOUND_MIN_LENGTH}..128, got ${r.length}`);
  const out = new Uint8Array(r.length);
  out[0] = r.recordId;
  out[1] = r.length - 2;
  out[2] = 0;
  out[3] = r.tripState;
  out.set(writeUint(r.line, 2), 4);
  out.set(writeUint(r.station, 2), 6);
  out.set(hexBytes(r.terminal, 8, 'terminal'), 8);
  if (r.atMs !== undefined) out.set(encodeDateTime7(r.atMs), 16);
  out.set(writeUint(r.amountFen, 4), 23);
  out.set(hexBytes(r.city, 2, 'city'), 27);
  return out;
}

/** A fixed-length field given as hex (from config or the PSAM): RangeError on bad hex or length. */
const hexBytes = (s: string, n: number, what: string): Uint8Array => assertBytes(fromHex(s), what, n);

/** The 6-byte PSAM terminal number as the 8-byte terminal field of travel/compound records. */
export function terminal8(terminal6Hex: string): string {
  return '0000' + terminal6Hex;
}
