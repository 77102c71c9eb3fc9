/**
 * Time is an injected interface (STYLE.md §10, after Tock OS): kernels and policies never read the
 * system clock themselves, and no test sleeps on real time.
 */
export interface Clock {
  /** Wall-clock time, epoch milliseconds (may jump: NTP, RTC battery, operator). */
  now(): number;
  /** Monotonic milliseconds since an arbitrary origin, for deadlines and latencies. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  private mono = 0;
  constructor(private wall: number = Date.UTC(2026, 10, 22, 8, 0, 0)) {}
  now(): number {
    return this.wall;
  }
  monotonic(): number {
    return this.mono;
  }
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`expected a finite ms >= 0, got ${ms}`);
    this.wall += ms;
    this.mono += ms;
  }
  /** Move wall time only (an RTC correction); the monotonic clock never goes back. */
  setWall(epochMs: number): void {
    this.wall = epochMs;
  }
}

/** Local calendar date in China Standard Time (UTC+8, no DST), as used on cards and receipts. */
export function cstParts(epochMs: number): { y: number; m: number; d: number; hh: number; mm: number; ss: number } {
  const t = new Date(epochMs + 8 * 3600_000);
  return {
    y: t.getUTCFullYear(),
    m: t.getUTCMonth() + 1,
    d: t.getUTCDate(),
    hh: t.getUTCHours(),
    mm: t.getUTCMinutes(),
    ss: t.getUTCSeconds(),
  };
}

/** YYYYMMDD as an integer in CST, for comparing with card dates. */
export function cstDateNumber(epochMs: number): number {
  const p = cstParts(epochMs);
  return p.y * 10000 + p.m * 100 + p.d;
}
