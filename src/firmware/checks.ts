/**
 * Standard health checks, built from functions the runtime provides (it owns the devices and config).
 */
import type { HealthCheck } from './health';
import type { JournalGuard } from './journal-guard';

/** The journal opens (read-only: never migrated before commit) and its hash chain verifies. */
export function journalCheck(guard: JournalGuard): HealthCheck {
  return {
    name: 'journal',
    async run() {
      const f = guard.inspect();
      if (!f.exists) return { ok: true, detail: 'no journal yet (first start)' };
      const v = guard.verify();
      return v.ok ? { ok: true, detail: `opens and verifies: ${v.records} records, schema v${f.schemaVersion}, ${f.unsent} unsent` } : { ok: false, detail: `does not verify: ${v.problems.slice(0, 3).join('; ')}` };
    },
  };
}

/** At least `min` devices of a kind are present (readers, scanners). */
export function devicesCheck(name: string, list: () => Promise<readonly string[]>, min = 1): HealthCheck {
  return {
    name,
    async run() {
      const found = await list();
      return found.length >= min ? { ok: true, detail: `found ${found.length}: ${found.join(', ')}` } : { ok: false, detail: `found ${found.length}, need at least ${min}` };
    },
  };
}

/**
 * The backend answers, or — when it does not — the offline policy allows working without it (the
 * terminal is allowed to run offline for a while; an update must not be rolled back just because the
 * network is down, unless the policy says the terminal cannot work offline).
 */
export function backendCheck(ping: (signal: AbortSignal) => Promise<boolean>, offlineAllowed: () => { ok: boolean; detail: string }): HealthCheck {
  return {
    name: 'backend',
    async run(signal) {
      let reachable = false;
      let why = '';
      try {
        reachable = await ping(signal);
      } catch (e) {
        why = ` (${(e as Error).message})`;
      }
      if (reachable) return { ok: true, detail: 'reachable' };
      const off = offlineAllowed();
      return { ok: off.ok, detail: `unreachable${why}; offline policy: ${off.detail}` };
    },
  };
}
