/**
 * TEST-ONLY: a firmware root, a repository signed with TEST keys, a real journal (src/journal, WAL +
 * synchronous=FULL) standing for the terminal's, and an in-process "old runtime" holding it behind a
 * TransactionGate — the pieces the installer tests put together.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock';
import { openJournal, type Journal } from '../../journal/index';
import { commandRuntime } from '../runtime-host';
import { dirSource } from '../source';
import { sqliteJournalGuard, type JournalGuard } from '../journal-guard';
import { TransactionGate } from '../quiesce';
import type { InstallOptions } from '../installer';
import type { Timer } from '../health';
import { formatExpires, signMetadata, SPEC_VERSION, parseMetadata, type TargetsSigned } from '../metadata';
import { publishTimestamp, DAY_MS } from '../repository';
import { sha256Hex } from '../trust';
import { makeTestRepository, publishTestImage, sampleImage, testRoles, type SampleBehaviour } from './sample-runtime';

export const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);
export const TERMINAL_ID = 'T-FW-0001';
export const HARDWARE = 'test-validator';

export class ManualTimer implements Timer {
  private waiting: (() => void)[] = [];
  after() {
    let fire!: () => void;
    const promise = new Promise<void>((r) => (fire = r));
    this.waiting.push(fire);
    return { promise, cancel: () => {} };
  }
  /** Let every pending deadline pass. */
  fireAll(): void {
    for (const f of this.waiting.splice(0)) f();
  }
}

export interface Harness {
  dir: string;
  repo: string;
  root: string;
  journalPath: string;
  pinned: Uint8Array;
  clock: ManualClock;
  timer: ManualTimer;
  guard: JournalGuard;
  /** The "old runtime"'s journal handle (closed while drained). */
  journal(): Journal;
  gate: TransactionGate;
  events: string[];
  publish(version: string, behaviour?: SampleBehaviour, opts?: { hardware?: string[]; name?: string }): string;
  /** Publish arbitrary bytes as a validly signed target (for hostile archives). */
  publishRaw(name: string, bytes: Uint8Array, version: string): void;
  options(extra?: Partial<InstallOptions>): InstallOptions;
  appendRecords(n: number): void;
  cleanup(): void;
}

export function createHarness(opts: { records?: number } = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'ykt-fw-'));
  const repo = join(dir, 'repo');
  const root = join(dir, 'firmware');
  const journalPath = join(dir, 'data', 'journal.sqlite');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const clock = new ManualClock(T0);
  const timer = new ManualTimer();
  const pinned = makeTestRepository(repo, T0);
  const events: string[] = [];
  let j: Journal | undefined = openJournal({ path: journalPath, terminalId: TERMINAL_ID, clock });
  const guard = sqliteJournalGuard({ path: journalPath, terminalId: TERMINAL_ID });
  const gate = new TransactionGate({
    closeJournal: () => {
      j?.close();
      j = undefined;
      events.push('journal closed');
    },
    reopenJournal: () => {
      j = openJournal({ path: journalPath, terminalId: TERMINAL_ID, clock });
      events.push('journal reopened');
    },
    onRetire: () => {
      events.push('retired');
    },
    timer,
  });
  const h: Harness = {
    dir,
    repo,
    root,
    journalPath,
    pinned,
    clock,
    timer,
    guard,
    gate,
    events,
    journal() {
      if (!j) throw new Error('the journal is closed (runtime drained)');
      return j;
    },
    publish(version, behaviour = 'healthy', o = {}) {
      const name = o.name ?? `ykt-${version}-${behaviour}.tar`;
      publishTestImage(repo, name, sampleImage(dir, version, behaviour, o.hardware ?? [HARDWARE]), clock.now());
      return name;
    },
    publishRaw(name, bytes, version) {
      const p = join(repo, 'metadata', 'targets.json');
      const old = parseMetadata('targets', new Uint8Array(readFileSync(p))).signed;
      const signed: TargetsSigned = {
        _type: 'targets',
        spec: SPEC_VERSION,
        version: old.version + 1,
        expires: formatExpires(clock.now() + 30 * DAY_MS),
        targets: { ...old.targets, [name]: { length: bytes.length, hashes: { sha256: sha256Hex(bytes) }, custom: { version, hardware: [HARDWARE] } } },
      };
      writeFileSync(join(repo, 'targets', name), bytes);
      writeFileSync(p, signMetadata(signed, [testRoles().targets[0]!.privateKey]));
      publishTimestamp(repo, testRoles().timestamp, clock.now() + DAY_MS);
    },
    options(extra = {}) {
      return {
        root,
        hardware: HARDWARE,
        pinnedRoot: pinned,
        source: dirSource(repo),
        clock,
        quiesce: gate,
        runtime: commandRuntime({ env: { YKT_TEST_SQLITE: createRequire(import.meta.url).resolve('better-sqlite3'), YKT_TEST_JOURNAL: journalPath } }),
        journal: guard,
        healthDeadlineMs: 20_000,
        quiesceTimeoutMs: 1000,
        journalSnapshot: true,
        maxImageBytes: 16 * 1024 * 1024,
        timer,
        ...extra,
      };
    },
    appendRecords(n) {
      const jj = h.journal();
      for (let i = 0; i < n; i++) jj.append({ type: 'decision', service: 'metro-gate', outcome: 'approved', reason: 'ok', amountFen: 200 + i, offline: true });
    },
    cleanup() {
      j?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (opts.records) h.appendRecords(opts.records);
  return h;
}
