/**
 * Camera QR scanning: frames from a source (sources.ts), decoded off the main thread (decode-worker.ts)
 * with frames dropped while busy, the same code seen again within repeatSuppressMs reported once.
 * Default decoder: zxing-wasm (faster and more robust than jsQR on the same frames: bench/ecode);
 * ['zxing', 'jsqr'] tries jsQR when zxing finds nothing.
 */
import { ReaderError } from '../../src/core/errors';
import { PayloadQueue } from '../../src/scanner/queue';
import type { ScanPayload, Scanner, ScannerStats, ScannerStatus } from '../../src/scanner/types';
import type { DecodedCode, DecoderName } from './decoders';
import type { Frame } from './frame';
import { DecodeWorker } from './worker-client';

export interface CameraScannerOptions {
  name?: string;
  frames: AsyncIterable<Frame>;
  decoders?: DecoderName[];
  /** The same text seen again within this window (ms since last seen) is not a new scan. */
  repeatSuppressMs?: number;
  queueCapacity?: number;
  monotonic?: () => number;
  /** Called when the frame source stops (to stop a capture process). */
  onClose?: () => void;
}

export async function openCameraScanner(o: CameraScannerOptions): Promise<Scanner & { workerStats(): DecodeWorker['stats'] }> {
  const name = o.name ?? 'camera';
  const mono = o.monotonic ?? (() => performance.now());
  const suppress = o.repeatSuppressMs ?? 1500;
  const queue = new PayloadQueue(o.queueCapacity ?? 16);
  const listeners = new Set<(s: ScannerStatus, d?: string) => void>();
  const counters: ScannerStats = { payloads: 0, dropped: {}, reconnects: 0 };
  const lastSeen = new Map<string, number>();
  const drop = (why: string) => (counters.dropped[why] = (counters.dropped[why] ?? 0) + 1);
  const status = (s: ScannerStatus, d?: string) => listeners.forEach((l) => l(s, d));
  let closed = false;

  const onCodes = (codes: DecodedCode[]) => {
    const now = mono();
    for (const c of codes) {
      const prev = lastSeen.get(c.text);
      lastSeen.set(c.text, now);
      if (prev !== undefined && now - prev < suppress) {
        drop('repeat');
        continue;
      }
      if (lastSeen.size > 256) for (const [t, at] of lastSeen) if (now - at >= suppress) lastSeen.delete(t);
      counters.payloads++;
      queue.push({ text: c.text, bytes: c.bytes ?? new TextEncoder().encode(c.text), source: name, kind: 'camera', atMs: now, symbology: ']Q1' } satisfies ScanPayload);
    }
  };
  const worker = new DecodeWorker({ decoders: o.decoders ?? ['zxing'], onCodes, onError: () => drop('decode-error') });
  await worker.whenReady();

  const pump = (async () => {
    try {
      for await (const frame of o.frames) {
        if (closed) break;
        worker.submit(frame);
      }
      await worker.idle();
      if (!closed) queue.end();
    } catch (e) {
      if (closed) return;
      await worker.idle();
      const why = e instanceof Error ? e.message : String(e);
      status('disconnected', why);
      queue.fail(new ReaderError('reader-gone', `camera ${name}: ${why}`, name, { cause: e }));
    }
  })();

  status('open');
  return {
    name,
    kind: 'camera',
    onStatus(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    stats() {
      return { ...counters, dropped: { ...counters.dropped, ...(worker.stats.dropped ? { 'frame-busy': worker.stats.dropped } : {}), ...(queue.dropped ? { 'queue-full': queue.dropped } : {}) } };
    },
    workerStats: () => worker.stats,
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    async close() {
      if (closed) return;
      closed = true;
      o.onClose?.();
      await worker.close();
      queue.end();
      void pump;
      status('closed');
    },
  };
}

export { pngFrame, rawVideoFrames, spawnCapture, CaptureEndedError } from './sources';
export { jsqrDecoder, zxingDecoder, chainDecoders, decoderByName, loadZxing, type FrameDecoder, type DecodedCode, type DecoderName } from './decoders';
export type { Frame } from './frame';
