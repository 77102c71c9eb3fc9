/**
 * The least a transit tap needs from the social security application, when the chip has one: the card
 * identification code (EF05 tag 01: the holder token, so card and e-code share transfers, caps and
 * anti-passback — 卡码同权) and the card number (EF05 tag 07: the hotlist of lost cards, 挂失).
 * Three APDUs instead of the eight of a full EF05 read (DOMAIN.md §1.1):
 *
 *   SELECT by DF name   00 A4 04 00 0F 7378312E73682EC9E7BBE1B1A3D5CF   (6A82: no SSSE on this chip)
 *   READ RECORD 1, SFI 5  00 B2 01 2C 00   → 01 10 <card identification code>
 *   READ RECORD 7, SFI 5  00 B2 07 2C 00   → 07 09 <card number, an>
 *
 * A card that does not address EF05 by SFI, or whose records are not in tag order, is read the long
 * way (src/ssse/read.ts). Nonsense from the card is a ProtocolError (the caller goes on without it).
 */
import { decodeAn } from '../../../../apdu/codec';
import { apdu } from '../../../../apdu/command';
import { equalBytes } from '../../../../apdu/hex';
import { decodeTlv } from '../../../../apdu/tlv';
import { ProtocolError } from '../../../core/errors';
import { toCard, type Kernel } from '../../../kernel/step';
import { EF05, EF05_TAG, MOHRSS_RID, SSSE_DF_NAME } from '../../../ssse/constants';
import { parseEf05 } from '../../../ssse/parse';
import { readSsse } from '../../../ssse/read';

export type SsseIdentity = { present: false } | { present: true; cardIdCode: Uint8Array; cardNumber: string };

const readRecord = (n: number) => apdu(0x00, 0xb2, n, (EF05.sfi << 3) | 0x04, undefined, 256);

/** The value of a record that must be one TLV with this tag; undefined when the tag differs. */
function valueOf(rec: Uint8Array, tag: number): Uint8Array | undefined {
  const first = decodeTlv(rec, { maxDepth: 1, maxNodes: 4, recurse: false, skipPadding: false })[0];
  return first?.tag === tag ? first.value : undefined;
}

export function* readSsseIdentity(): Kernel<SsseIdentity> {
  const sel = yield* toCard('SELECT SSSE', apdu(0x00, 0xa4, 0x04, 0x00, SSSE_DF_NAME, 256));
  if (sel.sw !== 0x9000) return { present: false };
  const r1 = yield* toCard('READ RECORD EF05 #1', readRecord(EF05_TAG.cardId));
  const r7 = r1.sw === 0x9000 ? yield* toCard('READ RECORD EF05 #7', readRecord(EF05_TAG.cardNumber)) : undefined;
  const id = r1.sw === 0x9000 ? valueOf(r1.data, EF05_TAG.cardId) : undefined;
  const num = r7?.sw === 0x9000 ? valueOf(r7.data, EF05_TAG.cardNumber) : undefined;
  if (id && num) {
    if (id.length !== 16 || !equalBytes(id.subarray(3, 8), MOHRSS_RID)) throw new ProtocolError('EF05: card identification code is not 16 bytes with the MoHRSS RID D156000005', 'ssse-field');
    return { present: true, cardIdCode: id.slice(), cardNumber: decodeAn(num) };
  }
  // Not addressable by SFI, or records in another order: the full read and parse.
  const dump = yield* readSsse();
  if (!dump.present) return { present: false };
  const card = parseEf05(dump.ef05);
  return { present: true, cardIdCode: card.cardIdCode, cardNumber: card.cardNumber };
}
