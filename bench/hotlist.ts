/**
 * bench/hotlist: which structure holds a 10-million-entry hotlist on a ~1 GB terminal?
 *
 *   npx tsx bench/hotlist.ts [--n 10000000] [--delta 100000] [--candidates sorted-ram,sorted-file,sqlite] [--with-set]
 *
 * Each candidate runs in its own child process (clean RSS figures) on the same data:
 *   sorted-ram   the implementation (src/hotlist): sorted 8-byte keys in RAM + delta overlay, through
 *                the real artefact store (signature, SHA-256, durable files, SQLite switch)
 *   sorted-file  the same sorted keys left on disk, an in-RAM index of each 4 KiB page's first key,
 *                one pread per lookup; a delta rewrites the file
 *   sqlite       better-sqlite3, WITHOUT ROWID table keyed by the 64-bit key, WAL, synchronous=FULL
 *   set          a JS Set<bigint> (only with --with-set: ≈ 0.6 GB at 10M)
 * Figures: lookup hit / miss (median, p99, one timed call each, in random order), lookup with key
 * hashing, delta apply (adds + removes, durable), load time (open → ready), RSS added by the structure,
 * disk bytes; for the implementation also the full-list apply (and its peak RSS), the maintenance
 * compaction, and how long each holds the event loop. Warm page cache: a terminal's first boot reads from eMMC, slower than this VM's disk.
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync, fsyncSync, writeSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { ed25519PublicKey, generateEd25519 } from '../src/core/ed25519';
import { buildArtefact } from '../src/downloads/publisher';
import { ArtefactRegistry, DAY } from '../src/downloads/registry';
import { ArtefactStore } from '../src/downloads/store';
import { publisherKey } from '../src/downloads/trust';
import { differenceKeys, hasKey, keyCount, sortUnique, unionKeys, xorFold, xorPair, type KeyArray } from '../src/hotlist/keys';
import { storeHotlist } from '../src/hotlist/lookup';
import { encodeHotlistPayload, fullHotlistPayload } from '../src/hotlist/payload';
import { registerHotlistKind } from '../src/hotlist/register';
import { fmt, stats } from './lib';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const PROBES = 200_000;

interface Result {
  candidate: string;
  n: number;
  hitMedianUs: number;
  hitP99Us: number;
  missMedianUs: number;
  missP99Us: number;
  hashedLookupMedianUs?: number;
  hashedLookupP99Us?: number;
  deltaApplyMs: number;
  loadMs: number;
  rssMiB: number;
  rssTotalMiB?: number;
  peakMiB?: number;
  deltaMiB?: number;
  deltaCompactMs?: number;
  compactMaxBlockMs?: number;
  deltaMaxBlockMs?: number;
  diskMiB: number;
  buildMs?: number;
  note?: string;
}

// ---------------------------------------------------------------- data (parent)

function makeData(dir: string, n: number, deltaN: number): void {
  const t0 = performance.now();
  const addsN = Math.floor(deltaN / 2);
  const raw = new Uint32Array(2 * (n + addsN + 1000));
  randomFillSync(raw);
  const all = sortUnique(raw);
  const total = keyCount(all);
  // Adds are spread evenly over the key range (every stride-th key), the rest is the base.
  const stride = Math.max(1, Math.floor(total / Math.max(1, addsN)));
  const baseKeys0 = new Uint32Array(2 * n);
  const adds = new Uint32Array(2 * addsN);
  let b = 0;
  let a = 0;
  for (let i = 0; i < total; i++) {
    const lo = all[2 * i]!;
    const hi = all[2 * i + 1]!;
    if (a < addsN && i % stride === stride - 1) {
      adds[2 * a] = lo;
      adds[2 * a + 1] = hi;
      a++;
    } else if (b < n) {
      baseKeys0[2 * b] = lo;
      baseKeys0[2 * b + 1] = hi;
      b++;
    }
  }
  const baseKeys = baseKeys0.subarray(0, 2 * b);
  // removes: every m-th key of the base
  const rN = deltaN - a;
  const step = Math.floor(b / rN);
  const removes = new Uint32Array(2 * rN);
  for (let i = 0; i < rN; i++) {
    removes[2 * i] = baseKeys[2 * i * step]!;
    removes[2 * i + 1] = baseKeys[2 * i * step + 1]!;
  }
  writeFileSync(join(dir, 'base.keys'), new Uint8Array(baseKeys.buffer, baseKeys.byteOffset, baseKeys.byteLength));
  writeFileSync(join(dir, 'adds.keys'), new Uint8Array(adds.buffer, 0, 8 * a));
  writeFileSync(join(dir, 'removes.keys'), new Uint8Array(removes.buffer));
  // probes: hits are random base keys (not removed ones matter little), misses are fresh random keys
  const hits = new Uint32Array(2 * PROBES);
  const idx = new Uint32Array(PROBES);
  randomFillSync(idx);
  for (let i = 0; i < PROBES; i++) {
    const j = idx[i]! % b;
    hits[2 * i] = baseKeys[2 * j]!;
    hits[2 * i + 1] = baseKeys[2 * j + 1]!;
  }
  const misses = new Uint32Array(2 * PROBES);
  randomFillSync(misses);
  for (let i = 0; i < PROBES; i++) if (hasKey(baseKeys, misses[2 * i + 1]!, misses[2 * i]!)) misses[2 * i] = misses[2 * i]! ^ 1;
  writeFileSync(join(dir, 'hits.keys'), new Uint8Array(hits.buffer));
  writeFileSync(join(dir, 'misses.keys'), new Uint8Array(misses.buffer));
  // The signed artefacts a terminal would download: the full list (v1) and the delta (v1 → v2).
  const pair = benchPair(dir);
  const now = Date.now();
  const addsK = adds.subarray(0, 2 * a);
  writeFileSync(join(dir, 'full.ykta'), buildArtefact({ kind: 'hotlist', version: 1, created: now, expires: now + DAY, payload: fullHotlistPayload(baseKeys) }, [{ privateKey: pair.privateKey }]));
  const resultXor = xorPair(xorPair(xorFold(baseKeys), xorFold(addsK)), xorFold(removes));
  const deltaPayload = encodeHotlistPayload({ type: 'delta', adds: addsK, removes, resultCount: b + a - rN, resultXor });
  writeFileSync(join(dir, 'delta.ykta'), buildArtefact({ kind: 'hotlist', version: 2, base: 1, created: now, expires: now + DAY, payload: deltaPayload }, [{ privateKey: pair.privateKey }]));
  console.log(`data: ${b} keys, delta +${a} −${rN}, ${PROBES} hit and ${PROBES} miss probes (${fmt(performance.now() - t0)} ms)`);
}

const loadKeys = (dir: string, name: string): KeyArray => {
  const b = readFileSync(join(dir, name));
  const u = new Uint8Array(new ArrayBuffer(b.length));
  u.set(b);
  return new Uint32Array(u.buffer);
};

// ---------------------------------------------------------------- measuring helpers (child)

function timeEach(probes: KeyArray, fn: (hi: number, lo: number) => boolean, expect: boolean): { median: number; p99: number } {
  const n = keyCount(probes);
  const us: number[] = new Array(n);
  // warm-up (JIT), not measured
  for (let i = 0; i < Math.min(n, 20_000); i++) fn(probes[2 * i + 1]!, probes[2 * i]!);
  let wrong = 0;
  for (let i = 0; i < n; i++) {
    const hi = probes[2 * i + 1]!;
    const lo = probes[2 * i]!;
    const t = performance.now();
    const r = fn(hi, lo);
    us[i] = (performance.now() - t) * 1000;
    if (r !== expect) wrong++;
  }
  if (wrong > n * 0.02) throw new Error(`lookup answered wrongly for ${wrong} of ${n} probes`);
  const s = stats(us);
  return { median: s.median, p99: s.p99 };
}

/** Longest gap between 1 ms timer ticks while something runs: how long a tap would have waited. */
async function loopProbe(): Promise<{ stop(): number }> {
  let last = performance.now();
  let max = 0;
  const h = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 20)); // ticking before the work starts
  max = 0;
  last = performance.now();
  return {
    stop() {
      clearInterval(h);
      return Math.max(max, performance.now() - last);
    },
  };
}

