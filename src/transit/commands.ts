/**
 * The card-side e-purse commands (DOMAIN.md §1.3; PBOC e-purse / JT/T 978) as CommandApdu builders,
 * and their answers parsed with exact length checks. Pure: no I/O.
 */
import { apdu, type CommandApdu } from '../../apdu/command';
import { fromHex, readUint, toHex, writeUint } from '../../apdu/hex';
import { ProtocolError } from '../core/errors';
import { INIT_P1 } from './constants';

export const selectByName = (aid: Uint8Array | string): CommandApdu => apdu(0x00, 0xa4, 0x04, 0x00, typeof aid === 'string' ? fromHex(aid) : aid, 0x100);

/** READ BINARY by SFI (ISO/IEC 7816-4 §11.2.3: P1 = 100 SFI, P2 = offset). */
export const readBinarySfi = (sfi: number, le = 0x100): CommandApdu => apdu(0x00, 0xb0, 0x80 | sfi, 0x00, undefined, le);

/** READ RECORD by number under an SFI (P2 = SFI<<3 | 100). */
export const readRecordSfi = (sfi: number, record: number): CommandApdu => apdu(0x00, 0xb2, record, (sfi << 3) | 0x04, undefined, 0x100);

/** READ RECORD by record identifier (first byte of the record) under an SFI (P2 = SFI<<3 | 000). */
export const readRecordById = (sfi: number, id: number): CommandApdu => apdu(0x00, 0xb2, id, sfi << 3, undefined, 0x100);

/** GET BALANCE 80 5C 00 02 04 (P2 = 02: e-purse). */
export const getBalance = (): CommandApdu => apdu(0x80, 0x5c, 0x00, 0x02, undefined, 4);

export function parseBalance(data: Uint8Array): number {
  if (data.length !== 4) throw new ProtocolError(`GET BALANCE: expected 4 bytes, got ${data.length}`, 'transit-answer');
  return readUint(data, 0, 4);
}

export interface InitPurchaseRequest {
  capp: boolean;
  keyIndex: number;
  amountFen: number;
  terminal6: Uint8Array;
}

/** INITIALIZE FOR (CAPP) PURCHASE: 80 50 <01|03> 02 0B ‖ key index 1 ‖ amount 4 ‖ terminal 6, Le 0F. */
export function initPurchase(r: InitPurchaseRequest): CommandApdu {
  const data = new Uint8Array(11);
  data[0] = r.keyIndex;
  data.set(writeUint(r.amountFen, 4), 1);
  data.set(r.terminal6, 5);
  return apdu(0x80, 0x50, r.capp ? INIT_P1.CAPP : INIT_P1.PURCHASE, 0x02, data, 0x0f);
}

/** Answer: balance 4 ‖ EP seq 2 ‖ overdraft 3 ‖ key version 1 ‖ algorithm id 1 ‖ random 4. */
export interface InitPurchaseAnswer {
  balanceFen: number;
  epSeq: number;
  epSeq2: Uint8Array;
  overdraftFen: number;
  keyVersion: number;
  algorithmId: number;
  random: Uint8Array;
}

export function parseInitPurchase(data: Uint8Array): InitPurchaseAnswer {
  if (data.length !== 15) throw new ProtocolError(`INITIALIZE FOR PURCHASE: expected 15 bytes, got ${data.length} (${toHex(data)})`, 'transit-answer');
  return {
    balanceFen: readUint(data, 0, 4),
    epSeq: readUint(data, 4, 2),
    epSeq2: data.slice(4, 6),
    overdraftFen: readUint(data, 6, 3),
    keyVersion: data[9]!,
    algorithmId: data[10]!,
    random: data.slice(11, 15),
  };
}

/** UPDATE CAPP DATA CACHE 80 DC P1 P2 Lc ‖ record: P1 record id (00 = append to a cyclic file), P2 = SFI<<3. */
export const updateCappDataCache = (sfi: number, recordId: number, record: Uint8Array): CommandApdu => apdu(0x80, 0xdc, recordId, sfi << 3, record);

/** DEBIT FOR (CAPP) PURCHASE 80 54 01 00 0F ‖ terminal seq 4 ‖ date-time 7 ‖ MAC1 4, Le 08. */
export function debit(terminalSeq4: Uint8Array, dateTime7: Uint8Array, mac1: Uint8Array): CommandApdu {
  const data = new Uint8Array(15);
  data.set(terminalSeq4, 0);
  data.set(dateTime7, 4);
  data.set(mac1, 11);
  return apdu(0x80, 0x54, 0x01, 0x00, data, 0x08);
}

/** Answer to DEBIT: TAC 4 ‖ MAC2 4. */
export function parseDebit(data: Uint8Array): { tac: Uint8Array; mac2: Uint8Array } {
  if (data.length !== 8) throw new ProtocolError(`DEBIT: expected TAC and MAC2 (8 bytes), got ${data.length}`, 'transit-answer');
  return { tac: data.slice(0, 4), mac2: data.slice(4, 8) };
}

/** GET TRANSACTION PROVE 80 5A 00 <type> 02 ‖ EP seq, Le 08. */
export const getTransactionProve = (transType: number, epSeq: number): CommandApdu => apdu(0x80, 0x5a, 0x00, transType, writeUint(epSeq, 2), 0x08);

/** Answer to GET TRANSACTION PROVE: MAC2 4 ‖ TAC 4. */
export function parseProve(data: Uint8Array): { mac2: Uint8Array; tac: Uint8Array } {
  if (data.length !== 8) throw new ProtocolError(`GET TRANSACTION PROVE: expected MAC2 and TAC (8 bytes), got ${data.length}`, 'transit-answer');
  return { mac2: data.slice(0, 4), tac: data.slice(4, 8) };
}
