/**
 * The PC/SC device watcher: a loop of SCardGetStatusChange (the addon's Context.waitForChange) on its
 * own context, turning reader states into ReaderEvents, and recovering when pcscd goes away.
 *
 * Why not the addon's ReaderMonitor: after pcscd restarts, its context is dead and it loops emitting
 * errors forever; recovering means stop() + start(), and stop() joins its thread on the JS thread —
 * up to a second of a frozen event loop (it sleeps 1 s between failed waits). Our own loop re-creates
 * its context with backoff and never blocks the event loop (the wait runs on libuv's pool, bounded by
 * waitTimeoutMs).
 *
 * pcsc-lite (1.9.9) facts used here: dwEventState's upper 16 bits count card insertions/removals, so a
 * card swapped between two waits still shows as a change; the reader "\\?PnP?\Notification" wakes the
 * wait when readers are added or removed; a context dies with pcscd ("Invalid handle", "Communication
 * error", "PC/SC service not running").
 */
import { ReaderError } from '../../src/core/errors';
import type { ReaderEvent } from '../../src/reader/types';
import type { NativeContext, PcscAddon } from './addon';
import { mapPcscError } from './errors';

export const PNP_READER = '\\\\?PnP?\\Notification';

/** A card is in the reader and answered its reset (present, not mute). */
export function isCardPresent(addon: PcscAddon, state: number): boolean {
  return (state & addon.SCARD_STATE_PRESENT) !== 0 && (state & addon.SCARD_STATE_MUTE) === 0;
}

export interface ReaderSnapshot {
  name: string;
  state: number;
  atr: Uint8Array | undefined;
}

export interface WatcherOptions {
  waitTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Readers to report (config include/exclude). */
  selected: (name: string) => boolean;
  /** Build the event for a reader (the driver adds interface, tombstones…). */
  emit: (event: ReaderEvent) => void;
  /** Every fresh state of a reader, before events are emitted (the driver clears tombstones). */
  onState?: (snapshot: ReaderSnapshot) => void;
}

export class PcscWatcher {
  /** Readers as last seen; the state never includes SCARD_STATE_CHANGED. */
  readonly known = new Map<string, ReaderSnapshot>();
  private ctx: NativeContext | undefined;
  private pnpState = 0;
  private stopped = false;
  private down = false;
  private loop: Promise<void> | undefined;
  private wakeSleep: (() => void) | undefined;

  constructor(
    private readonly addon: PcscAddon,
    private readonly opts: WatcherOptions,
  ) {}

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
  }

  /** Stop waiting (SCardCancel), let the in-flight wait return, then release the context. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeSleep?.();
    try {
      this.ctx?.cancel();
    } catch {
      /* context already dead */
    }
    await this.loop;
    this.dropContext();
  }

  isPresent(state: number): boolean {
    return isCardPresent(this.addon, state);
  }

  private async run(): Promise<void> {
    let delay = this.opts.backoffInitialMs;
    while (!this.stopped) {
      try {
        this.ctx ??= new this.addon.Context();
        const ctx = this.ctx;
        this.sync(ctx.listReaders().map((r) => ({ name: r.name, state: r.state, atr: r.atr ? new Uint8Array(r.atr) : undefined })));
        this.down = false;
        delay = this.opts.backoffInitialMs;
        const watch = [...this.known.values()].map((k) => ({ name: k.name, state: k.state }));
        watch.push({ name: PNP_READER, state: this.pnpState });
        const changes = await ctx.waitForChange(watch, this.opts.waitTimeoutMs);
        if (changes === null || this.stopped) continue; // cancelled
        const fresh: ReaderSnapshot[] = [];
        for (const c of changes) {
          if (c.name === PNP_READER) this.pnpState = c.state & ~this.addon.SCARD_STATE_CHANGED;
          else if (c.changed) fresh.push({ name: c.name, state: c.state, atr: c.atr ? new Uint8Array(c.atr) : undefined });
        }
        for (const f of fresh) this.update(f);
      } catch (e) {
        if (this.stopped) break;
        this.dropContext();
        this.pnpState = 0;
        if (!this.down) {
          this.down = true;
          const err = mapPcscError(e, 'watch');
          this.opts.emit({
            type: 'error',
            error: new ReaderError(err instanceof ReaderError ? err.kind : 'transport', `lost the PC/SC service (${errText(e)}); watching again with backoff (first retry in ${delay} ms)`, undefined, { cause: e }),
          });
          // Everything we knew is void: the app sees readers leave, then come back after recovery.
          for (const k of [...this.known.values()]) {
            if (this.isPresent(k.state)) this.opts.emit({ type: 'card-removed', reader: k.name });
            this.known.delete(k.name);
            this.opts.emit({ type: 'reader-removed', reader: k.name });
          }
        }
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.opts.backoffMaxMs);
      }
    }
  }

  /** Reconcile with a full reader list: added, removed, and changed readers. */
  private sync(list: ReaderSnapshot[]): void {
    const names = new Set<string>();
    for (const r of list) {
      if (!this.opts.selected(r.name)) continue;
      names.add(r.name);
      this.update(r);
    }
    for (const k of [...this.known.values()]) {
      if (names.has(k.name)) continue;
      if (this.isPresent(k.state)) this.opts.emit({ type: 'card-removed', reader: k.name });
      this.known.delete(k.name);
      this.opts.emit({ type: 'reader-removed', reader: k.name });
    }
  }

  private update(r: ReaderSnapshot): void {
    if (!this.opts.selected(r.name)) return;
    const state = r.state & ~this.addon.SCARD_STATE_CHANGED;
    const snap = { name: r.name, state, atr: r.atr };
    this.opts.onState?.(snap);
    const old = this.known.get(r.name);
    this.known.set(r.name, snap);
    const isNow = this.isPresent(state);
    if (!old) {
      this.opts.emit({ type: 'reader-added', reader: { name: r.name, interface: 'unknown', cardPresent: isNow, ...(isNow && r.atr ? { atr: r.atr } : {}) } });
      if (isNow) this.opts.emit({ type: 'card-inserted', reader: r.name, atr: r.atr ?? new Uint8Array(0) });
      return;
    }
    const was = this.isPresent(old.state);
    const swapped = was && isNow && old.state >>> 16 !== state >>> 16;
    if (was && (!isNow || swapped)) this.opts.emit({ type: 'card-removed', reader: r.name });
    if (isNow && (!was || swapped)) this.opts.emit({ type: 'card-inserted', reader: r.name, atr: r.atr ?? new Uint8Array(0) });
  }

  private dropContext(): void {
    const ctx = this.ctx;
    this.ctx = undefined;
    try {
      ctx?.close();
    } catch {
      /* dead already */
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wakeSleep = done;
    });
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
