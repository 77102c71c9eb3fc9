/**
 * Records a ReaderDriver's events and waits for the next one matching a predicate (with a deadline:
 * a missing event fails the test instead of hanging it).
 */
import type { ReaderDriver, ReaderEvent } from '../../../src/reader/types';

export class EventRecorder {
  readonly events: ReaderEvent[] = [];
  private cursor = 0;
  private waiters: Array<() => void> = [];
  readonly unsubscribe: () => void;

  constructor(driver: ReaderDriver) {
    this.unsubscribe = driver.subscribe((e) => {
      this.events.push(e);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Forget what happened so far: waitFor() looks only at events from now on. */
  mark(): void {
    this.cursor = this.events.length;
  }

  /** The first event after the mark that matches; consumes up to it. */
  async waitFor(pred: (e: ReaderEvent) => boolean, what: string, timeoutMs = 5000): Promise<ReaderEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.cursor; i < this.events.length; i++) {
        if (pred(this.events[i]!)) {
          this.cursor = i + 1;
          return this.events[i]!;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} event within ${timeoutMs} ms; events so far: ${this.events.map(describe).join(', ') || 'none'}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  cardInserted(reader: string, timeoutMs?: number): Promise<ReaderEvent> {
    return this.waitFor((e) => e.type === 'card-inserted' && e.reader === reader, `card-inserted in "${reader}"`, timeoutMs);
  }

  cardRemoved(reader: string, timeoutMs?: number): Promise<ReaderEvent> {
    return this.waitFor((e) => e.type === 'card-removed' && e.reader === reader, `card-removed from "${reader}"`, timeoutMs);
  }
}

export function describe(e: ReaderEvent): string {
  switch (e.type) {
    case 'reader-added':
      return `reader-added:${e.reader.name}`;
    case 'error':
      return `error:${e.error.kind}`;
    default:
      return `${e.type}:${e.reader}`;
  }
}
