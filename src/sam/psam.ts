/**
 * The PSAM as a PurchaseSam: real PSAM APDUs (DOMAIN.md §1.3), sent to whatever channel the runner's
 * `sam` Transmit is: the second PC/SC slot of the validator's reader, or the emulated PSAM.
 *
 *   SELECT MF                     00 A4 00 00 02 3F00 (the PSAM may still be in its ADF: a terminal
 *                                                   restart does not power-cycle it)
 *   READ BINARY SFI 16            00 B0 96 00 06    → terminal number 6
 *   SELECT A000000632‖MOT.CPSAM01 00 A4 04 00 10 …
 *   READ BINARY SFI 17            00 B0 97 00 00    → key index 1 ‖ issuer 8 ‖ receiver 8 ‖ start 4 ‖ end 4
 *   MAC1                          80 70 00 00 Lc random 4 ‖ seq 2 ‖ amount 4 ‖ type 1 ‖ date-time 7 ‖
 *                                               key version 1 ‖ algorithm id 1 ‖ n × 8 factors, Le 08
 *                                 → terminal seq 4 ‖ MAC1 4
 *   VERIFY MAC2                   80 72 00 00 04 MAC2 → 9000 valid, 9302 invalid, 6985 no session
 */
import { dateNumber, decodeDate8 } from '../../apdu/codec';
import { apdu } from '../../apdu/command';
import { readUint, toHex, writeUint } from '../../apdu/hex';
import { expectSw } from '../../apdu/transceive';
import { ProtocolError } from '../core/errors';
import { toSam } from '../kernel/step';
import type { SwTable } from '../../apdu/transceive';
import type { Mac1Request, Mac1Result, Mac2Check, PurchaseSam, SamIdentity, Step } from './types';

/** The PSAM's transport application: A000000632 ‖ "MOT.CPSAM01". */
export const AID_PSAM_TRANSPORT = Uint8Array.from([0xa0, 0x00, 0x00, 0x06, 0x32, ...Buffer.from('MOT.CPSAM01', 'ascii')]);
/** 0016 under the MF: terminal number; 0017 under the transport ADF: key index, issuer, receiver, dates. */
export const PSAM_SFI = { TERMINAL: 0x16, APP_INFO: 0x17 } as const;
export const PSAM_FILE17_LENGTH = 25;

const SW_OK: SwTable = { 0x9000: 'success' };
/** 6985 from 8072: the PSAM holds no purchase session (another MAC1 since, or a reset). */
export const SW_PSAM_MAC2: SwTable = { 0x9000: 'success', 0x9302: 'MAC2 invalid', 0x6985: 'no purchase session' };

const readBinarySfi = (sfi: number, le = 0x100) => apdu(0x00, 0xb0, 0x80 | sfi, 0x00, undefined, le);

export function parsePsamFile17(data: Uint8Array): Omit<SamIdentity, 'terminalId'> {
  if (data.length < PSAM_FILE17_LENGTH) throw new ProtocolError(`PSAM file 0017: expected ${PSAM_FILE17_LENGTH} bytes, got ${data.length}`, 'psam-file');
  const from = decodeDate8(data.subarray(17, 21));
  const to = decodeDate8(data.subarray(21, 25));
  return {
    keyIndex: data[0]!,
    issuerId: toHex(data.subarray(1, 9)),
    receiverId: toHex(data.subarray(9, 17)),
    validFrom: dateNumber(from),
    validTo: dateNumber(to),
  };
}

export function mac1Command(r: Mac1Request) {
  const fixed = 20;
  const data = new Uint8Array(fixed + 8 * r.factors.length);
  data.set(r.random, 0);
  data.set(writeUint(r.epSeq, 2), 4);
  data.set(writeUint(r.amountFen, 4), 6);
  data[10] = r.transType;
  data.set(r.dateTime7, 11);
  data[18] = r.keyVersion;
  data[19] = r.algorithmId;
  r.factors.forEach((f, i) => {
    if (f.length !== 8) throw new RangeError(`diversification factor ${i + 1}: expected 8 bytes, got length=${f.length}`);
    data.set(f, fixed + 8 * i);
  });
  return apdu(0x80, 0x70, 0x00, 0x00, data, 0x08);
}

export function psam(label = 'PSAM'): PurchaseSam {
  // Mirror of the PSAM's purchase session: set only when a MAC1 answer was seen; any doubt clears it.
  let session: number | undefined;
  return {
    label,
    currentSession: () => session,
    *identify(): Step<SamIdentity> {
      session = undefined;
      // File 0016 is read under the MF, before the transport application is selected.
      expectSw('PSAM SELECT MF', yield* toSam('PSAM SELECT MF', apdu(0x00, 0xa4, 0x00, 0x00, Uint8Array.of(0x3f, 0x00))), SW_OK);
      const t = expectSw('PSAM READ BINARY 0016', yield* toSam('PSAM READ 0016', readBinarySfi(PSAM_SFI.TERMINAL, 6)), SW_OK);
      if (t.data.length !== 6) throw new ProtocolError(`PSAM file 0016: expected a 6-byte terminal number, got ${t.data.length}`, 'psam-file');
      expectSw('PSAM SELECT MOT.CPSAM01', yield* toSam('PSAM SELECT', apdu(0x00, 0xa4, 0x04, 0x00, AID_PSAM_TRANSPORT, 0x100)), SW_OK);
      const f17 = expectSw('PSAM READ BINARY 0017', yield* toSam('PSAM READ 0017', readBinarySfi(PSAM_SFI.APP_INFO)), SW_OK);
      return { terminalId: t.data.slice(), ...parsePsamFile17(f17.data) };
    },
    *mac1(r: Mac1Request): Step<Mac1Result> {
      session = undefined;
      const a = expectSw('PSAM MAC1 (80 70)', yield* toSam('PSAM MAC1', mac1Command(r)), SW_OK);
      if (a.data.length !== 8) throw new ProtocolError(`PSAM MAC1: expected terminal seq 4 ‖ MAC1 4, got ${a.data.length} bytes`, 'psam-answer');
      const terminalSeq = readUint(a.data, 0, 4);
      session = terminalSeq;
      return { terminalSeq, terminalSeq4: a.data.slice(0, 4), mac1: a.data.slice(4, 8) };
    },
    *verifyMac2(mac2: Uint8Array): Step<Mac2Check> {
      if (mac2.length !== 4) throw new RangeError(`MAC2: expected 4 bytes, got length=${mac2.length}`);
      session = undefined; // consumed on success; unknown after a failure (PSAMs differ)
      const a = expectSw('PSAM VERIFY MAC2 (80 72)', yield* toSam('PSAM MAC2', apdu(0x80, 0x72, 0x00, 0x00, mac2)), SW_PSAM_MAC2);
      return a.sw === 0x9000 ? 'valid' : a.sw === 0x9302 ? 'invalid' : 'no-session';
    },
  };
}
