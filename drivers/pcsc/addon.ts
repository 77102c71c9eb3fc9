/**
 * The `smartcard` N-API addon (PC/SC), loaded lazily: it is an optional dependency, built against
 * libpcsclite at install time, and the terminal must run (virtual reader, e-code) without it.
 *
 * Only the parts we use are typed here (checked against smartcard 3.7.0's dist/lib/types.d.ts), so the
 * project typechecks even where the addon is absent. Native calls and where they run:
 *   Context() / listReaders() / cancel() / close() / card.disconnect()  — synchronous, main thread
 *   waitForChange() / reader.connect() / card.transmit()                 — libuv thread pool
 * Errors are plain Errors whose message is pcsc-lite's text ("Card was removed"…): see errors.ts.
 */
import { ReaderError } from '../../src/core/errors';

export interface NativeReaderState {
  name: string;
  state: number;
  changed: boolean;
  atr: Buffer | null;
}

export interface NativeCard {
  readonly protocol: number;
  readonly connected: boolean;
  readonly atr: Buffer | null;
  transmit(command: Buffer, options?: { maxRecvLength?: number }): Promise<Buffer>;
  disconnect(disposition?: number): void;
}

export interface NativeReader {
  readonly name: string;
  readonly state: number;
  readonly atr: Buffer | null;
  connect(shareMode?: number, protocol?: number): Promise<NativeCard>;
}

export interface NativeContext {
  readonly isValid: boolean;
  listReaders(): NativeReader[];
  waitForChange(readers: Array<{ name: string; state: number }>, timeout?: number): Promise<NativeReaderState[] | null>;
  cancel(): void;
  close(): void;
}

export interface PcscAddon {
  Context: new () => NativeContext;
  SCARD_SHARE_SHARED: number;
  SCARD_SHARE_EXCLUSIVE: number;
  SCARD_PROTOCOL_T0: number;
  SCARD_PROTOCOL_T1: number;
  SCARD_LEAVE_CARD: number;
  SCARD_STATE_CHANGED: number;
  SCARD_STATE_UNKNOWN: number;
  SCARD_STATE_UNAVAILABLE: number;
  SCARD_STATE_EMPTY: number;
  SCARD_STATE_PRESENT: number;
  SCARD_STATE_MUTE: number;
}

export const MISSING_ADDON_MESSAGE = 'the PC/SC addon is not installed: install libpcsclite-dev and run npm rebuild smartcard';

let loading: Promise<PcscAddon> | undefined;

/** Load the addon once. A missing or unbuildable addon is a ReaderError with what to do. */
export function loadPcscAddon(): Promise<PcscAddon> {
  loading ??= (async () => {
    const name = 'smartcard'; // a variable: bundlers must not inline an optional native module
    let mod: Record<string, unknown>;
    try {
      mod = (await import(name)) as Record<string, unknown>;
    } catch (e) {
      loading = undefined;
      throw new ReaderError('service-down', `${MISSING_ADDON_MESSAGE} (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`, undefined, { cause: e });
    }
    const addon = (mod.default && typeof (mod.default as Record<string, unknown>).Context === 'function' ? mod.default : mod) as unknown as PcscAddon;
    if (typeof addon.Context !== 'function') {
      loading = undefined;
      throw new ReaderError('service-down', `${MISSING_ADDON_MESSAGE} (the smartcard module has no Context)`);
    }
    return addon;
  })();
  return loading;
}
