/**
 * The narrow reader interface (STYLE.md §1, after Keyple's ReaderSpi): what a driver implements.
 * Everything above it is pure. Two implementations: drivers/pcsc (real pcscd) and drivers/virtual
 * (in-process, for the embedded default and fast tests).
 */
import type { ReaderError } from '../core/errors';

export type CardProtocol = 'T0' | 'T1';

export type ReaderInterfaceKind = 'contact' | 'contactless' | 'unknown';

export interface ReaderInfo {
  name: string;
  /** Contact or contactless, where the driver can tell (from the name or configuration). */
  interface: ReaderInterfaceKind;
  cardPresent: boolean;
  atr?: Uint8Array;
}

export type ReaderEvent =
  | { type: 'reader-added'; reader: ReaderInfo }
  | { type: 'reader-removed'; reader: string }
  | { type: 'card-inserted'; reader: string; atr: Uint8Array }
  | { type: 'card-removed'; reader: string }
  /** The driver lost the service or a reader and is recovering (it keeps trying with backoff). */
  | { type: 'error'; error: ReaderError };

export interface TransmitOptions {
  /** Deadline for this APDU; a silent card never answers. Default: the driver's apduTimeoutMs. */
  timeoutMs?: number;
}

/** One connection to the card in one reader. */
export interface CardConnection {
  readonly reader: string;
  readonly atr: Uint8Array;
  readonly protocol: CardProtocol;
  /**
   * Send a command APDU, get data ‖ SW. Throws ReaderError (reader or service trouble) or CardError
   * (card removed; answer shorter than 2 bytes; no answer within the deadline = CardError 'mute'). Never two transmits at once on a connection:
   * calls are queued.
   */
  transmit(command: Uint8Array, opts?: TransmitOptions): Promise<Uint8Array>;
  /** Release the card (leave it powered). Waits for an in-flight transmit; idempotent. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  share?: 'shared' | 'exclusive';
  protocols?: readonly CardProtocol[];
}

export interface ReaderDriver {
  /** 'pcsc', 'virtual', … */
  readonly kind: string;
  listReaders(): Promise<ReaderInfo[]>;
  /** Reader and card events. Subscribing starts the watcher; returns the unsubscribe function. */
  subscribe(listener: (event: ReaderEvent) => void): () => void;
  connect(reader: string, opts?: ConnectOptions): Promise<CardConnection>;
  /** Stop watching and release everything. */
  close(): Promise<void>;
}

/** Guess a reader's interface from its PC/SC name (readers name their contactless slot "PICC" or "CL"). */
export function guessInterface(name: string): ReaderInterfaceKind {
  if (/\b(PICC|CL|contactless|NFC|ACR122)\b/i.test(name)) return 'contactless';
  if (/\b(SAM|ICC|contact)\b/i.test(name)) return 'contact';
  return 'unknown';
}
