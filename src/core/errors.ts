/**
 * Error types by layer (STYLE.md §5). A decline is not an error: it is a value (see decision.ts).
 *
 * - ReaderError: the reader, the driver or the PC/SC service failed (reader gone, no card, timeout,
 *   pcscd down). The card may be fine.
 * - CardError: the card failed the exchange (vanished mid-APDU, answered fewer than 2 bytes, or with an
 *   error status word a command does not accept). Carries the responses already received.
 * - ProtocolError: the card answered, but the answer is nonsense (malformed TLV, wrong lengths,
 *   impossible values). Also carries the responses already received.
 * - ConfigError: the operator's configuration is invalid: names the field and says why.
 */

export type ReaderErrorKind =
  | 'no-reader'
  | 'reader-gone'
  | 'no-card'
  | 'card-removed'
  | 'timeout'
  | 'service-down'
  | 'sharing-violation'
  | 'transport';

export class YktError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ReaderError extends YktError {
  constructor(
    readonly kind: ReaderErrorKind,
    message: string,
    readonly reader?: string,
    options?: { cause?: unknown },
  ) {
    super(message, `reader/${kind}`, options);
  }
}

/** One exchange already done with the card: the command and the full response (data ‖ SW). */
export interface Exchange {
  command: Uint8Array;
  response: Uint8Array;
}

export type CardErrorKind =
  | 'mute' // no answer within the deadline
  | 'short-response' // fewer than 2 bytes: no status word (a dying card on PC/SC "succeeds" with 0 bytes)
  | 'status' // a status word the command does not accept
  | 'removed'; // the card left the field during the exchange

export class CardError extends YktError {
  constructor(
    readonly kind: CardErrorKind,
    message: string,
    readonly sw?: number,
    readonly exchanges: readonly Exchange[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, `card/${kind}`, options);
  }
}

export class ProtocolError extends YktError {
  constructor(
    message: string,
    readonly reason: string = 'malformed',
    readonly exchanges: readonly Exchange[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, `protocol/${reason}`, options);
  }
}

export class ConfigError extends YktError {
  constructor(
    readonly field: string,
    readonly why: string,
    options?: { cause?: unknown },
  ) {
    super(`config: ${field}: ${why}`, 'config/invalid', options);
  }
}

/** Narrowing helper for catch blocks. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
