/**
 * Reading steps shared by the tap kernel and the `card read` kernel. Each is a kernel step that
 * yields card APDUs; answers are checked against the command's SW table (constants.ts).
 */
import { fromHex } from '../../apdu/hex';
import { decodeTlv, tlvValue } from '../../apdu/tlv';
import { expectSw } from '../../apdu/transceive';
import { toCard } from '../kernel/step';
import type { Step } from '../sam/types';
import { FILE15_LENGTH, SFI, SW_GET_BALANCE, SW_READ, SW_READ_RECORD, SW_SELECT_APP } from './constants';
import { getBalance, parseBalance, readBinarySfi, readRecordById, readRecordSfi, selectByName } from './commands';

export interface SelectResult {
  /** 9000, or 6A81 stopped / 9303 locked / 6A82 absent. */
  sw: number;
  fci: Uint8Array;
}

export function* selectTransport(aid: string): Step<SelectResult> {
  const r = expectSw('SELECT transport application', yield* toCard('SELECT EP', selectByName(fromHex(aid))), SW_SELECT_APP);
  return { sw: r.sw, fci: r.data };
}

/**
 * File 0015: from the FCI's 9F0C when it is there and complete (it mirrors 0015, DOMAIN.md §1.3),
 * else READ BINARY SFI 15. A malformed FCI is not fatal: the file is read instead.
 */
export function* readIssuerFileBytes(fci: Uint8Array, fromFci: boolean): Step<Uint8Array> {
  if (fromFci && fci.length > 0) {
    try {
      const v = tlvValue(decodeTlv(fci, { maxDepth: 4, maxNodes: 64 }), 0x9f0c);
      if (v && v.length >= FILE15_LENGTH) return v.slice(0, FILE15_LENGTH);
    } catch {
      /* fall through to READ BINARY */
    }
  }
  return expectSw('READ BINARY 0015', yield* toCard('READ 0015', readBinarySfi(SFI.ISSUER)), SW_READ).data;
}

export function* readManagementFileBytes(): Step<Uint8Array> {
  return expectSw('READ BINARY 0017', yield* toCard('READ 0017', readBinarySfi(SFI.MANAGEMENT)), SW_READ).data;
}

export function* readBalance(): Step<number> {
  return parseBalance(expectSw('GET BALANCE', yield* toCard('GET BALANCE', getBalance()), SW_GET_BALANCE).data);
}

/** Records 1..max of a cyclic file (1 = most recent); stops at the first 6A83. */
export function* readRecords(sfi: number, max: number, label: string): Step<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let n = 1; n <= max; n++) {
    const r = expectSw(`READ RECORD ${label} #${n}`, yield* toCard(`READ ${label} #${n}`, readRecordSfi(sfi, n)), SW_READ_RECORD);
    if (r.sw === 0x6a83) break;
    out.push(r.data);
  }
  return out;
}

/** A compound record by its identifier; undefined when the card has none (6A83). */
export function* readCompoundRecord(recordId: number): Step<Uint8Array | undefined> {
  const r = expectSw(`READ RECORD 001A id ${recordId}`, yield* toCard('READ 001A', readRecordById(SFI.COMPOUND, recordId)), SW_READ_RECORD);
  return r.sw === 0x6a83 ? undefined : r.data;
}
