/**
 * Electronic cash data by GET DATA (DOMAIN.md §1.2: balance enquiries use GET DATA, never GPO, which
 * would spend an ATC): 9F79 balance, 9F78 single-transaction limit, 9F77 balance limit, 9F6D reset
 * threshold, 9F13 last online ATC, 9F36 ATC, 9F51 currency, 9F4F/DF4F log formats.
 */
import { decodeN } from '../../../apdu/codec';
import { decodeTlv, findTlv } from '../../../apdu/tlv';
import { ProtocolError } from '../../core/errors';
import { toCard, type Kernel } from '../../kernel/step';
import { getData } from './commands';

/** The value of a GET DATA object, or undefined when the card has none (6A88 and the like). */
export function* getDataValue(tag: number, name = 'GET DATA'): Kernel<Uint8Array | undefined> {
  const r = yield* toCard(name, getData(tag));
  if (r.sw !== 0x9000) return undefined;
  const nodes = decodeTlv(r.data);
  const v = findTlv(nodes, tag)?.value;
  if (!v) throw new ProtocolError(`GET DATA ${tag.toString(16).toUpperCase()}: answer has no such object`, 'get-data');
  return v;
}

/** An n12 amount by GET DATA (fen), or undefined when absent. Not BCD → ProtocolError. */
export function* getAmount(tag: number, name: string): Kernel<number | undefined> {
  const v = yield* getDataValue(tag, name);
  if (v === undefined) return undefined;
  if (v.length !== 6) throw new ProtocolError(`${name}: ${v.length} bytes, expected n12 (6 bytes)`, 'get-data');
  return decodeN(v);
}

export const EC_TAGS = {
  balance: 0x9f79,
  singleLimit: 0x9f78,
  balanceLimit: 0x9f77,
  resetThreshold: 0x9f6d,
  lastOnlineAtc: 0x9f13,
  atc: 0x9f36,
  currency: 0x9f51,
  logFormat: 0x9f4f,
  loadLogFormat: 0xdf4f,
} as const;
