/**
 * An in-process scanner (the embedded default's "phone at the scanner window", and tests): the same
 * Scanner interface as the serial/HID/camera drivers, plus a control to present a code.
 */
import { PayloadQueue } from '../../src/scanner/queue';
import type { ScanPayload, Scanner, ScannerStats, ScannerStatus } from '../../src/scanner/types';

export class VirtualScanner implements Scanner {
  readonly kind = 'file' as const;
  private readonly queue: PayloadQueue;
  private readonly listeners = new Set<(s: ScannerStatus, d?: string) => void>();
  private payloads = 0;

  constructor(
    readonly name = 'Emulated Scanner',
    capacity = 16,
  ) {
    this.queue = new PayloadQueue(capacity);
  }

  /** Present a code, as if the scanner had read it. */
  present(text: string): void {
    this.payloads++;
    this.queue.push({ text, bytes: new TextEncoder().encode(text), source: this.name, kind: this.kind, atMs: performance.now() });
  }

  [Symbol.asyncIterator](): AsyncIterator<ScanPayload> {
    return this.queue[Symbol.asyncIterator]();
  }

  onStatus(listener: (status: ScannerStatus, detail?: string) => void): () => void {
    this.listeners.add(listener);
    listener('open');
    return () => this.listeners.delete(listener);
  }

  stats(): ScannerStats {
    // Same counter names as the stream scanners (src/scanner/stream-scanner.ts).
    return { payloads: this.payloads, dropped: this.queue.dropped ? { 'queue-full': this.queue.dropped } : {}, reconnects: 0 };
  }

  async close(): Promise<void> {
    this.queue.end();
    for (const l of this.listeners) l('closed');
  }
}
