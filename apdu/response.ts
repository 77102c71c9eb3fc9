/** Response APDUs: data ‖ SW1 SW2 (ISO/IEC 7816-4 §5.1). */
import { CardError } from '../src/core/errors';
import { describeSw } from './status-words';

export interface ResponseApdu {
  data: Uint8Array;
  sw: number;
}

/**
 * Split a response into data and status word. A response shorter than 2 bytes is a card error: on
 * PC/SC a transmit to a dying card can "succeed" with 0 bytes.
 */
export function parseResponse(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < 2) {
    throw new CardError('short-response', `card answered ${bytes.length} byte(s); a response needs at least a 2-byte status word`);
  }
  const n = bytes.length;
  return { data: bytes.subarray(0, n - 2), sw: (bytes[n - 2]! << 8) | bytes[n - 1]! };
}

export function encodeResponse(data: Uint8Array, sw: number): Uint8Array {
  if (!Number.isInteger(sw) || sw < 0 || sw > 0xffff) throw new RangeError(`SW: expected 0..0xFFFF, got ${sw}`);
  const out = new Uint8Array(data.length + 2);
  out.set(data, 0);
  out[data.length] = sw >> 8;
  out[data.length + 1] = sw & 0xff;
  return out;
}

export function swOnly(sw: number): Uint8Array {
  return Uint8Array.of(sw >> 8, sw & 0xff);
}

export const isSuccess = (sw: number): boolean => sw === 0x9000;

export function swMeaning(sw: number): string {
  return describeSw(sw).meaning;
}
