/**
 * bench/journal — durable commits of the terminal journal (WAL, synchronous=FULL: one fsync each).
 *
 *   npx tsx bench/journal.ts [--n 3000] [--backlog 1000000] [--dir /path/on/the/device/storage]
 *
 * Prints: durable commits/s, median/p99/max commit latency with an empty journal, the same with
 * `backlog` unsent records present, and the ratio (goal ≈ 1: appending must not slow down while the
 * terminal is offline for days). Also: the time to fill the backlog (batched, not durable per record),
 * to reopen the journal with its integrity check, the offline-limit check and one upload slice.
 * Run it on the terminal's real storage (--dir): eMMC/SD cards fsync far slower than this VM's disk.
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openJournal, type Journal } from '../src/journal/journal';
import { createTokeniser } from '../src/journal/tokenise';
import type { RecordInput } from '../src/journal/record';
import { stats } from './lib';

const { values } = parseArgs({ options: { n: { type: 'string', default: '3000' }, backlog: { type: 'string', default: '1000000' }, dir: { type: 'string' } } });
const N = Number(values.n);
const BACKLOG = Number(values.backlog);
const base = mkdtempSync(join(values.dir ?? tmpdir(), 'ykt-bench-journal-'));
const tok = createTokeniser(new Uint8Array(32).fill(9));
const cards = Array.from({ length: 1000 }, (_, i) => tok('tunion-serial', `3100${String(i).padStart(16, '0')}`));

function record(i: number): RecordInput {
  // A transit tap result: tokens, a small kernel payload, an amount; one in three approved offline.
  return {
    type: 'decision',
    service: 'metro-gate',
    outcome: 'approved',
    reason: 'ok',
    amountFen: 200 + (i % 300),
    offline: i % 3 === 0,
    txn: `bench-${i}`,
    tokens: { card: cards[i % cards.length]! },
    payload: { line: 2, station: 17, atc: i % 65536, tac: 'A1B2C3D4', balanceAfter: 5000 - (i % 300) },
  };
}

interface Result {
  rate: number;
  median: number;
  p99: number;
  max: number;
}

/** Durable appends to each journal in alternating rounds, so drift (other load, writeback) hits both alike. */
function measureInterleaved(journals: Journal[], rounds: number, offsets: number[]): Result[] {
  const lat: number[][] = journals.map(() => []);
  const time = journals.map(() => 0);
  const per = Math.ceil(N / rounds);
  for (let r = 0; r < rounds; r++) {
    for (let q = 0; q < journals.length; q++) {
      const idx = (q + r) % journals.length; // alternate who goes first
      const j = journals[idx]!;
      const t0 = performance.now();
      for (let i = 0; i < per; i++) {
        const s = performance.now();
        j.append(record(offsets[idx]! + r * per + i));
        lat[idx]!.push(performance.now() - s);
      }
      time[idx]! += performance.now() - t0;
    }
  }
  return lat.map((l, i) => {
    const s = stats(l);
    return { rate: l.length / (time[i]! / 1000), median: s.median, p99: s.p99, max: s.max };
  });
}

const show = (label: string, r: Result) =>
  console.log(`${label.padEnd(30)} ${r.rate.toFixed(0).padStart(6)} durable commits/s   median ${r.median.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms   max ${r.max.toFixed(2)} ms`);

try {
  console.log(`journal bench: ${N} durable appends per journal, backlog ${BACKLOG.toLocaleString('en')} unsent records, in ${base}`);
  const full = openJournal({ path: join(base, 'full.sqlite'), terminalId: 'BENCH-2' });
  const f0 = performance.now();
  for (let i = 0; i < BACKLOG; i += 10_000) full.appendMany(Array.from({ length: Math.min(10_000, BACKLOG - i) }, (_, k) => record(i + k)));
  const fillS = (performance.now() - f0) / 1000;
  console.log(`fill ${BACKLOG.toLocaleString('en')} records (10,000 per transaction): ${fillS.toFixed(1)} s (${(BACKLOG / fillS).toFixed(0)} records/s), file ${(statSync(join(base, 'full.sqlite')).size / 1048576).toFixed(0)} MiB`);
  execSync('sync'); // let the kernel write the fill back before measuring fsync latency

  const empty = openJournal({ path: join(base, 'empty.sqlite'), terminalId: 'BENCH-1' });
  const [e, f] = measureInterleaved([empty, full], 10, [0, BACKLOG]);
  show('empty journal', e!);
  show(`with ${BACKLOG.toLocaleString('en')} unsent`, f!);
  console.log(`ratio with backlog / empty: median latency ${(f!.median / e!.median).toFixed(2)}, p99 ${(f!.p99 / e!.p99).toFixed(2)}, throughput ${(f!.rate / e!.rate).toFixed(2)}  (goal ≈ 1)`);
  empty.close();

  let t = performance.now();
  for (let i = 0; i < 1000; i++) full.checkOffline(500);
  const checkUs = ((performance.now() - t) / 1000) * 1000;
  const sliceMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    full.nextUpload(1000);
    sliceMs.push(performance.now() - t);
  }
  full.close();
  t = performance.now();
  const reopened = openJournal({ path: join(base, 'full.sqlite'), terminalId: 'BENCH-2' });
  const openMs = performance.now() - t;
  const exposure = reopened.exposure();
  reopened.close();
  t = performance.now();
  const noCheck = openJournal({ path: join(base, 'full.sqlite'), terminalId: 'BENCH-2', config: { integrityCheck: 'off' } });
  const openNoCheckMs = performance.now() - t;
  noCheck.close();
  console.log(`offline-limit check with the backlog: ${checkUs.toFixed(1)} µs; one upload slice (1000 records read, chain re-verified): median ${stats(sliceMs).median.toFixed(1)} ms`);
  console.log(`reopen with the backlog: ${openMs.toFixed(0)} ms with the quick integrity check, ${openNoCheckMs.toFixed(0)} ms without (exposure recomputed: ${exposure.count} offline approvals)`);
} finally {
  rmSync(base, { recursive: true, force: true });
}
