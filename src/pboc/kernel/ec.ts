/**
 * Electronic cash data by GET DATA (DOMAIN.md §1.2: balance enquiries use GET DATA, never GPO, which
 * would spend an ATC): 9F79 balance, 9F78 single-transaction limit, 9F77 balance limit, 9F6D reset
 * threshold, 9F13 last online ATC, 9F36 ATC, 9F51 currency, 9F4F/DF4F log formats.
 */
import { decodeN } from '../../../apdu/codec';
import { decodeTlv, findTlv } from '../../../apdu/tlv';
import { ProtocolError } from '../../core/errors';
import { formatYuan } from '../../core/money';
import { toCard, type Kernel } from '../../kernel/step';
import { getData } from './commands';
import { isTransactionError } from './finish';

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

/**
 * The EC balance (GET DATA 9F79) as advisory information: before the payment, for a plain refusal
 * reason, or after it, for the receipt. A card or reader failure here gives undefined; it never turns
 * a payment that is already decided into an error.
 */
export function* readEcBalance(): Kernel<number | undefined> {
  try {
    return yield* getAmount(0x9f79, 'GET DATA EC balance');
  } catch (e) {
    if (isTransactionError(e)) return undefined;
    throw e;
  }
}

/** The refusal sentence when electronic cash cannot cover the amount (one wording on every path). */
export const ecBalanceLowMessage = (balanceFen: number, amountFen: number): string => `EC balance ${formatYuan(balanceFen)} < amount ${formatYuan(amountFen)}: top up the card or pay another way`;
