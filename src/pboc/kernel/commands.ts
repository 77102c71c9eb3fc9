/**
 * The PBOC commands this kernel sends (EMV Book 3 §6.5; PBOC 3.0). Builders only: sending is
 * `yield* toCard(name, cmd)`, and the flow that sends a command reads its status word there (a card's
 * refusal is an outcome of that step — "no PPSE", "GPO refused" — not an exception).
 */
import { apdu, type CommandApdu } from '../../../apdu/command';
import { tlv, encodeTlv } from '../../../apdu/tlv';

export const PSE_NAME = new TextEncoder().encode('1PAY.SYS.DDF01');
export const PPSE_NAME = new TextEncoder().encode('2PAY.SYS.DDF01');

export const selectByName = (name: Uint8Array, next = false): CommandApdu => apdu(0x00, 0xa4, 0x04, next ? 0x02 : 0x00, name, 256);
export const readRecord = (sfi: number, rec: number): CommandApdu => apdu(0x00, 0xb2, rec, (sfi << 3) | 0x04, undefined, 256);
export const gpo = (pdolData: Uint8Array): CommandApdu => apdu(0x80, 0xa8, 0x00, 0x00, encodeTlv(tlv(0x83, pdolData)), 256);
export const generateAc = (p1: number, cdolData: Uint8Array): CommandApdu => apdu(0x80, 0xae, p1, 0x00, cdolData, 256);
export const internalAuthenticate = (ddolData: Uint8Array): CommandApdu => apdu(0x00, 0x88, 0x00, 0x00, ddolData, 256);
/** GET DATA for a PBOC/EMV tag: `80 CA P1 P2 00` (tag in P1-P2). */
export const getData = (tag: number): CommandApdu => apdu(0x80, 0xca, (tag >> 8) & 0xff, tag & 0xff, undefined, 256);

/** Reference control parameter of GENERATE AC / Cryptogram Information Data (EMV Book 3 Table 12/15). */
export const AC = { AAC: 0x00, TC: 0x40, ARQC: 0x80 } as const;
export type CryptogramType = keyof typeof AC;

export function cryptogramTypeOfCid(cid: number): CryptogramType | undefined {
  switch (cid & 0xc0) {
    case 0x00:
      return 'AAC';
    case 0x40:
      return 'TC';
    case 0x80:
      return 'ARQC';
    default:
      return undefined; // 11: RFU
  }
}

/** qPBOC: the cryptogram type is in IAD (9F10) byte 5 bits 6–5 (CVR byte 2): 01 TC, 10 ARQC, else AAC (DOMAIN.md §1.2). */
export function cryptogramTypeOfIad(iad: Uint8Array): CryptogramType | undefined {
  if (iad.length < 5) return undefined;
  switch ((iad[4]! >> 4) & 0x03) {
    case 0x01:
      return 'TC';
    case 0x02:
      return 'ARQC';
    default:
      return 'AAC';
  }
}
