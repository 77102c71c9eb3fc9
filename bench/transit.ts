/**
 * bench/transit: one transit tap, tap to decision (SELECT … DEBIT, MAC2, journal), measured in the same
 * run through
 *   1. the in-process virtual reader (drivers/virtual), in-memory journal;
 *   2. the same, with the real SQLite journal (WAL, synchronous=FULL: two durable commits per tap);
 *   3. the real PC/SC stack: pcscd + vpcd (TCP_NODELAY shim), card in slot 00 00, PSAM in slot 00 01;
 *   4. the same with the SQLite journal: the whole terminal path.
 * For each: wall time per tap, kernel host time (the kernel's own code, runKernel's hostMs), host CPU
 * per tap (process CPU minus the emulated card's and PSAM's own compute, which a real card does on its
 * chip; over pcscd the chips run in a child process, bench/transit-vicc.ts, so it is this process's
 * CPU: kernel, runner, PC/SC driver and addon, journal), and the breakdown per step (median ms).
 *   npx tsx bench/transit.ts [--n 2000] [--n-stack 300] [--no-stack]
 * Goal (issue 5): whole tap ≤ 20 ms with the emulated card, host work ≤ 2 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transmit } from '../apdu/transceive';
import { PcscdHarness } from '../drivers/pcsc/harness/pcscd-harness';
import { PcscReaderDriver } from '../drivers/pcsc/pcsc-driver';
import { VirtualReaderDriver } from '../drivers/virtual/virtual-driver';
import { systemClock } from '../src/core/clock';
import { loadFares, loadPsam, loadTransitCard } from '../src/emulator/transit/fixtures';
import { TransitRig } from '../src/emulator/transit/rig';
import type { EmulatedCard } from '../src/emulator/types';
import { openJournal } from '../src/journal/journal';
import { journalPersist } from '../src/journal/persist';
import { createTokeniser } from '../src/journal/tokenise';
import type { KernelRun } from '../src/kernel/runner';
import { TornLedger, ledgerPersist } from '../src/transit/torn';
import type { TransitOutcome } from '../src/transit/kernel';
import { numberArg as arg, report, stats } from './lib';
import { connectWhenPresent, startVicc } from './stack';

const N = arg('--n', 2000);
const N_STACK = arg('--n-stack', 300);
const STACK = !process.argv.includes('--no-stack');
const fares = loadFares('demo-city');
const tokenise = createTokeniser(new Uint8Array(32).fill(3));
const RIDE = { profile: 'bus-26' };

/**
 * CPU time the emulated chips spend computing (a real card and PSAM do this on their own chips), by
 * process.cpuUsage() around each synchronous transmit: CPU time, so preemption by other processes on
 * a loaded machine is not counted as chip time.
 */
function timed(card: EmulatedCard, acc: { ms: number }): EmulatedCard {
  const inner = card.transmit.bind(card);
  card.transmit = (c) => {
    const t = process.cpuUsage();
    try {
      return inner(c);
    } finally {
      const d = process.cpuUsage(t);
      acc.ms += (d.user + d.system) / 1000;
    }
  };
  return card;
}

interface Setup {
  card: Transmit;
  sam: Transmit;
  persist?: (name: string, record: unknown) => unknown;
  refill: () => void;
  chipMs: { ms: number };
  close: () => Promise<void>;
}

