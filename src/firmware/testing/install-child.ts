/**
 * TEST-ONLY child process for the kill -9 tests: a terminal that records transactions in its
 * journal, then installs an update, announcing each install point on stdout ("AT <point>") and, at
 * the one it is told to stop at, blocking (Atomics.wait) until the test SIGKILLs it.
 *
 * argv[2]: JSON { root, repo, pinnedPath, journalPath, terminalId, hardware, now, records, stopAt, env }
 */
import { readFileSync, writeSync } from 'node:fs';
import { ManualClock } from '../../core/clock';
import { openJournal, type Journal } from '../../journal/index';
import { installUpdate, type InstallPoint } from '../installer';
import { sqliteJournalGuard } from '../journal-guard';
import { TransactionGate } from '../quiesce';
import { commandRuntime } from '../runtime-host';
import { dirSource } from '../source';

interface ChildConfig {
  root: string;
  repo: string;
  pinnedPath: string;
  journalPath: string;
  terminalId: string;
  hardware: string;
  now: number;
  records: number;
  stopAt: InstallPoint | 'none';
  env: Record<string, string>;
}

const cfg = JSON.parse(process.argv[2]!) as ChildConfig;
const say = (line: string) => writeSync(1, line + '\n');
const clock = new ManualClock(cfg.now);
let j: Journal | undefined = openJournal({ path: cfg.journalPath, terminalId: cfg.terminalId, clock });
for (let i = 0; i < cfg.records; i++) {
  const r = j.append({ type: 'decision', service: 'metro-gate', outcome: 'approved', reason: 'ok', amountFen: 300 + i, offline: true });
  say(`DURABLE ${r.seq}`); // append returned: committed with fsync (WAL, synchronous=FULL)
}
const gate = new TransactionGate({
  closeJournal: () => {
    j?.close();
    j = undefined;
  },
  reopenJournal: () => {
    j = openJournal({ path: cfg.journalPath, terminalId: cfg.terminalId, clock });
  },
});
const outcome = await installUpdate({
  root: cfg.root,
  hardware: cfg.hardware,
  pinnedRoot: new Uint8Array(readFileSync(cfg.pinnedPath)),
  source: dirSource(cfg.repo),
  clock,
  quiesce: gate,
  runtime: commandRuntime({ env: cfg.env }),
  journal: sqliteJournalGuard({ path: cfg.journalPath, terminalId: cfg.terminalId }),
  healthDeadlineMs: 20_000,
  quiesceTimeoutMs: 5_000,
  journalSnapshot: true,
  maxImageBytes: 16 * 1024 * 1024,
  at(point) {
    say(`AT ${point}`);
    if (point === cfg.stopAt) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // until SIGKILL
  },
});
say(`DONE ${JSON.stringify(outcome)}`);
