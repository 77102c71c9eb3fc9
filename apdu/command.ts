/**
 * Command APDUs, ISO/IEC 7816-3 §12.1 / 7816-4 §5.1: cases 1–4 in short and extended length.
 *
 *   case 1: CLA INS P1 P2
 *   case 2: CLA INS P1 P2 Le                 (short: Le 1 byte, 00 = 256; extended: 00 Le1 Le2, 0000 = 65536)
 *   case 3: CLA INS P1 P2 Lc data            (short: Lc 1..255; extended: 00 Lc1 Lc2, 1..65535)
 *   case 4: CLA INS P1 P2 Lc data Le         (extended: 00 Lc1 Lc2 data Le1 Le2)
 */
import { ProtocolError } from '../src/core/errors';
import { toHex } from './hex';

export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  /** Command data (Nc = data.length, 1..65535). Absent or empty: no Lc field. */
  data?: Uint8Array;
  /** Ne: expected response length 1..65536. Absent: no Le field. (256 in a short APDU is encoded 00.) */
  le?: number;
}

export interface ParsedCommand extends CommandApdu {
  case: 1 | 2 | 3 | 4;
  extended: boolean;
}

export class ApduFormatError extends ProtocolError {
  constructor(message: string) {
    super(message, 'apdu-format');
  }
}

function checkByte(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new RangeError(`${what}: expected a byte 0..255, got ${v}`);
}

export function commandCase(c: CommandApdu): 1 | 2 | 3 | 4 {
  const hasData = !!c.data && c.data.length > 0;
  const hasLe = c.le !== undefined;
  return hasData ? (hasLe ? 4 : 3) : hasLe ? 2 : 1;
}

/** Encode; extended length is used when forced or when Nc > 255 or Ne > 256. */
export function encodeCommand(c: CommandApdu, opts: { extended?: boolean } = {}): Uint8Array {
  checkByte(c.cla, 'CLA');
  checkByte(c.ins, 'INS');
  checkByte(c.p1, 'P1');
  checkByte(c.p2, 'P2');
  const nc = c.data?.length ?? 0;
  if (nc > 65535) throw new RangeError(`command data: at most 65535 bytes, got ${nc}`);
  if (c.le !== undefined && (!Number.isInteger(c.le) || c.le < 1 || c.le > 65536)) {
    throw new RangeError(`Le: expected 1..65536, got ${c.le}`);
  }
  const ext = opts.extended === true || nc > 255 || (c.le ?? 0) > 256;
  const kase = commandCase(c);
  const parts: number[] = [c.cla, c.ins, c.p1, c.p2];
  if (kase === 3 || kase === 4) {
    if (ext) parts.push(0, nc >> 8, nc & 0xff);
    else parts.push(nc);
  }
  const head = Uint8Array.from(parts);
  const le = c.le;
  let tail: number[] = [];
  if (le !== undefined) {
    if (ext) {
      const v = le === 65536 ? 0 : le;
      tail = kase === 2 ? [0, v >> 8, v & 0xff] : [v >> 8, v & 0xff];
    } else {
      tail = [le === 256 ? 0 : le];
    }
  }
  const out = new Uint8Array(head.length + nc + tail.length);
  out.set(head, 0);
  if (nc) out.set(c.data!, head.length);
  out.set(tail, head.length + nc);
  return out;
}

/** Parse command bytes into their case (ISO/IEC 7816-3 §12.1.3 decoding rules). */
export function parseCommand(bytes: Uint8Array): ParsedCommand {
  if (bytes.length < 4) throw new ApduFormatError(`command APDU: expected at least 4 bytes, got ${bytes.length}`);
  const [cla, ins, p1, p2] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  const base = { cla, ins, p1, p2 };
  const body = bytes.subarray(4);
  const n = body.length;
  if (n === 0) return { ...base, case: 1, extended: false };
  if (n === 1) return { ...base, le: body[0] === 0 ? 256 : body[0]!, case: 2, extended: false };
  const b1 = body[0]!;
  if (b1 !== 0) {
    // short case 3 or 4
    if (n === 1 + b1) return { ...base, data: body.slice(1), case: 3, extended: false };
    if (n === 2 + b1) {
      const le = body[n - 1]!;
      return { ...base, data: body.slice(1, 1 + b1), le: le === 0 ? 256 : le, case: 4, extended: false };
    }
    throw new ApduFormatError(`command APDU ${toHex(bytes.subarray(0, 4))}: Lc=${b1} does not match ${n - 1} bytes of body`);
  }
  // b1 = 00: extended length
  if (n === 3) {
    const le = (body[1]! << 8) | body[2]!;
    return { ...base, le: le === 0 ? 65536 : le, case: 2, extended: true };
  }
  if (n < 3) throw new ApduFormatError(`command APDU ${toHex(bytes.subarray(0, 4))}: truncated extended length`);
  const lc = (body[1]! << 8) | body[2]!;
  if (lc === 0) throw new ApduFormatError(`command APDU ${toHex(bytes.subarray(0, 4))}: extended Lc of 0`);
  if (n === 3 + lc) return { ...base, data: body.slice(3), case: 3, extended: true };
  if (n === 5 + lc) {
    const le = (body[n - 2]! << 8) | body[n - 1]!;
    return { ...base, data: body.slice(3, 3 + lc), le: le === 0 ? 65536 : le, case: 4, extended: true };
  }
  throw new ApduFormatError(`command APDU ${toHex(bytes.subarray(0, 4))}: extended Lc=${lc} does not match ${n - 3} bytes of body`);
}

/** Convenience constructor: apdu(0x00, 0xA4, 0x04, 0x00, aid, 0x100). */
export function apdu(cla: number, ins: number, p1: number, p2: number, data?: Uint8Array, le?: number): CommandApdu {
  const c: CommandApdu = { cla, ins, p1, p2 };
  if (data && data.length) c.data = data;
  if (le !== undefined) c.le = le;
  return c;
}
