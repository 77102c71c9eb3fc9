/**
 * DisplayHub: the one object the runtime drives (`hub.setState(state)`). It turns each TerminalState
 * into a DisplayView, publishes it to the connected pages (server.ts streams it as Server-Sent
 * Events), keeps the recent decisions for the maintenance page, and returns to idle on its own.
 *
 * Timing rules (what a rider needs to read the screen):
 * - A result stays up for approvedHoldMs / declinedHoldMs, then the idle prompt returns.
 * - `setState(idle)` during that hold does not cut the result short: the idle state is remembered and
 *   shown when the hold ends (the runtime may announce the next idle right after a decision). Pass
 *   `{ immediate: true }` to show it at once.
 * - processing, a new result and out-of-service show at once (a new tap ends the hold).
 * Time is injected: `clock` for time stamps, `scheduler` for the hold timer (tests move both by hand).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../core/clock';
import { scrubText } from '../log/detect';
import { silentLogger, type Logger } from '../log/logger';
import type { DecisionEvent, TerminalState } from '../runtime/events';
import { assetsDir } from './assets';
import { displayConfigDefaults, type DisplayConfig } from './config';
import { buildView, type DisplayView } from './view';

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** A scheduler moved by hand (implements Scheduler; `advance(ms)` runs what falls due, in order). */
export class ManualScheduler implements Scheduler {
  private now = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.now + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  get pending(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = until;
  }
}

/** What the maintenance page shows of a decision: masked identifiers only, no names or ID numbers. */
export interface RecentDecision {
  seq: string;
  atMs: number;
  profile: string;
  device: string;
  source: string;
  outcome: string;
  reason: string;
  amountFen?: number;
  balanceFen?: number;
  concession?: string;
  maskedId?: string;
  totalMs?: number;
}

export function recentOf(ev: DecisionEvent): RecentDecision {
  const r: RecentDecision = { seq: ev.seq, atMs: ev.atMs, profile: ev.profile, device: scrubText(ev.device), source: ev.source, outcome: ev.outcome, reason: scrubText(ev.reason) };
  if (ev.amountFen !== undefined) r.amountFen = ev.amountFen;
  if (ev.balanceFen !== undefined) r.balanceFen = ev.balanceFen;
  if (ev.concession !== undefined) r.concession = ev.concession;
  if (ev.maskedId !== undefined) r.maskedId = scrubText(ev.maskedId);
  if (typeof ev.latency.total === 'number') r.totalMs = ev.latency.total;
  return r;
}

/** Clip ids listed in the committed audio manifest. */
export function loadClipIds(dir = assetsDir()): Set<string> {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'audio', 'manifest.json'), 'utf8')) as { clips?: Record<string, unknown> };
    return new Set(Object.keys(m.clips ?? {}));
  } catch {
    return new Set();
  }
}

export interface DisplayHubOptions {
  config?: DisplayConfig;
  clock?: Clock;
  scheduler?: Scheduler;
  /** Clip ids that exist (default: the committed manifest). */
  clips?: ReadonlySet<string>;
  logger?: Logger;
  /** Shown until the runtime says otherwise (default: out of service, "starting"). */
  initial?: TerminalState;
}

export type ViewListener = (view: DisplayView) => void;

export class DisplayHub {
  readonly config: DisplayConfig;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly clips: ReadonlySet<string>;
  private readonly log: Logger;
  private readonly listeners = new Set<ViewListener>();
  private readonly recent: RecentDecision[] = [];
  private seq = 0;
  private current: DisplayView;
  private currentState: TerminalState;
  private nextIdle: TerminalState | undefined;
  private hold: unknown;
  private closed = false;

  constructor(opts: DisplayHubOptions = {}) {
    this.config = opts.config ?? displayConfigDefaults;
    this.clock = opts.clock ?? systemClock;
    this.scheduler = opts.scheduler ?? realScheduler;
    this.clips = opts.clips ?? loadClipIds();
    this.log = opts.logger ?? silentLogger;
    this.currentState = opts.initial ?? { kind: 'out-of-service', reason: 'starting' };
    this.current = this.build(this.currentState);
  }

  private build(state: TerminalState): DisplayView {
    return buildView(state, { config: this.config, clips: this.clips }, ++this.seq, this.clock.now());
  }

  /** The runtime's one call. Returns the view published (or the one kept, for a deferred idle). */
  setState(state: TerminalState, opts: { immediate?: boolean } = {}): DisplayView {
    if (this.closed) return this.current;
    if (state.kind === 'idle') {
      this.nextIdle = state;
      if (this.hold !== undefined && !opts.immediate) return this.current; // shown when the hold ends
    }
    this.cancelHold();
    if (state.kind === 'result') this.recordRecent(state.decision);
    this.show(state);
    if (state.kind === 'result') {
      const ms = state.decision.outcome === 'approved' ? this.config.approvedHoldMs : this.config.declinedHoldMs;
      this.hold = this.scheduler.setTimeout(() => {
        this.hold = undefined;
        if (this.nextIdle && !this.closed) this.show(this.nextIdle);
      }, ms);
    }
    return this.current;
  }

  private show(state: TerminalState): void {
    this.currentState = state;
    this.current = this.build(state);
    this.log.debug('display view', { seq: this.current.seq, kind: this.current.kind, audio: this.current.audio.length });
    for (const l of [...this.listeners]) {
      try {
        l(this.current);
      } catch (e) {
        this.log.warn('display listener failed', { err: e });
      }
    }
  }

  private cancelHold(): void {
    if (this.hold !== undefined) this.scheduler.clearTimeout(this.hold);
    this.hold = undefined;
  }

  private recordRecent(ev: DecisionEvent): void {
    const max = this.config.maintenance.recentDecisions;
    if (max === 0) return;
    this.recent.unshift(recentOf(ev));
    if (this.recent.length > max) this.recent.length = max;
  }

  view(): DisplayView {
    return this.current;
  }
  state(): TerminalState {
    return this.currentState;
  }
  /** Newest first, masked. */
  recentDecisions(): RecentDecision[] {
    return this.recent.map((r) => ({ ...r }));
  }
  /** True while a result is held on screen. */
  get holding(): boolean {
    return this.hold !== undefined;
  }

  subscribe(listener: ViewListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  get subscribers(): number {
    return this.listeners.size;
  }

  close(): void {
    this.closed = true;
    this.cancelHold();
    this.listeners.clear();
  }
}