const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
const dirBytes = (d: string): number => readdirSync(d, { withFileTypes: true }).reduce((s, e) => s + (e.isDirectory() ? dirBytes(join(d, e.name)) : statSync(join(d, e.name)).size), 0);
function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

// ---------------------------------------------------------------- candidates

const benchPair = (data: string) => {
  // One publisher key per bench run, shared by the build and measure processes.
  const f = join(data, 'publisher.key');
  try {
    const seed = new Uint8Array(readFileSync(f));
    return { privateKey: seed, publicKey: ed25519PublicKey(seed) };
  } catch {
    const p = generateEd25519();
    writeFileSync(f, p.privateKey);
    return p;
  }
};

function openRamStore(data: string, work: string, compactAfterEntries = 1_000_000): ArtefactStore {
  const pair = benchPair(data);
  const registry = registerHotlistKind(new ArtefactRegistry(), { dir: join(work, 'hotlist'), maxEntries: 20_000_000, compactAfterEntries });
  return ArtefactStore.open({ dir: work, registry, trust: { keys: [publisherKey(pair.publicKey)], requiredSignatures: 1 } });
}

/** Build phase (own process): the first download of the signed full list, read from a file, through the store. */
async function sortedRamBuild(data: string, work: string): Promise<{ ms: number; peakMiB: number }> {
  const env = new Uint8Array(readFileSync(join(data, 'full.ykta')));
  const s = openRamStore(data, work);
  const t = performance.now();
  await s.apply(env);
  const ms = performance.now() - t;
  await s.close();
  return { ms, peakMiB: process.resourceUsage().maxRSS / 1024 };
}

