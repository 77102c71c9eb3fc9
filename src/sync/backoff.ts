/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter",
 * 2015): sleep = random() × min(max, base × 2^attempt). Full jitter spreads a fleet of terminals that
 * lost the backend at the same moment, so they do not all return at once. `random` is injected.
 */
export function fullJitterDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`attempt: expected an integer >= 0, got ${attempt}`);
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 52));
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`random(): expected [0, 1), got ${r}`);
  return Math.floor(r * cap);
}
