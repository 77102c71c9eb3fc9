/**
 * The part of a CardConnection that both reader drivers share: one APDU at a time, a deadline per
 * APDU, "fewer than 2 bytes is a card error", and a close that never releases the card while a
 * command is still inside the driver.
 *
 * A driver gives it a raw `send` (the native SCardTransmit, or the in-process card) and a `release`
 * (SCardDisconnect, or nothing). Hazards this encodes (issue 2, seen on pcscd):
 *  - a silent card never answers: every APDU has its own deadline → CardError 'mute';
 *  - the native call behind a missed deadline is still running (and holds a libuv pool thread): the
 *    channel is then "wedged" — later transmits fail at once instead of stacking more native calls,
 *    and `release` is deferred until that call settles (never disconnect under a transmit);
 *  - a dying card can "succeed" with 0 or 1 bytes → CardError 'short-response'.
 */
import { toHex } from '../../apdu/hex';
import { CardError, ReaderError } from '../../src/core/errors';
import type { TransmitOptions } from '../../src/reader/types';

export interface ApduChannelOptions {
  reader: string;
  /** The raw exchange. May reject with ReaderError / CardError (already mapped by the driver). */
  send: (command: Uint8Array) => Promise<Uint8Array>;
  /** Give the card back (SCardDisconnect). Called once, never while `send` is in flight. */
  release: () => void | Promise<void>;
  /** Default per-APDU deadline. */
  apduTimeoutMs: number;
  /**
   * How long close() waits for a wedged native call before returning (the release itself still
   * waits for that call to settle, in the background).
   */
  closeGraceMs?: number;
}

export class ApduChannel {
  private tail: Promise<unknown> = Promise.resolve();
  /** The raw send currently inside the driver (also after its deadline fired), if any. */
  private inFlight: Promise<unknown> | undefined;
  private wedged: string | undefined;
  private closed = false;
  private releasing: Promise<void> | undefined;

  constructor(private readonly opts: ApduChannelOptions) {}

  /** True while a raw send is still inside the driver (even one whose deadline already fired). */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queue one APDU. Calls are serialised: never two raw sends at once on one connection. */
  transmit(command: Uint8Array, options: TransmitOptions = {}): Promise<Uint8Array> {
    const timeoutMs = options.timeoutMs ?? this.opts.apduTimeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      return Promise.reject(new RangeError(`timeoutMs: expected a positive number of milliseconds, got ${timeoutMs}`));
    }
    if (this.closed) {
      const reader = this.opts.reader;
      return Promise.reject(new ReaderError('transport', `the connection to the card in "${reader}" is closed; connect again`, reader));
    }
    const run = this.tail.then(() => this.transmitNow(command, timeoutMs));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async transmitNow(command: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const reader = this.opts.reader;
    if (this.wedged) throw new CardError('mute', this.wedged);
    const raw = this.opts.send(command);
    const tracked = raw.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight = tracked;
    void tracked.then(() => {
      if (this.inFlight === tracked) this.inFlight = undefined;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const ins = toHex(command.subarray(0, 2));
        this.wedged = `the card in "${reader}" did not answer ${ins}… within ${timeoutMs} ms; this connection is unusable until the card is removed or reconnected`;
        reject(new CardError('mute', `the card in "${reader}" did not answer within ${timeoutMs} ms (command ${ins}…)`));
      }, timeoutMs);
    });
    try {
      const response = await Promise.race([raw, deadline]);
      if (response.length < 2) {
        throw new CardError('short-response', `the card in "${reader}" answered ${response.length} byte(s) to ${toHex(command.subarray(0, 2))}…; a response needs at least a 2-byte status word (dying card?)`);
      }
      return response;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Release the card. Idempotent. Transmits queued before close() still run; later ones are refused.
   * If a native call is wedged (a silent
   * card), returns after `closeGraceMs` and releases only once that call settles.
   */
  close(): Promise<void> {
    if (this.releasing) return this.releasing;
    this.closed = true;
    const grace = this.opts.closeGraceMs ?? 1000;
    this.releasing = (async () => {
      await this.tail;
      const pending = this.inFlight;
      const release = async (): Promise<void> => {
        try {
          await this.opts.release();
        } catch {
          // Best effort: the card or the service may already be gone; the handle is dead either way.
        }
      };
      if (!pending) return release();
      const releasedLater = pending.then(release).catch(() => undefined);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const graceOver = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, grace);
      });
      await Promise.race([releasedLater, graceOver]);
      clearTimeout(timer);
    })();
    return this.releasing;
  }
}