async function measure(label: string, s: Setup, n: number, warmup: number) {
  const rig = new TransitRig({ fares, samTransmit: s.sam, tokenise });
  await rig.identify();
  const ledger = new TornLedger();
  const persist = s.persist ? ledgerPersist(s.persist as never, ledger) : undefined;
  const tap = async (i: number): Promise<KernelRun<TransitOutcome>> => {
    s.refill();
    const r = await rig.tap(s.card, RIDE, systemClock.now() + i * 1000, persist ? { persist } : {}, persist ? { torn: ledger } : {});
    if (r.outcome.decision.outcome !== 'approved') throw new Error(`${label}: tap ${i} not approved: ${r.outcome.decision.reason} ${r.outcome.decision.message}`);
    return r;
  };
  for (let i = 0; i < warmup; i++) await tap(i);
  const wall: number[] = [];
  const host: number[] = [];
  const perStep = new Map<string, number[]>();
  s.chipMs.ms = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await tap(warmup + i);
    wall.push(performance.now() - t);
    host.push(r.hostMs);
    for (const st of r.steps) {
      const k = `${st.kind}:${st.name}`;
      (perStep.get(k) ?? perStep.set(k, []).get(k)!).push(st.ms);
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuPerTap = (cpu.user + cpu.system) / 1000 / n;
  const chipPerTap = s.chipMs.ms / n;
  const w = stats(wall);
  const h = stats(host);
  report(`transit.${label}`, {
    n,
    tap_median_ms: w.median,
    tap_p99_ms: w.p99,
    taps_per_s: 1000 / w.mean,
    kernel_host_median_ms: h.median,
    kernel_host_p99_ms: h.p99,
    process_cpu_per_tap_ms: cpuPerTap,
    emulated_chips_per_tap_ms: chipPerTap,
    host_cpu_per_tap_ms: cpuPerTap - chipPerTap,
  });
  const steps = [...perStep.entries()].map(([k, v]) => `${k}=${stats(v).median.toFixed(3)}`).join('  ');
  console.log(`  steps (median ms): ${steps}`);
  console.log(`#json ${JSON.stringify({ bench: `transit.${label}.steps`, ...Object.fromEntries([...perStep.entries()].map(([k, v]) => [k, stats(v).median])) })}`);
  return w;
}

async function virtualSetup(): Promise<Setup> {
  const chipMs = { ms: 0 };
  const d = new VirtualReaderDriver({ readers: ['Virtual PICC 0', 'Virtual SAM 1'] });
  const card = loadTransitCard('tunion-adult');
  d.insertCard('Virtual PICC 0', timed(card.card, chipMs));
  d.insertCard('Virtual SAM 1', timed(loadPsam('psam-test-1').card, chipMs));
  const cc = await d.connect('Virtual PICC 0');
  const sc = await d.connect('Virtual SAM 1');
  return {
    card: (c) => cc.transmit(c),
    sam: (c) => sc.transmit(c),
    refill: () => (card.purse.state.balanceFen = 100_000),
    chipMs,
    close: () => d.close(),
  };
}

console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} CPUs (p99 figures suffer when the machine is busy)`);

// 1. in-process, in-memory journal
const v1 = await virtualSetup();
const inproc = await measure('virtual+memory-journal', v1, N, 300);
await v1.close();

// 2. in-process, real SQLite journal
const dir = mkdtempSync(join(tmpdir(), 'ykt-bench-transit-'));
const journal = openJournal({ path: join(dir, 'journal.sqlite'), terminalId: 'BENCH-TRANSIT' });
const v2 = await virtualSetup();
await measure('virtual+sqlite-journal', { ...v2, persist: journalPersist(journal, { service: 'bus-validator' }) }, Math.min(N, 1000), 100);
await v2.close();
journal.close();
rmSync(dir, { recursive: true, force: true });

// 3. pcscd + vpcd, card and PSAM in the two slots of one vpcd instance. The emulated chips run in a
//    child process (bench/transit-vicc.ts): this process's CPU is then the terminal's alone.
if (STACK) {
  const h = await PcscdHarness.start({ vpcdInstances: 1, nodelay: true });
  h.useInThisProcess();
  const vicc = await startVicc('transit-vicc.ts', [h.slots[0]!.port, h.slots[1]!.port]);
  const pcsc = new PcscReaderDriver({ config: { apduTimeoutMs: 5000 } });
  try {
    const cc = await connectWhenPresent(pcsc, h.slots[0]!.reader);
    const sc = await connectWhenPresent(pcsc, h.slots[1]!.reader);
    const stack = await measure('pcscd+vpcd', { card: (c) => cc.transmit(c), sam: (c) => sc.transmit(c), refill: () => {}, chipMs: { ms: 0 }, close: async () => {} }, N_STACK, 30);
    report('transit.pcscd+vpcd.vs.virtual', { ratio_median: stack.median / inproc.median });
    // the whole terminal path: PC/SC card and PSAM, durable SQLite journal
    const jdir = mkdtempSync(join(tmpdir(), 'ykt-bench-transit-'));
    const j = openJournal({ path: join(jdir, 'journal.sqlite'), terminalId: 'BENCH-TRANSIT' });
    await measure(
      'pcscd+vpcd+sqlite-journal',
      { card: (c) => cc.transmit(c), sam: (c) => sc.transmit(c), persist: journalPersist(j, { service: 'bus-validator' }), refill: () => {}, chipMs: { ms: 0 }, close: async () => {} },
      Math.max(50, Math.floor(N_STACK / 2)),
      20,
    );
    j.close();
    rmSync(jdir, { recursive: true, force: true });
    await cc.close();
    await sc.close();
  } finally {
    await pcsc.close();
    await vicc.stop();
    await h.dispose();
  }
}

console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
