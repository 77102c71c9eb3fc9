/**
 * Run a kernel directly on an emulated card, without any reader: `transceive(transmitOf(card), cmd)`
 * or `runKernel(k, { card: transmitOf(card), ... })`. Same response check as the drivers: an answer
 * shorter than 2 bytes is a CardError. The card is powered on first if `powerOn` is set.
 */
import type { Transmit } from '../../apdu/transceive';
import { toHex } from '../../apdu/hex';
import { CardError } from '../core/errors';
import type { EmulatedCard } from './types';

export function transmitOf(card: EmulatedCard, opts: { powerOn?: boolean } = {}): Transmit {
  if (opts.powerOn) card.powerOn();
  return async (command: Uint8Array): Promise<Uint8Array> => {
    // Copy both ways: the kernel must not alias the card's memory (and vice versa).
    const response = card.transmit(command.slice()).slice();
    if (response.length < 2) {
      throw new CardError('short-response', `card "${card.label}" answered ${response.length} byte(s) to ${toHex(command.subarray(0, 2))}…; a response needs at least a 2-byte status word`);
    }
    return response;
  };
}
