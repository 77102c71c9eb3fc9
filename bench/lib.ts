/** Small helpers shared by the benchmark scripts: timing, percentiles, printing. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface Stats {
  n: number;
  median: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, median: percentile(s, 50), p99: percentile(s, 99), mean, min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN };
}

/** Run fn repeatedly for at least `ms` (after a warm-up) and return ops/s. */
export function throughput(fn: () => void, ms = 1000, warmupMs = 200): number {
  const until = (deadline: number) => {
    let n = 0;
    while (performance.now() < deadline) {
      fn();
      n++;
    }
    return n;
  };
  until(performance.now() + warmupMs);
  const t0 = performance.now();
  const n = until(t0 + ms);
  return n / ((performance.now() - t0) / 1000);
}

export const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toPrecision(digits) : String(v));

/** A numeric command-line option (`--n 2000`), or `dflt` when absent. */
export function numberArg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

/** Print a result line for people and a JSON line for machines. */
export function report(name: string, values: Record<string, number | string>): void {
  const text = Object.entries(values)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v, 4) : v}`)
    .join('  ');
  console.log(`${name}: ${text}`);
  console.log(`#json ${JSON.stringify({ bench: name, ...values })}`);
}
