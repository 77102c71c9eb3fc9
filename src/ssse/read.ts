/**
 * Reading the social security application: a kernel (no I/O) that produces a frozen dump of the
 * records (Metrodroid's two phases: read, then understand — parse.ts is pure over the dump).
 *
 *   SELECT by DF name (00 A4 04 00 0F 7378312E73682EC9E7BBE1B1A3D5CF)
 *   READ RECORD n by SFI (00 B2 n 2C 00) for EF05; EF06 (00 B2 n 34 00) only when the service needs
 *   holder data and the terminal can authenticate (GET CHALLENGE + EXTERNAL AUTHENTICATE via a SAM).
 *   Fallback when a card does not address by SFI: SELECT EF (00 A4 02 00 02 EF05) then READ RECORD by
 *   identifier (00 B2 <tag> 00 00) — DOMAIN.md §1.1.
 */
import { apdu } from '../../apdu/command';
import { writeUint } from '../../apdu/hex';
import { expectSw, type SwTable } from '../../apdu/transceive';
import { toCard, type Kernel, type KernelReply, type KernelRequest } from '../kernel/step';
import { EF05, EF05_TAG, EF06, EF06_TAG, SSSE_DF_NAME } from './constants';

export interface SsseDump {
  /** false: the card has no SSSE application (SELECT answered 6A82 / 6A81). */
  present: boolean;
  /** SW of the SELECT. */
  selectSw: number;
  fci?: Uint8Array;
  /** Raw EF05 records in record order (or identifier order on the fallback path). */
  ef05: Uint8Array[];
  /** Raw EF06 records; absent when not requested or not permitted. */
  ef06?: Uint8Array[];
  /** Why EF06 is absent when it was requested. */
  ef06Refused?: string;
}

export interface ReadSsseOptions {
  /** Read EF06 holder data (only for services that need it: hospital registration, identity checks). */
  holderData?: boolean;
  /** Cryptogram for EF06's access condition; without it EF06 is requested without authentication. */
  authenticate?: (challenge: Uint8Array) => Uint8Array;
  authKeyRef?: number;
  /** Max records to read per file (bound against hostile cards). */
  maxRecords?: number;
}

// 6D00/6E00: some cards (and transcripts, for commands they did not capture) answer these for an unknown DF name.
const SELECT_SW: SwTable = { 0x9000: 'selected', 0x6a82: 'not found', 0x6a81: 'blocked', 0x6d00: 'not supported', 0x6e00: 'class not supported' };
const READ_SW: SwTable = { 0x9000: 'ok', 0x6a83: 'record not found', 0x6a82: 'file not found', 0x6a86: 'P1-P2 not supported', 0x6982: 'security status not satisfied' };

export function* readSsse(opts: ReadSsseOptions = {}): Kernel<SsseDump> {
  const sel = yield* toCard('SELECT SSSE', apdu(0x00, 0xa4, 0x04, 0x00, SSSE_DF_NAME, 256));
  expectSw('SELECT SSSE', sel, SELECT_SW);
  if (sel.sw !== 0x9000) return { present: false, selectSw: sel.sw, ef05: [] };
  const max = opts.maxRecords ?? 16;

  let ef05r: Uint8Array[] | string = yield* readRecordsBySfi('EF05', EF05.sfi, 7, max);
  if (ef05r === 'no-sfi') ef05r = yield* readRecordsById('EF05', EF05.fid, Object.values(EF05_TAG));
  const ef05 = typeof ef05r === 'string' ? [] : ef05r;

  const dump: SsseDump = { present: true, selectSw: sel.sw, fci: sel.data, ef05 };
  if (!opts.holderData) return dump;

  if (opts.authenticate) {
    const ch = yield* toCard('GET CHALLENGE', apdu(0x00, 0x84, 0x00, 0x00, undefined, 8));
    expectSw('GET CHALLENGE', ch);
    const cryptogram = opts.authenticate(ch.data);
    const ea = yield* toCard('EXTERNAL AUTHENTICATE', apdu(0x00, 0x82, 0x00, opts.authKeyRef ?? 0x01, cryptogram));
    if (ea.sw !== 0x9000) {
      dump.ef06Refused = `external authentication refused (${ea.sw.toString(16).toUpperCase()})`;
      return dump;
    }
  }
  let ef06: Uint8Array[] | string = yield* readRecordsBySfi('EF06', EF06.sfi, 7, max);
  if (ef06 === 'no-sfi') ef06 = yield* readRecordsById('EF06', EF06.fid, Object.values(EF06_TAG));
  if (ef06 === 'denied') dump.ef06Refused = 'holder data needs authentication (security status not satisfied)';
  else if (typeof ef06 !== 'string') dump.ef06 = ef06;
  return dump;
}

/** READ RECORD 1..expected by SFI (stopping early at 6A83). Returns 'no-sfi' if the card does not know the SFI. */
function* readRecordsBySfi(name: string, sfi: number, expected: number, max: number): Generator<KernelRequest, Uint8Array[] | 'no-sfi' | 'denied', KernelReply> {
  const out: Uint8Array[] = [];
  for (let n = 1; n <= Math.min(expected, max); n++) {
    const r = yield* toCard(`READ RECORD ${name} #${n}`, apdu(0x00, 0xb2, n, (sfi << 3) | 0x04, undefined, 256));
    expectSw(`READ RECORD ${name} #${n}`, r, READ_SW);
    if (r.sw === 0x6982) return 'denied';
    if (r.sw === 0x6a82 || r.sw === 0x6a86) return n === 1 ? 'no-sfi' : out;
    if (r.sw === 0x6a83) break;
    out.push(r.data);
  }
  return out;
}

function* readRecordsById(name: string, fid: number, tags: readonly number[]): Generator<KernelRequest, Uint8Array[] | 'denied' | 'absent', KernelReply> {
  const sel = yield* toCard(`SELECT ${name}`, apdu(0x00, 0xa4, 0x02, 0x00, writeUint(fid, 2)));
  expectSw(`SELECT ${name}`, sel, { 0x9000: 'ok', 0x6a82: 'not found' });
  if (sel.sw !== 0x9000) return 'absent';
  const out: Uint8Array[] = [];
  for (const tag of tags) {
    const r = yield* toCard(`READ RECORD ${name} id ${tag}`, apdu(0x00, 0xb2, tag, 0x00, undefined, 256));
    expectSw(`READ RECORD ${name} id ${tag}`, r, READ_SW);
    if (r.sw === 0x6982) return 'denied';
    if (r.sw === 0x9000) out.push(r.data);
  }
  return out;
}
