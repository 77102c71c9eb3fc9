/**
 * The async-iterable side of a scanner: drivers push payloads from their event callbacks; the
 * consumer pulls with `for await`. Bounded: when the consumer is slow the OLDEST payload is dropped
 * (a gate wants the code in front of it now, not one from five seconds ago). A failure (the device
 * vanished and the driver does not reconnect) ends iteration with that error.
 */
import type { ScanPayload } from './types';

export class PayloadQueue implements AsyncIterable<ScanPayload> {
  private items: ScanPayload[] = [];
  private waiters: { resolve: (r: IteratorResult<ScanPayload>) => void; reject: (e: unknown) => void }[] = [];
  private done = false;
  private error: unknown;
  dropped = 0;

  constructor(private readonly capacity = 16) {}

  push(p: ScanPayload): void {
    if (this.done) return;
    const w = this.waiters.shift();
    if (w) return w.resolve({ value: p, done: false });
    if (this.items.length >= this.capacity) {
      this.items.shift();
      this.dropped++;
    }
    this.items.push(p);
  }

  /** End iteration normally (after the queued payloads). */
  end(): void {
    this.finish(undefined);
  }

  /** End iteration with an error (after the queued payloads). */
  fail(error: unknown): void {
    this.finish(error ?? new Error('scanner failed'));
  }

  get ended(): boolean {
    return this.done;
  }

  private finish(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.error = error;
    for (const w of this.waiters.splice(0)) {
      if (error) w.reject(error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ScanPayload>> {
    const item = this.items.shift();
    if (item) return Promise.resolve({ value: item, done: false });
    if (this.done) return this.error ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  [Symbol.asyncIterator](): AsyncIterator<ScanPayload> {
    return {
      next: () => this.next(),
      return: async () => ({ value: undefined, done: true }),
    };
  }
}
