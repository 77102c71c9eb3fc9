/**
 * Decoding off the main thread, dropping frames: a camera delivers 15–30 frames/s, a decode takes
 * 3–40 ms; the gate needs the newest frame decoded, not every frame. submit() never queues more than
 * one waiting frame: a newer frame replaces the waiting one (counted as dropped).
 *
 * The worker runs decode-worker.ts. From sources (tests, tsx) decode-worker-boot.mjs loads it through
 * tsx's loader inside the worker; a bundled build ships decode-worker.js next to this file instead.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DecodeReply, DecodeRequest } from './decode-worker';
import type { DecodedCode, DecoderName } from './decoders';
import type { Frame } from './frame';

export interface DecodeWorkerStats {
  submitted: number;
  decoded: number;
  dropped: number;
  errors: number;
  lastMs: number;
}

export interface DecodeWorkerOptions {
  decoders?: DecoderName[];
  /** Called for every decoded frame that held at least one code. */
  onCodes: (codes: DecodedCode[]) => void;
  onError?: (message: string) => void;
}

function workerEntry(): string {
  const js = new URL('./decode-worker.js', import.meta.url);
  return existsSync(fileURLToPath(js)) ? js.href : new URL('./decode-worker.ts', import.meta.url).href;
}

export class DecodeWorker {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;
  private busy = false;
  private waiting: Frame | undefined;
  private nextId = 1;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  readonly stats: DecodeWorkerStats = { submitted: 0, decoded: 0, dropped: 0, errors: 0, lastMs: 0 };

  constructor(private readonly opts: DecodeWorkerOptions) {
    const entry = workerEntry();
    const start = entry.endsWith('.js') ? new URL(entry) : new URL('./decode-worker-boot.mjs', import.meta.url);
    this.worker = new Worker(start, { workerData: { decoders: opts.decoders ?? ['zxing'], entry } });
    this.ready = new Promise((resolve, reject) => {
      const onMsg = (m: unknown) => {
        if (m && typeof m === 'object' && 'ready' in m) {
          this.worker.off('message', onMsg);
          this.worker.off('error', reject);
          resolve();
        }
      };
      this.worker.on('message', onMsg);
      this.worker.once('error', reject);
    });
    this.worker.on('message', (m: DecodeReply | { ready: true }) => {
      if ('ready' in m) return;
      this.onReply(m);
    });
    this.worker.on('error', (e) => this.opts.onError?.(`decode worker failed: ${e.message}`));
  }

  /** Resolves when the worker has loaded its decoders. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** Offer a frame. Returns false when it replaced a waiting frame (one frame dropped). */
  submit(frame: Frame): boolean {
    if (this.closed) return false;
    this.stats.submitted++;
    if (!this.busy) {
      this.send(frame);
      return true;
    }
    const dropped = this.waiting !== undefined;
    if (dropped) this.stats.dropped++;
    this.waiting = frame;
    return !dropped;
  }

  /** Resolves when no frame is being decoded or waiting. */
  idle(): Promise<void> {
    if (!this.busy && !this.waiting) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private send(frame: Frame): void {
    this.busy = true;
    const req: DecodeRequest = { id: this.nextId++, frame };
    // Transfer the pixel buffer when the frame owns all of it (no copy); otherwise it is copied.
    const buf = frame.data.buffer as ArrayBuffer;
    const transfer = frame.data.byteOffset === 0 && frame.data.byteLength === buf.byteLength && !(buf instanceof SharedArrayBuffer) ? [buf] : [];
    this.worker.postMessage(req, transfer);
  }

  private onReply(m: DecodeReply): void {
    this.stats.lastMs = m.ms;
    if (m.error) {
      this.stats.errors++;
      this.opts.onError?.(m.error);
    } else {
      this.stats.decoded++;
      if (m.results && m.results.length) this.opts.onCodes(m.results);
    }
    const next = this.waiting;
    this.waiting = undefined;
    if (next && !this.closed) this.send(next);
    else {
      this.busy = false;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting = undefined;
    await this.worker.terminate();
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }
}
