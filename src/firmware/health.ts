/**
 * The health check of a slot on trial (RAUC's "mark-good after checks", Mender's ArtifactCommit
 * state): named checks run in parallel, all must pass before the deadline. A check that throws, says
 * not ok, or is still running at the deadline fails the trial, and the installer rolls back.
 *
 * The runtime supplies the checks (they need its devices and config); checks.ts has the standard
 * ones — journal opens and verifies, readers and scanners present, backend reachable or the offline
 * policy allows working without it. Time is injected: `timer.after(ms)` (real setTimeout by default;
 * tests pass a timer they fire by hand, so no test waits for a deadline).
 */
export interface HealthResult {
  ok: boolean;
  /** One line for the operator: what was found, or what to fix. */
  detail?: string;
}

export interface HealthCheck {
  name: string;
  /** Resolve with the result (or void = ok); throw = failed. Honour `signal` (aborted at the deadline). */
  run(signal: AbortSignal): Promise<HealthResult | void>;
}

export interface HealthReport {
  ok: boolean;
  results: { name: string; ok: boolean; detail: string }[];
}

export interface Timer {
  /** Resolve after `ms`; never rejects. `cancel` stops it. */
  after(ms: number): { promise: Promise<void>; cancel(): void };
}

export const realTimer: Timer = {
  after(ms) {
    let t: ReturnType<typeof setTimeout> | undefined;
    const promise = new Promise<void>((r) => {
      t = setTimeout(r, ms);
    });
    return { promise, cancel: () => clearTimeout(t) };
  },
};

export async function runHealthChecks(checks: readonly HealthCheck[], deadlineMs: number, timer: Timer = realTimer): Promise<HealthReport> {
  const ctl = new AbortController();
  const deadline = timer.after(deadlineMs); // armed before any check runs
  const results = checks.map((c) => ({ name: c.name, ok: false, detail: `no answer within the ${deadlineMs} ms deadline`, done: false }));
  const runs = checks.map(async (c, i) => {
    const r = results[i]!;
    try {
      const v = await c.run(ctl.signal);
      r.ok = v ? v.ok : true;
      r.detail = (v && v.detail) ?? (r.ok ? 'ok' : 'failed');
    } catch (e) {
      r.ok = false;
      r.detail = e instanceof Error ? e.message : String(e);
    }
    r.done = true;
  });
  let timedOut = false;
  await Promise.race([Promise.all(runs), deadline.promise.then(() => (timedOut = true))]);
  deadline.cancel();
  if (timedOut) ctl.abort(new Error('health check deadline'));
  const out = results.map(({ name, ok, detail, done }) => ({ name, ok: done && ok, detail: done ? detail : `no answer within the ${deadlineMs} ms deadline` }));
  return { ok: out.every((r) => r.ok), results: out };
}

export function describeReport(r: HealthReport): string {
  return r.results.map((x) => `${x.ok ? 'ok  ' : 'FAIL'} ${x.name}: ${x.detail}`).join('; ');
}
