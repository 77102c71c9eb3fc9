/**
 * The scanner interface (STYLE.md §1): a scanner is an async iterable of payloads. Serial, HID
 * (keyboard wedge or HID POS) and camera drivers in drivers/ implement it; everything above (the
 * e-code verifier, the runtime) sees only text payloads and status changes.
 */

export type ScannerKind = 'serial' | 'hid-keyboard' | 'hid-pos' | 'camera' | 'file';

export interface ScanPayload {
  /** The decoded text (framing removed). */
  text: string;
  /** The payload bytes as received, before text decoding (framing removed). */
  bytes: Uint8Array;
  /** Scanner name (config), carried into the credential and the journal. */
  source: string;
  kind: ScannerKind;
  /** Monotonic ms when the last byte / the frame arrived. */
  atMs: number;
  /** AIM symbology identifier when the scanner reports one ("]Q1" = QR). */
  symbology?: string;
}

export type ScannerStatus = 'open' | 'disconnected' | 'reconnecting' | 'closed';

export interface ScannerStats {
  payloads: number;
  /** Frames dropped, by reason: "timeout-partial", "no-prefix", "overflow", "bad-encoding", "queue-full", "repeat"… */
  dropped: Record<string, number>;
  reconnects: number;
}

export interface Scanner extends AsyncIterable<ScanPayload> {
  readonly name: string;
  readonly kind: ScannerKind;
  /**
   * Status changes: "disconnected" when the device vanishes (unplugged), "reconnecting" while the
   * driver retries, "open" when it is back, "closed" after close(). Returns an unsubscribe function.
   */
  onStatus(listener: (status: ScannerStatus, detail?: string) => void): () => void;
  stats(): ScannerStats;
  /** Release the device; every iterator ends. */
  close(): Promise<void>;
}