async function sortedRam(data: string, work: string): Promise<Result> {
  const rss0 = rssMiB();
  let t = performance.now();
  const s = openRamStore(data, work);
  const loadMs = performance.now() - t;
  const base = s.get('hotlist');
  if (!base) throw new Error(`hotlist not loaded: ${JSON.stringify(s.status('hotlist'))}`);
  const rss = rssMiB() - rss0;
  const rssTotal = rssMiB();
  const table = storeHotlist(s);
  // Raw table calls (hit/miss columns), then the kernel-facing calls: checkKey(hex) as Credential.hotlistKeys
  // carries keys, and check(kind, id) which hashes first.
  const raw = (s.get('hotlist')!.value as { hasHalves(hi: number, lo: number): boolean });
  const hit = timeEach(loadKeys(data, 'hits.keys'), (hi, lo) => raw.hasHalves(hi, lo), true);
  const miss = timeEach(loadKeys(data, 'misses.keys'), (hi, lo) => raw.hasHalves(hi, lo), false);
  const missKeys = loadKeys(data, 'misses.keys');
  const hexes = Array.from({ length: keyCount(missKeys) }, (_, i) => missKeys[2 * i + 1]!.toString(16).padStart(8, '0') + missKeys[2 * i]!.toString(16).padStart(8, '0'));
  const hexUs: number[] = [];
  for (const h of hexes) {
    const t1 = performance.now();
    if (table.checkKey(h) !== 'not-listed') throw new Error('checkKey(hex) answered wrongly');
    hexUs.push((performance.now() - t1) * 1000);
  }
  const viaHex = stats(hexUs);
  // With hashing: what a kernel pays for check('pan', id).
  const pans = Array.from({ length: 50_000 }, (_, i) => String(6222020000000000000n + BigInt(i) * 7919n));
  const hu: number[] = [];
  for (const p of pans) {
    const t1 = performance.now();
    table.check('pan', p);
    hu.push((performance.now() - t1) * 1000);
  }
  // Delta: the signed delta of adds + removes, durable, through the store.
  const adds = loadKeys(data, 'adds.keys');
  const removes = loadKeys(data, 'removes.keys');
  const deltaEnv = new Uint8Array(readFileSync(join(data, 'delta.ykta')));
  const tbl = s.get('hotlist')!.value as { size: number };
  const dloop = await loopProbe();
  t = performance.now();
  await s.apply(deltaEnv);
  const deltaApplyMs = performance.now() - t;
  const deltaMaxBlockMs = dloop.stop();
  const after = s.get('hotlist')!.value as { hasHalves(hi: number, lo: number): boolean };
  if (!after.hasHalves(adds[1]!, adds[0]!) || after.hasHalves(removes[1]!, removes[0]!)) throw new Error('delta not in force');
  const diskMiB = dirBytes(work) / 2 ** 20;
  const rssAfter = rssMiB();
  await s.close();
  // Maintenance: fold the overlay into a new base (what the runtime does when idle), in the same process,
  // watching how long the event loop is held (a gate must keep answering taps meanwhile).
  const s2 = openRamStore(data, work, 1);
  const loop = await loopProbe();
  t = performance.now();
  const m = await s2.maintain('hotlist');
  const compactMs = performance.now() - t;
  const compactMaxBlockMs = loop.stop();
  if (!m[0]?.changed || s2.get('hotlist')?.version !== 2) throw new Error('maintenance did not compact');
  await s2.close();
  return {
    candidate: 'sorted-ram',
    n: tbl.size,
    deltaMiB: deltaEnv.length / 2 ** 20,
    hitMedianUs: hit.median,
    hitP99Us: hit.p99,
    missMedianUs: miss.median,
    missP99Us: miss.p99,
    hashedLookupMedianUs: stats(hu).median,
    deltaApplyMs,
    loadMs,
    rssMiB: rss,
    rssTotalMiB: rssTotal,
    diskMiB,
    hashedLookupP99Us: stats(hu).p99,
    deltaCompactMs: compactMs,
    compactMaxBlockMs,
    deltaMaxBlockMs,
    note: `checkKey(hex) miss: median ${fmt(viaHex.median)} µs, p99 ${fmt(viaHex.p99)} µs; process RSS after the delta ${fmt(rssAfter)} MiB (probe arrays and the delta envelope included)`,
  };
}

