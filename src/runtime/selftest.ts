/**
 * The runtime's health checks for `ykt image selftest` (the trial of a new firmware slot, and an
 * operator's check of a terminal): with the terminal's own config, are its readers there (and the
 * transport PSAM in its slot), do its scanners open, does the clearing backend answer — or, when it
 * does not, may the terminal keep working offline (journal offline limits)? Built on the standard
 * checks of src/firmware/checks.ts. Nothing is written: the journal is opened read-only, no card is
 * touched (readers are listed, not connected), scanners are opened and closed at once.
 */
import { existsSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { errorMessage } from '../core/errors';
import { formatYuan } from '../core/money';
import { backendCheck, devicesCheck } from '../firmware/checks';
import type { HealthCheck } from '../firmware/health';
import { checkOfflineLimits, openJournal } from '../journal';
import type { ReaderDriver } from '../reader/types';
import type { ScannerConfig } from '../scanner/config';
import type { TerminalConfig } from './config';
import { SamSlot } from './profiles/transit/sam-slot';
import { openScanner } from './scanners';

export interface RuntimeCheckOptions {
  /** The reader driver to list (tests); default: made from config.reader. */
  driver?: () => Promise<ReaderDriver>;
  /** How a scanner is tried (tests); default: open it (no reconnection) and close it. */
  tryScanner?: (c: ScannerConfig) => Promise<string>;
  now?: () => number;
}

/** Readers the terminal would use: present and selected by reader.include/exclude; the PSAM slot apart. */
export function readersCheck(config: TerminalConfig, o: RuntimeCheckOptions = {}): HealthCheck[] {
  let listed: Promise<{ name: string; cardPresent: boolean }[]> | undefined;
  const list = () =>
    (listed ??= (async () => {
      const driver = o.driver ? await o.driver() : await (await import('../../drivers/create')).createReaderDriver(config.reader);
      try {
        const { readerSelected } = await import('../../drivers/config');
        return (await driver.listReaders()).filter((r) => readerSelected(r.name, config.reader));
      } finally {
        await driver.close().catch(() => {});
      }
    })());
  const samSlot = SamSlot.fromConfig(config);
  const checks: HealthCheck[] = [devicesCheck('readers', async () => (await list()).filter((r) => !samSlot?.matches(r.name)).map((r) => r.name), 1)];
  if (samSlot) {
    checks.push({
      name: 'psam',
      async run() {
        const slot = (await list()).find((r) => samSlot.matches(r.name));
        if (!slot) return { ok: false, detail: `no reader matches transit.samReader "${samSlot.readerName}": transport cards cannot be charged` };
        return slot.cardPresent ? { ok: true, detail: `PSAM present in "${slot.name}"` } : { ok: false, detail: `no PSAM in "${slot.name}"` };
      },
    });
  }
  return checks;
}

function onPath(cmd: string): boolean {
  if (isAbsolute(cmd)) return existsSync(cmd);
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));
}

/** Open a scanner without reconnection and close it at once; camera: the capture program and its device exist. */
async function defaultTryScanner(c: ScannerConfig): Promise<string> {
  if (c.driver === 'camera') {
    const [prog, ...args] = c.capture;
    if (!onPath(prog!)) throw new Error(`capture program ${prog} not found`);
    const missing = args.filter((a) => a.startsWith('/dev/') && !existsSync(a));
    if (missing.length) throw new Error(`capture device ${missing.join(', ')} not found`);
    return `capture ${prog} present (frames not checked)`;
  }
  const sc = await openScanner({ ...c, reconnectIntervalMs: 0 });
  await sc.close();
  return 'opened';
}

export function scannersCheck(config: TerminalConfig, o: RuntimeCheckOptions = {}): HealthCheck {
  return {
    name: 'scanners',
    async run() {
      if (config.scanners.length === 0) return { ok: true, detail: config.profile.acceptCode ? 'none configured (codes cannot be scanned here)' : 'none configured' };
      const tryOne = o.tryScanner ?? defaultTryScanner;
      const results = await Promise.all(
        config.scanners.map(async (c) => {
          try {
            return { ok: true, text: `${c.name} (${c.driver}): ${await tryOne(c)}` };
          } catch (e) {
            return { ok: false, text: `${c.name} (${c.driver}): ${errorMessage(e)}` };
          }
        }),
      );
      return { ok: results.every((r) => r.ok), detail: results.map((r) => r.text).join('; ') };
    },
  };
}

/** The backend answers GET /health, or the journal's offline limits still allow working offline. */
export function backendReachableCheck(config: TerminalConfig, o: RuntimeCheckOptions = {}): HealthCheck {
  const now = o.now ?? Date.now;
  return backendCheck(
    async (signal) => {
      const r = await fetch(new URL('/health', config.sync.backendUrl), { signal: AbortSignal.any([signal, AbortSignal.timeout(Math.min(config.sync.requestTimeoutMs, 5000))]) });
      return r.ok;
    },
    () => {
      if (!existsSync(config.journal.path)) return { ok: true, detail: 'no journal yet: nothing waiting to be forwarded' };
      const j = openJournal({ path: config.journal.path, terminalId: config.terminal.id, readonly: true, create: false, config: { ...config.journal, integrityCheck: 'off', verifyTailOnOpen: 0 } });
      try {
        const ex = j.exposure();
        const unsent = j.syncPosition().unsent;
        const r = checkOfflineLimits(config.journal.offline, ex, 0, now());
        const state = `${unsent} records unsent, ${ex.count} offline approvals (${formatYuan(ex.totalFen)} CNY) waiting`;
        return r.ok ? { ok: true, detail: `within the offline limits (${state})` } : { ok: false, detail: `${r.message} (${state})` };
      } finally {
        j.close();
      }
    },
  );
}

/** Every runtime check for this config (the journal check is the firmware's own, added by the command). */
export function runtimeHealthChecks(config: TerminalConfig, o: RuntimeCheckOptions = {}): HealthCheck[] {
  return [...readersCheck(config, o), scannersCheck(config, o), backendReachableCheck(config, o)];
}
