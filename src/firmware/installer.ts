/**
 * The installer: verify → unpack into the inactive slot → quiesce → switch → start on trial → health
 * check within a deadline → commit, or roll back. Every step that changes the disk is ordered so that
 * a crash at any point (kill -9, power loss) leaves a state from which `recoverAtBoot` (boot.ts)
 * reaches a working slot:
 *
 *   1. metadata and image verified in memory (nothing on disk touched but trust/trusted.json)
 *   2. state: inactive slot `writing`          crash → boot marks it empty; active slot untouched
 *   3. slot cleared, files written + fsynced, re-checked from disk
 *   4. state: slot `installed`                  crash → harmless; the next install rewrites it
 *   5. runtime quiesced (no transaction in flight, journal closed); journal facts recorded, copied
 *   6. state: active = new slot, trial = {previous, journal facts}   ← the atomic switch
 *   7. new slot started on trial; health checks within the deadline; journal compared
 *   8. state: slot `good`, trial = null         ← commit        crash before → boot rolls back
 *   9. trial runtime stopped; old runtime retired (the service manager starts the new slot)
 *   on failure at 7: trial stopped; state: active = previous, slot `bad`; old runtime resumed.
 */
import type { Clock } from '../core/clock';
import { ConfigError } from '../core/errors';
import { rollbackTrial } from './boot';
import { FirmwareError } from './errors';
import { describeReport, runHealthChecks, type HealthCheck, type HealthReport, type Timer } from './health';
import { judgeTrialJournal, type JournalGuard } from './journal-guard';
import type { Quiesce } from './quiesce';
import type { RuntimeHandle, RuntimeHost } from './runtime-host';
import { checkSlot, clearSlot, writeSlot } from './slot-files';
import { inactiveSlot, readState, slotDir, withEvent, writeState, type SlotState } from './slots';
import { loadTrust, saveTrust } from './trust-store';
import { checkMetadata, fetchImage } from './update-check';
import type { RepositorySource } from './source';
import type { TarLimits } from './tar';
import { compareVersions } from './version';
import { recoverAtBoot } from './boot';
import { acquireInstallLock } from './install-lock';
import { join, resolve, sep } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { ParsedImage } from './image';
import { sha256Hex } from './trust';

export type InstallPoint = 'verified' | 'slot-writing' | 'unpacking' | 'unpacked' | 'drained' | 'switched' | 'started' | 'checked' | 'healthy' | 'committed';

export interface InstallOptions {
  root: string;
  hardware: string;
  pinnedRoot: Uint8Array;
  source: RepositorySource;
  clock: Clock;
  quiesce: Quiesce;
  runtime: RuntimeHost;
  /** Checks the terminal runs on the trial slot besides the runtime's own (readers, scanners, backend…). */
  checks?: HealthCheck[];
  journal?: JournalGuard;
  healthDeadlineMs: number;
  quiesceTimeoutMs: number;
  /** Copy the journal before the trial (restored on rollback if the trial changed its schema). */
  journalSnapshot: boolean;
  maxImageBytes: number;
  tarLimits?: TarLimits;
  /**
   * Make the unpacked slot runnable before it may be switched to (dependencies.ts: link or install its
   * locked dependencies). Throwing refuses the update; the active slot is untouched.
   */
  prepareSlot?: (dir: string, image: ParsedImage) => void | Promise<void>;
  /** Install this target instead of the newest for the hardware. */
  targetName?: string;
  timer?: Timer;
  log?: (line: string) => void;
  /** Test hook: called at each point (a test kills the process there). */
  at?: (point: InstallPoint, detail?: string) => void | Promise<void>;
}

export type InstallOutcome =
  | { result: 'up-to-date'; version: string }
  | { result: 'installed'; version: string; slot: 'a' | 'b'; health: HealthReport }
  | { result: 'rolled-back'; version: string; slot: 'a' | 'b'; reason: string; health?: HealthReport };

function installedVersion(s: SlotState): string | null {
  const v = [s.highestCommitted, s.active ? s.slots[s.active].version : undefined].filter((x): x is string => !!x);
  return v.length ? v.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b)) : null;
}

export async function installUpdate(o: InstallOptions): Promise<InstallOutcome> {
  const release = acquireInstallLock(o.root);
  try {
    return await install(o);
  } finally {
    release();
  }
}

