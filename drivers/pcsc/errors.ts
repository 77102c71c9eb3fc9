/**
 * pcsc-lite's errors (as the smartcard addon reports them: the text of pcsc_errors.h, no code) mapped
 * to our typed errors by layer, with a message that says what to do. Codes from pcsc-lite's
 * pcsclite.h; the texts are smartcard 3.7.0's GetPCSCErrorString().
 */
import { CardError, ReaderError, type ReaderErrorKind } from '../../src/core/errors';

export type PcscOperation = 'connect' | 'transmit' | 'list' | 'watch' | 'context';

/** The card left or was reset under us. */
const CARD_GONE = ['Card was removed', 'No smart card present', 'Card was reset', 'Card is unpowered'];
/** pcscd is gone, or our context died with it (it restarted). */
const SERVICE = ['PC/SC service not running', 'PC/SC service stopped', 'Invalid handle', 'Communication error', 'Context is not valid'];

export function isServiceLoss(e: unknown): boolean {
  return e instanceof Error && SERVICE.includes(e.message);
}

export function mapPcscError(e: unknown, op: PcscOperation, reader?: string): ReaderError | CardError {
  if (e instanceof ReaderError || e instanceof CardError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const where = reader ? ` ("${reader}")` : '';
  const opts = { cause: e };
  if (CARD_GONE.includes(msg)) {
    if (op === 'transmit') return new CardError('removed', `the card was removed or reset during the exchange${where}: ${msg}`, undefined, [], opts);
    return new ReaderError(msg === 'Card is unpowered' ? 'transport' : 'no-card', `no usable card in the reader${where}: ${msg}; present the card again`, reader, opts);
  }
  if (msg === 'Card is unresponsive') {
    if (op === 'transmit') return new CardError('mute', `the card does not answer${where}`, undefined, [], opts);
    return new ReaderError('no-card', `the card does not answer its reset${where}; present it again or try another card`, reader, opts);
  }
  if (msg === 'Transaction failed') {
    // SCARD_E_NOT_TRANSACTED: the reader lost the exchange (a card pulled out mid-APDU, a contactless card leaving the field).
    if (op === 'transmit') return new CardError('removed', `the exchange with the card failed${where} (card removed or communication error)`, undefined, [], opts);
    return new ReaderError('transport', `the reader could not talk to the card${where}`, reader, opts);
  }
  const kind: ReaderErrorKind = SERVICE.includes(msg)
    ? 'service-down'
    : msg === 'Reader unavailable' || msg === 'Unknown reader'
      ? 'reader-gone'
      : msg === 'Sharing violation'
        ? 'sharing-violation'
        : msg === 'Operation timed out'
          ? 'timeout'
          : msg === 'No readers available'
            ? 'no-reader'
            : 'transport';
  const advice: Record<ReaderErrorKind, string> = {
    'service-down': 'the PC/SC service (pcscd) is not running or has just restarted (start it: systemctl start pcscd)',
    'reader-gone': 'the reader vanished; check its cable',
    'sharing-violation': 'another program holds the card exclusively',
    timeout: 'the PC/SC service did not answer in time',
    'no-reader': 'no reader is connected',
    transport: 'PC/SC error',
    'no-card': 'no card',
    'card-removed': 'card removed',
  };
  return new ReaderError(kind, `${advice[kind]}${where}: ${msg}`, reader, opts);
}