async function sortedFile(data: string, work: string): Promise<Result> {
  const PAGE = 4096;
  const PER = PAGE / 8;
  const file = join(work, 'keys.bin');
  writeFileSync(file, readFileSync(join(data, 'base.keys')));
  const n = statSync(file).size / 8;
  gc();
  const rss0 = rssMiB();
  let t = performance.now();
  let fd = openSync(file, 'r');
  const pages = Math.ceil(n / PER);
  const index = new Uint32Array(2 * pages);
  const head = new Uint32Array(2);
  const headBytes = new Uint8Array(head.buffer);
  for (let p = 0; p < pages; p++) {
    readSync(fd, headBytes, 0, 8, p * PAGE);
    index[2 * p] = head[0]!;
    index[2 * p + 1] = head[1]!;
  }
  const loadMs = performance.now() - t;
  const rss = rssMiB() - rss0;
  const rssTotal = rssMiB();
  const page = new Uint32Array(PAGE / 4);
  const pageBytes = new Uint8Array(page.buffer);
  const lookup = (hi: number, lo: number): boolean => {
    // last page whose first key ≤ (hi, lo)
    let l = 0;
    let r = pages - 1;
    let at = -1;
    while (l <= r) {
      const m = (l + r) >>> 1;
      const mh = index[2 * m + 1]!;
      const ml = index[2 * m]!;
      if (mh < hi || (mh === hi && ml <= lo)) {
        at = m;
        l = m + 1;
      } else r = m - 1;
    }
    if (at < 0) return false;
    const got = readSync(fd, pageBytes, 0, PAGE, at * PAGE);
    return hasKey(page.subarray(0, got >>> 2), hi, lo);
  };
  const hit = timeEach(loadKeys(data, 'hits.keys'), lookup, true);
  const miss = timeEach(loadKeys(data, 'misses.keys'), lookup, false);
  // Delta: merge and rewrite the whole file durably (new file, fsync, rename).
  t = performance.now();
  const all = new Uint32Array(readFileSync(file).buffer.slice(0));
  const next = unionKeys(differenceKeys(all, loadKeys(data, 'removes.keys')), loadKeys(data, 'adds.keys'));
  const tmp = file + '.new';
  const wfd = openSync(tmp, 'w');
  writeSync(wfd, new Uint8Array(next.buffer, next.byteOffset, next.byteLength));
  fsyncSync(wfd);
  closeSync(wfd);
  renameSync(tmp, file);
  const dfd = openSync(work, 'r');
  fsyncSync(dfd);
  closeSync(dfd);
  const deltaApplyMs = performance.now() - t;
  closeSync(fd);
  fd = -1;
  return { candidate: 'sorted-file', n, hitMedianUs: hit.median, hitP99Us: hit.p99, missMedianUs: miss.median, missP99Us: miss.p99, deltaApplyMs, loadMs, rssMiB: rss, rssTotalMiB: rssTotal, diskMiB: dirBytes(work) / 2 ** 20, note: 'delta = merge + rewrite of the whole file + fsync (index rebuild not included)' };
}