async function install(o: InstallOptions): Promise<InstallOutcome> {
  const log = o.log ?? (() => {});
  const at = async (p: InstallPoint, d?: string) => {
    await o.at?.(p, d);
  };
  if (o.journal && resolve(o.journal.path).startsWith(resolve(o.root) + sep)) {
    throw new ConfigError('firmware.root', `the journal (${o.journal.path}) must not live inside the firmware root ${o.root}`);
  }
  // A crash during an earlier install is settled first. A pending trial may mean restoring the
  // journal, which needs the runtime to let go of it: drain around that recovery.
  const pendingTrial = readState(o.root).trial !== null;
  if (pendingTrial) await o.quiesce.drain({ timeoutMs: o.quiesceTimeoutMs });
  try {
    const boot = recoverAtBoot({ root: o.root, clock: o.clock, journal: o.journal });
    for (const a of boot.actions) log(`recovered: ${a}`);
  } finally {
    if (pendingTrial) await o.quiesce.resume();
  }
  let state = readState(o.root);

  // 1. Verify metadata and the image, in memory.
  const trusted = loadTrust(o.root, o.pinnedRoot, o.clock.now());
  const m = await checkMetadata({ source: o.source, trusted, clockNow: o.clock.now(), hardware: o.hardware, targetName: o.targetName, maxImageBytes: o.maxImageBytes });
  saveTrust(o.root, m.trusted);
  const version = m.target.custom.version;
  const current = installedVersion(state);
  if (current) {
    const c = compareVersions(version, current);
    if (c === 0) return { result: 'up-to-date', version };
    if (c < 0) throw new FirmwareError('version', `the repository's newest image for "${o.hardware}" is ${version}, older than the installed ${current}; versions never go back — refusing it`);
  }
  const { image, sha256: imageHash } = await fetchImage(o, m.name, m.target);
  log(`verified ${m.name}: version ${version}, ${m.target.length} bytes, SHA-256 ${imageHash}`);
  await at('verified');

  // 2–4. Unpack into the inactive slot.
  const slot = inactiveSlot(state);
  const dir = slotDir(o.root, slot);
  const now = () => o.clock.now();
  state = withEvent({ ...state, slots: { ...state.slots, [slot]: { status: 'writing', version, sha256: imageHash, target: m.name, at: now() } } }, now(), 'unpack', `${m.name} → slot ${slot}`);
  writeState(o.root, state);
  await at('slot-writing');
  clearSlot(dir);
  const half = Math.floor((image.files.length + 1) / 2);
  const pending: Promise<void>[] = [];
  writeSlot(dir, image, (i, p) => {
    if (i === half) pending.push(Promise.resolve(o.at?.('unpacking', p)));
  });
  await Promise.all(pending);
  const check = checkSlot(dir);
  if (!check.ok) throw new FirmwareError('io', `slot ${slot} does not read back as written: ${check.problems.slice(0, 3).join('; ')}`);
  await o.prepareSlot?.(dir, image);
  state = { ...state, slots: { ...state.slots, [slot]: { status: 'installed', version, sha256: imageHash, target: m.name, manifestSha256: sha256Hex(image.manifestBytes), at: now() } } };
  writeState(o.root, state);
  await at('unpacked');

  // 5. Quiesce the running runtime; record the journal.
  const drained = await o.quiesce.drain({ timeoutMs: o.quiesceTimeoutMs });
  if (drained.inFlight !== 0) {
    await o.quiesce.resume();
    throw new FirmwareError('busy', `the runtime reports ${drained.inFlight} transaction(s) in progress after draining; not switching`);
  }
  let journalBefore = null;
  let journalSnapshot: string | null = null;
  try {
    journalBefore = o.journal ? o.journal.inspect() : null;
    // A copy is only restorable while nobody holds the journal: the drained runtime must have closed it.
    if (o.journal && journalBefore?.exists && o.journalSnapshot && !drained.journalClosed) log('the runtime did not close the journal when drained: no pre-trial copy taken');
    if (o.journal && journalBefore?.exists && o.journalSnapshot && drained.journalClosed) {
      mkdirSync(join(o.root, 'journal-copy'), { recursive: true });
      journalSnapshot = join(o.root, 'journal-copy', 'pre-trial.sqlite');
      o.journal.snapshot(journalSnapshot);
    }
  } catch (e) {
    await o.quiesce.resume();
    throw new FirmwareError('io', `cannot read or copy the journal before the trial: ${(e as Error).message}; not switching`, { cause: e });
  }
  await at('drained');

  // 6. The switch.
  const previous = state.active;
  state = withEvent(
    {
      ...state,
      active: slot,
      slots: { ...state.slots, [slot]: { ...state.slots[slot], status: 'trial', at: now() } },
      trial: { slot, previous, version, startedAt: now(), journalBefore, journalSnapshot },
    },
    now(),
    'switch',
    `slot ${slot} (${version}) on trial; previous ${previous ?? 'none'}`,
  );
  writeState(o.root, state);
  await at('switched');

  // 7. Start on trial and check health.
  let handle: RuntimeHandle | undefined;
  let health: HealthReport | undefined;
  let reason = '';
  try {
    handle = await o.runtime.start({ name: slot, dir, entry: image.manifest.entry }, { trial: true });
    await at('started');
    health = await runHealthChecks([...handle.checks, ...(o.checks ?? [])], o.healthDeadlineMs, o.timer);
    if (!health.ok) reason = `health check failed: ${describeReport(health)}`;
  } catch (e) {
    reason = `could not start the new slot: ${(e as Error).message}`;
  }
  if (handle) await handle.stop().catch((e) => log(`stopping the trial runtime: ${(e as Error).message}`));
  await at('checked');
  if (!reason && o.journal) {
    try {
      const v = judgeTrialJournal(journalBefore, o.journal.inspect());
      if (!v.ok) reason = `journal: ${v.detail}`;
    } catch (e) {
      reason = `journal: cannot inspect after the trial: ${(e as Error).message}`;
    }
  }

  if (reason) {
    log(`rolling back: ${reason}`);
    const rb = rollbackTrial(readState(o.root), now(), reason, o.journal);
    writeState(o.root, rb.state);
    await o.quiesce.resume();
    return { result: 'rolled-back', version, slot, reason: reason + rb.journalNote, health };
  }
  await at('healthy');

  // 8. Commit.
  state = readState(o.root);
  state = withEvent(
    { ...state, slots: { ...state.slots, [slot]: { ...state.slots[slot], status: 'good', at: now() } }, trial: null, highestCommitted: version },
    now(),
    'commit',
    `slot ${slot} (${version}) committed: ${describeReport(health!)}`,
  );
  writeState(o.root, state);
  await at('committed');
  await o.quiesce.retire();
  return { result: 'installed', version, slot, health: health! };
}
