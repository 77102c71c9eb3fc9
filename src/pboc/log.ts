/**
 * The card's transaction log (PBOC 3.0 part 13; DOMAIN.md §1.2): records in the SFI named by 9F4D
 * (SFI ‖ number of records), each the values of the log format DOL (9F4F, by GET DATA) concatenated
 * without tags. Decoded into named fields; a field that is not valid BCD is reported, not guessed.
 */
import { decodeAn, decodeBcd, decodeDate6, decodeN, formatDate } from '../../apdu/codec';
import { dolLength, parseDol, type DolEntry } from '../../apdu/dol';
import { readUint, toHex } from '../../apdu/hex';
import { tagHex } from '../../apdu/tlv';
import { ProtocolError } from '../core/errors';

export interface LogEntry {
  /** YYYY-MM-DD (9A). */
  date?: string;
  /** hh:mm:ss (9F21). */
  time?: string;
  amountFen?: number;
  otherAmountFen?: number;
  /** ISO 3166 numeric (9F1A). */
  country?: number;
  /** ISO 4217 numeric (5F2A). */
  currency?: number;
  /** 9F4E merchant name and location. */
  merchant?: string;
  /** 9C, with its meaning. */
  type?: { code: string; name: string };
  atc?: number;
  /** Fields this decoder does not name, as hex by tag. */
  other: Record<string, string>;
  /** Fields present but not decodable (not BCD, bad date…). */
  invalid: string[];
}

export const TRANSACTION_TYPES: Record<string, string> = {
  '00': 'purchase',
  '01': 'cash',
  '09': 'purchase with cashback',
  '20': 'refund',
  '30': 'balance enquiry',
  '60': 'electronic cash load',
  '62': 'electronic cash load (designated account)',
  '63': 'electronic cash load (non-designated account)',
};

/** The log format DOL (9F4F); bounded (≤ 32 entries, ≤ 128 bytes per record). */
export function parseLogFormat(format: Uint8Array): DolEntry[] {
  const dol = parseDol(format, 32);
  if (dolLength(dol) > 128) throw new ProtocolError(`log format describes ${dolLength(dol)}-byte records`, 'log-format');
  return dol;
}

export function decodeLogRecord(format: readonly DolEntry[], record: Uint8Array): LogEntry {
  if (record.length !== dolLength(format)) throw new ProtocolError(`log record is ${record.length} bytes, the log format says ${dolLength(format)}`, 'log-record');
  const e: LogEntry = { other: {}, invalid: [] };
  let o = 0;
  for (const { tag, length } of format) {
    const v = record.subarray(o, o + length);
    o += length;
    try {
      switch (tag) {
        case 0x9a:
          e.date = formatDate(decodeDate6(v));
          break;
        case 0x9f21: {
          const s = decodeBcd(v);
          if (s.length !== 6 || +s.slice(0, 2) > 23 || +s.slice(2, 4) > 59 || +s.slice(4, 6) > 59) throw new Error();
          e.time = `${s.slice(0, 2)}:${s.slice(2, 4)}:${s.slice(4, 6)}`;
          break;
        }
        case 0x9f02:
          e.amountFen = decodeN(v);
          break;
        case 0x9f03:
          e.otherAmountFen = decodeN(v);
          break;
        case 0x9f1a:
          e.country = decodeN(v);
          break;
        case 0x5f2a:
          e.currency = decodeN(v);
          break;
        case 0x9f4e:
          e.merchant = decodeAn(v);
          break;
        case 0x9c: {
          const code = toHex(v);
          e.type = { code, name: TRANSACTION_TYPES[code] ?? 'other' };
          break;
        }
        case 0x9f36:
          e.atc = readUint(v);
          break;
        default:
          e.other[tagHex(tag)] = toHex(v);
      }
    } catch {
      e.invalid.push(tagHex(tag));
    }
  }
  return e;
}
