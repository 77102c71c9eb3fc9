/**
 * The common body of byte-stream scanners (serial, HID keyboard wedge): bytes in through a Framer,
 * payloads out through a PayloadQueue, status listeners, counters, and the inter-byte timer.
 * Drivers own the device; this owns everything after the bytes.
 */
import { Framer, type FrameEvent, type FramingOptions } from './framing';
import { PayloadQueue } from './queue';
import { decodePayloadText, type PayloadEncoding } from './text';
import type { ScanPayload, Scanner, ScannerKind, ScannerStats, ScannerStatus } from './types';

export interface StreamScannerOptions {
  name: string;
  kind: ScannerKind;
  framing?: Partial<FramingOptions>;
  encoding?: PayloadEncoding;
  queueCapacity?: number;
  /** Monotonic ms (injected in tests). */
  monotonic?: () => number;
  /** Releases the device; called once by close(). */
  release: () => Promise<void>;
}

export class StreamScanner implements Scanner {
  readonly name: string;
  readonly kind: ScannerKind;
  private readonly framer: Framer;
  private readonly queue: PayloadQueue;
  private readonly listeners = new Set<(s: ScannerStatus, d?: string) => void>();
  private readonly counters: ScannerStats = { payloads: 0, dropped: {}, reconnects: 0 };
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly mono: () => number;

  constructor(private readonly o: StreamScannerOptions) {
    this.name = o.name;
    this.kind = o.kind;
    this.framer = new Framer(o.framing);
    this.queue = new PayloadQueue(o.queueCapacity ?? 16);
    this.mono = o.monotonic ?? (() => performance.now());
  }

  /** The driver received bytes. */
  feed(bytes: Uint8Array, symbology?: string): void {
    if (this.closed) return;
    const now = this.mono();
    this.handle(this.framer.push(bytes, now), now, symbology);
    this.arm();
  }

  /** A complete payload from a device that frames by itself (HID POS). */
  feedFrame(bytes: Uint8Array, symbology?: string): void {
    if (this.closed) return;
    this.handle([{ kind: 'frame', bytes }], this.mono(), symbology);
  }

  /** Count a drop detected by the driver (e.g. a malformed HID report). */
  drop(reason: string, n = 1): void {
    this.counters.dropped[reason] = (this.counters.dropped[reason] ?? 0) + n;
  }

  status(s: ScannerStatus, detail?: string): void {
    if (s === 'open' && detail === 'reconnected') this.counters.reconnects++;
    if (s === 'disconnected') this.framer.reset();
    for (const l of this.listeners) l(s, detail);
  }

  /** The device is gone for good: iteration ends with this error. */
  fail(error: unknown): void {
    this.queue.fail(error);
  }

  onStatus(listener: (s: ScannerStatus, d?: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): ScannerStats {
    const dropped = { ...this.counters.dropped };
    if (this.queue.dropped) dropped['queue-full'] = this.queue.dropped;
    return { ...this.counters, dropped };
  }

  [Symbol.asyncIterator](): AsyncIterator<ScanPayload> {
    return this.queue[Symbol.asyncIterator]();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    try {
      await this.o.release();
    } finally {
      this.queue.end();
      this.status('closed');
    }
  }

  private handle(events: FrameEvent[], now: number, symbology?: string): void {
    for (const e of events) {
      if (e.kind === 'dropped') {
        this.drop(e.reason);
        continue;
      }
      const text = decodePayloadText(e.bytes, this.o.encoding ?? 'utf8');
      if (text === undefined) {
        this.drop('bad-encoding');
        continue;
      }
      this.counters.payloads++;
      this.queue.push({ text, bytes: e.bytes, source: this.name, kind: this.kind, atMs: now, symbology });
    }
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const d = this.framer.deadline();
    if (d === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = this.mono();
      this.handle(this.framer.flush(now), now);
      this.arm();
    }, Math.max(1, Math.ceil(d - this.mono()) + 1));
    this.timer.unref?.();
  }
}