const toI64 = (hi: number, lo: number): bigint => BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));

async function sqliteBuild(data: string, work: string): Promise<number> {
  const db = new Database(join(work, 'hotlist.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE hotlist (k INTEGER PRIMARY KEY) WITHOUT ROWID');
  const base = loadKeys(data, 'base.keys');
  const t = performance.now();
  const ins = db.prepare('INSERT INTO hotlist (k) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < base.length; i += 2) ins.run(toI64(base[i + 1]!, base[i]!));
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  const ms = performance.now() - t;
  db.close();
  return ms;
}

async function sqlite(data: string, work: string): Promise<Result> {
  const file = join(work, 'hotlist.db');
  const n = statSync(join(data, 'base.keys')).size / 8;
  const rss0 = rssMiB();
  let t = performance.now();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const q = db.prepare('SELECT 1 FROM hotlist WHERE k = ?').pluck();
  q.get(0n);
  const loadMs = performance.now() - t;
  const lookup = (hi: number, lo: number): boolean => q.get(toI64(hi, lo)) !== undefined;
  const hit = timeEach(loadKeys(data, 'hits.keys'), lookup, true);
  const miss = timeEach(loadKeys(data, 'misses.keys'), lookup, false);
  const rss = rssMiB() - rss0;
  const rssTotal = rssMiB();
  const adds = loadKeys(data, 'adds.keys');
  const removes = loadKeys(data, 'removes.keys');
  const add = db.prepare('INSERT OR IGNORE INTO hotlist (k) VALUES (?)');
  const del = db.prepare('DELETE FROM hotlist WHERE k = ?');
  t = performance.now();
  db.transaction(() => {
    for (let i = 0; i < adds.length; i += 2) add.run(toI64(adds[i + 1]!, adds[i]!));
    for (let i = 0; i < removes.length; i += 2) del.run(toI64(removes[i + 1]!, removes[i]!));
  })();
  const deltaApplyMs = performance.now() - t;
  db.pragma('wal_checkpoint(TRUNCATE)');
  const diskMiB = dirBytes(work) / 2 ** 20;
  db.close();
  return { candidate: 'sqlite', n, hitMedianUs: hit.median, hitP99Us: hit.p99, missMedianUs: miss.median, missP99Us: miss.p99, deltaApplyMs, loadMs, rssMiB: rss, rssTotalMiB: rssTotal, diskMiB, note: 'RSS measured after the lookups (SQLite page cache, default cache_size); warm OS page cache' };
}

async function jsSet(data: string): Promise<Result> {
  const base = loadKeys(data, 'base.keys');
  gc();
  const rss0 = rssMiB();
  const t = performance.now();
  const set = new Set<bigint>();
  for (let i = 0; i < base.length; i += 2) set.add((BigInt(base[i + 1]!) << 32n) | BigInt(base[i]!));
  const loadMs = performance.now() - t;
  gc();
  const rss = rssMiB() - rss0;
  const rssTotal = rssMiB();
  const lookup = (hi: number, lo: number) => set.has((BigInt(hi) << 32n) | BigInt(lo));
  const hit = timeEach(loadKeys(data, 'hits.keys'), lookup, true);
  const miss = timeEach(loadKeys(data, 'misses.keys'), lookup, false);
  const adds = loadKeys(data, 'adds.keys');
  const removes = loadKeys(data, 'removes.keys');
  const t2 = performance.now();
  for (let i = 0; i < adds.length; i += 2) set.add((BigInt(adds[i + 1]!) << 32n) | BigInt(adds[i]!));
  for (let i = 0; i < removes.length; i += 2) set.delete((BigInt(removes[i + 1]!) << 32n) | BigInt(removes[i]!));
  const deltaApplyMs = performance.now() - t2;
  return { candidate: 'set', n: set.size, hitMedianUs: hit.median, hitP99Us: hit.p99, missMedianUs: miss.median, missP99Us: miss.p99, deltaApplyMs, loadMs, rssMiB: rss, rssTotalMiB: rssTotal, diskMiB: 0, note: 'no persistence: load = build from the key file; delta not durable' };
}

// ---------------------------------------------------------------- main

async function child(candidate: string, data: string): Promise<void> {
  const work = join(data, `work-${candidate.replace(/-build$/, '')}`);
  mkdirSync(work, { recursive: true });
  if (candidate === 'sorted-ram-build') return void console.log(`#build ${JSON.stringify(await sortedRamBuild(data, work))}`);
  if (candidate === 'sqlite-build') return void console.log(`#build ${JSON.stringify({ ms: await sqliteBuild(data, work) })}`);
  try {
    const r = candidate === 'sorted-ram' ? await sortedRam(data, work) : candidate === 'sorted-file' ? await sortedFile(data, work) : candidate === 'sqlite' ? await sqlite(data, work) : await jsSet(data);
    console.log(`#result ${JSON.stringify(r)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function runChild(c: string, data: string): { line?: string; build?: { ms: number; peakMiB?: number }; err: string; status: number | null } {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', c, '--data', data], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('#result '));
  const build = r.stdout.split('\n').find((l) => l.startsWith('#build '));
  return { line, build: build ? (JSON.parse(build.slice(7)) as { ms: number; peakMiB?: number }) : undefined, err: r.stderr, status: r.status };
}

function parent(): void {
  const n = Number(opt('n', '10000000'));
  const deltaN = Number(opt('delta', '100000'));
  const candidates = opt('candidates', 'sorted-ram,sorted-file,sqlite').split(',');
  if (args.includes('--with-set')) candidates.push('set');
  const data = mkdtempSync(join(tmpdir(), 'ykt-bench-hotlist-'));
  try {
    makeData(data, n, deltaN);
    const results: Result[] = [];
    for (const c of candidates) {
      const t = performance.now();
      let built: { ms: number; peakMiB?: number } | undefined;
      if (c === 'sorted-ram' || c === 'sqlite') {
        const b = runChild(`${c}-build`, data);
        if (b.build === undefined) {
          console.log(`${c}: build failed (exit ${b.status})\n${b.err.slice(-2000)}`);
          continue;
        }
        built = b.build;
      }
      const r = runChild(c, data);
      if (!r.line) {
        console.log(`${c}: failed (exit ${r.status})\n${r.err.slice(-2000)}`);
        continue;
      }
      const res: Result = { ...(JSON.parse(r.line.slice(8)) as Result), ...(built ? { buildMs: built.ms, ...(built.peakMiB ? { peakMiB: built.peakMiB } : {}) } : {}) };
      results.push(res);
      console.log(`${c}: done in ${fmt((performance.now() - t) / 1000)} s`);
    }
    console.log('');
    console.log(`hotlist, ${n.toLocaleString('en')} entries, delta ${deltaN.toLocaleString('en')} (µs per lookup, one timed call each; ms; MiB)`);
    const cols = ['candidate', 'hit med', 'hit p99', 'miss med', 'miss p99', 'delta ms', 'load ms', '+RSS MiB', 'RSS MiB', 'disk MiB'];
    console.log(cols.map((c) => c.padStart(11)).join(''));
    for (const r of results) {
      console.log([r.candidate, fmt(r.hitMedianUs), fmt(r.hitP99Us), fmt(r.missMedianUs), fmt(r.missP99Us), fmt(r.deltaApplyMs), fmt(r.loadMs), fmt(r.rssMiB), r.rssTotalMiB === undefined ? '-' : fmt(r.rssTotalMiB), fmt(r.diskMiB)].map((c) => String(c).padStart(11)).join(''));
    }
    for (const r of results) {
      if (r.hashedLookupMedianUs !== undefined) console.log(`${r.candidate}: check('pan', id) including SHA-256 key derivation: median ${fmt(r.hashedLookupMedianUs)} µs, p99 ${fmt(r.hashedLookupP99Us ?? NaN)} µs`);
      if (r.buildMs !== undefined) {
        const what = r.candidate === 'sorted-ram' ? `apply of the signed full artefact (verify, check order, write + fsync base file, commit); peak process RSS ${fmt(r.peakMiB ?? NaN)} MiB` : 'insert all keys in one transaction';
        console.log(`${r.candidate}: build ${fmt(r.buildMs)} ms (${what})`);
      }
      if (r.deltaMiB !== undefined) {
        console.log(`${r.candidate}: delta artefact ${fmt(r.deltaMiB)} MiB; event loop held at most ${fmt(r.deltaMaxBlockMs ?? NaN)} ms during the delta apply`);
        console.log(`${r.candidate}: maintenance (overlay folded into a new ${fmt(r.diskMiB)} MiB base): ${fmt(r.deltaCompactMs ?? NaN)} ms, event loop held at most ${fmt(r.compactMaxBlockMs ?? NaN)} ms`);
      }
      if (r.note) console.log(`${r.candidate}: ${r.note}`);
    }
    console.log('(+RSS: added by loading the structure, measured in a fresh process; RSS: the whole process, Node included)');
    const chosen = results.find((r) => r.candidate === 'sorted-ram');
    if (chosen) {
      for (const r of results) if (r !== chosen) console.log(`ratio ${r.candidate}/sorted-ram: miss median ×${fmt(r.missMedianUs / chosen.missMedianUs)}, delta ×${fmt(r.deltaApplyMs / chosen.deltaApplyMs)}, RSS ×${fmt(r.rssMiB / chosen.rssMiB)}`);
    }
    for (const r of results) console.log(`#json ${JSON.stringify({ bench: 'hotlist', ...r })}`);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

if (args.includes('--child')) {
  mkdirSync(opt('data', '.'), { recursive: true });
  await child(opt('child', ''), opt('data', ''));
} else parent();
