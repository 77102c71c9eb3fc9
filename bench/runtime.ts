/**
 * bench/runtime: the whole terminal (src/runtime/terminal.ts) as the operator runs it — reader event →
 * profile → kernels → SQLite journal (durable) → decision event — measured in the same run:
 *   1. start-up to ready: Terminal.start in-process (first start and restarts), and `ykt start` as a
 *      process (node dist/ykt.js start --config FILE: spawn → "ready" line), and its graceful stop;
 *   2. tap to decision per profile, in-process (the virtual reader; emulated cards answer at once):
 *      library and identity (SSSE), bus (T-Union through the PSAM; QuickPass; e-code), metro entry and
 *      exit, canteen and hospital (qPBOC/EC; hospital registration reads EF06 too);
 *   3. tap to decision over the real PC/SC stack: our own pcscd with ONE vpcd instance (card in slot
 *      00 00, PSAM in slot 00 01) and the PC/SC driver — library, bus, canteen;
 *   4. decisions per second one gate sustains (taps back to back; card and code at once).
 * Wall = from the card entering the field (insertCard / vpcd insert) to the decision event; `total` =
 * the terminal's own measure (card-inserted event handled → decision durable and shown). Over pcscd the
 * wall includes pcscd's presence polling of vpcd (≈ 0.4 s), which is the test rig, not the terminal.
 *   npx tsx bench/runtime.ts [--n 300] [--n-stack 40] [--starts 10] [--seconds 3] [--no-stack] [--no-process]
 * Goal (issue 7): start-up to ready ≤ 1.5 s.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventRecorder } from '../drivers/pcsc/harness/event-recorder';
import { PcscdHarness } from '../drivers/pcsc/harness/pcscd-harness';
import { PcscReaderDriver } from '../drivers/pcsc/pcsc-driver';
import { VpcdBridge } from '../drivers/pcsc/vpcd-bridge';
import { VirtualReaderDriver, VirtualScanner } from '../drivers/virtual/index';
import { buildCard, loadCardFixture } from '../src/emulator/card-fixture';
import { loadPbocCard, pbocAppOf } from '../src/emulator/pboc/card';
import { loadPsam } from '../src/emulator/transit/fixtures';
import { buildTransitCard, type EmulatedTransitCard } from '../src/emulator/transit/transit-card';
import type { EmulatedCard } from '../src/emulator/types';
import type { Iso7816Card } from '../src/emulator/iso7816-card';
import { createKeystore } from '../src/journal';
import { createLogger } from '../src/log/logger';
import type { TerminalConfig } from '../src/runtime/config';
import { startLocalWorld, type LocalWorld } from '../src/runtime/demo/world';
import { ZHENGZHOU_SSSE_TEST_AUTH_KEY } from '../src/runtime/demo/script';
import type { DecisionEvent } from '../src/runtime/events';
import { operatorConsoleOf } from '../src/runtime/profiles/pos/operator-console';
import { TestClock } from '../src/runtime/profiles/transit/testing';
import { Terminal } from '../src/runtime/terminal';
import { fmt, numberArg as arg, report, stats } from './lib';

const N = arg('--n', 300);
const N_STACK = arg('--n-stack', 40);
const STARTS = arg('--starts', 10);
const SECONDS = arg('--seconds', 3);
const STACK = !process.argv.includes('--no-stack');
const PROCESS = !process.argv.includes('--no-process');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const READER = 'Bench Contactless Reader 00 00';
const SAM = 'Bench SAM Reader 00 01';
const quiet = createLogger({ component: 'ykt', level: 'error', sink: () => {} });
const dir = mkdtempSync(join(tmpdir(), 'ykt-bench-runtime-'));
// One clock for the world and every terminal: real time, moved forward where a profile needs it (metro trips).
const clock = new TestClock(Date.now());
let world!: LocalWorld;
let seq = 0;

// --- fixtures: many distinct cards so that no holder reaches a daily cap or anti-passback -----------

const transitJson = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'transit', 'cards', 'tunion-adult.json'), 'utf8')) as { sections: { transit: { issuer: { serial: string } } } };
function tunionCards(k: number): EmulatedTransitCard[] {
  return Array.from({ length: k }, (_, i) => {
    const f = structuredClone(transitJson);
    f.sections.transit.issuer.serial = `310491000000${String(50_000_000 + i).padStart(8, '0')}`; // keys are diversified by serial
    return buildTransitCard(f);
  });
}
const fullJson = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'cards', 'ssc-3rd-zhengzhou-full.json'), 'utf8'));
const zhengzhouFull = (): Iso7816Card => buildCard(structuredClone(fullJson));
const topUpEc = (c: Iso7816Card) => {
  pbocAppOf(c)!.state.balanceFen = 1_000_00;
};

// --- a terminal on the in-process reader ---------------------------------------------------------------

interface Gate {
  t: Terminal;
  driver: VirtualReaderDriver;
  scanner: VirtualScanner;
  close(): Promise<void>;
}

async function gate(profile: Record<string, unknown>, o: { psam?: boolean; config?: Record<string, unknown> } = {}): Promise<Gate> {
  const id = `T-BENCH-${++seq}`;
  const config = world.terminalConfig({ id, profile, config: { display: { enabled: false }, ...(o.psam ? { transit: { samReader: SAM } } : {}), ...o.config } });
  mkdirSync(config.terminal.dataDir, { recursive: true });
  await world.enrolTerminal(createKeystore(config.journal.keystorePath).publicKey, id);
  const driver = new VirtualReaderDriver({ readers: [{ name: READER, interface: 'contactless' }] });
  if (o.psam) {
    driver.addReader(SAM, { interface: 'contact' });
    driver.insertCard(SAM, loadPsam('psam-test-1').card);
  }
  const scanner = new VirtualScanner('Bench Scanner');
  // sync: false — the backend runs in this process here; its ingestion is not the terminal's work (bench/sync measures uploads)
  const t = await Terminal.start({ config, driver, scanners: [scanner], log: quiet, downloads: false, sync: false, clock });
  await t.pollDownloads();
  return { t, driver, scanner, close: () => t.stop() };
}

const nextDecision = (t: Terminal, device?: string) =>
  new Promise<DecisionEvent>((resolve) => {
    const off = t.onDecision((ev) => {
      if (device && ev.device !== device) return;
      off();
      resolve(ev);
    });
  });

interface Sample {
  wall: number;
  total: number;
  ev: DecisionEvent;
}

async function tapIn(g: Gate, card: EmulatedCard): Promise<Sample> {
  const decided = nextDecision(g.t, READER);
  const t0 = performance.now();
  g.driver.insertCard(READER, card);
  const ev = await decided;
  const wall = performance.now() - t0;
  g.driver.removeCard(READER);
  return { wall, total: ev.latency.total ?? NaN, ev };
}

async function scanIn(g: Gate, text: string): Promise<Sample> {
  const decided = nextDecision(g.t, 'Bench Scanner');
  const t0 = performance.now();
  g.scanner.present(text);
  const ev = await decided;
  return { wall: performance.now() - t0, total: ev.latency.total ?? NaN, ev };
}

function summarise(name: string, samples: Sample[], extra: Record<string, number | string> = {}): void {
  const w = stats(samples.map((s) => s.wall));
  const t = stats(samples.map((s) => s.total));
  const approved = samples.filter((s) => s.ev.outcome === 'approved').length;
  report(name, { n: w.n, wall_median_ms: w.median, wall_p99_ms: w.p99, total_median_ms: t.median, total_p99_ms: t.p99, approved: `${approved}/${w.n}`, ...extra });
  const bad = samples.find((s) => s.ev.outcome !== 'approved');
  if (bad) console.log(`  (not approved: ${bad.ev.outcome} ${bad.ev.reason}: ${bad.ev.message})`);
}

const breathe = () => new Promise((r) => setImmediate(r));

async function repeat(n: number, one: (i: number) => Promise<Sample>): Promise<Sample[]> {
  for (let i = 0; i < Math.min(20, n); i++) await one(-1 - i); // warm-up
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    await breathe();
    out.push(await one(i));
  }
  return out;
}

// --- 1. start-up ----------------------------------------------------------------------------------------

async function benchStartInProcess(): Promise<void> {
  for (const [name, profile, psam] of [
    ['library', { kind: 'library' }, false],
    ['bus', { kind: 'bus', line: 26, fareProfile: 'bus-26' }, true],
  ] as const) {
    const first: number[] = [];
    const again: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      const id = `T-BENCH-START-${name}-${i}`;
      const config = world.terminalConfig({ id, profile, config: { display: { port: 0 }, ...(psam ? { transit: { samReader: SAM } } : {}) } });
      const drv = () => {
        const d = new VirtualReaderDriver({ readers: [{ name: READER, interface: 'contactless' }] });
        if (psam) {
          d.addReader(SAM, { interface: 'contact' });
          d.insertCard(SAM, loadPsam('psam-test-1').card);
        }
        return d;
      };
      const a = await Terminal.start({ config, driver: drv(), scanners: [], log: quiet, downloads: false, sync: false, clock });
      first.push(a.readyMs);
      await a.pollDownloads();
      await a.stop();
      const b = await Terminal.start({ config, driver: drv(), scanners: [], log: quiet, downloads: false, sync: false, clock });
      again.push(b.readyMs);
      await b.stop();
    }
    const f = stats(first);
    const g = stats(again);
    report(`start in-process ${name} (Terminal.readyMs, display on)`, { n: f.n, first_start_median_ms: f.median, first_start_max_ms: f.max, restart_median_ms: g.median, restart_max_ms: g.max });
  }
}

async function benchStartProcess(): Promise<void> {
  const ykt = join(ROOT, 'dist', 'ykt.js');
  if (!existsSync(ykt)) {
    console.log('start as a process: dist/ykt.js missing — run `npm run build` first (skipped)');
    return;
  }
  const srcNewest = statSync(join(ROOT, 'src', 'runtime', 'terminal.ts')).mtimeMs;
  if (statSync(ykt).mtimeMs < srcNewest) console.log('  note: dist/ykt.js is older than src/runtime/terminal.ts (run `npm run build` for current figures)');
  const config = world.terminalConfig({ id: 'T-BENCH-PROC', profile: { kind: 'library' }, config: { display: { port: 0 }, reader: { driver: 'virtual', virtual: { readers: [{ name: READER, interface: 'contactless' }] } }, log: { level: 'warn' } } });
  mkdirSync(config.terminal.dataDir, { recursive: true });
  await world.enrolTerminal(createKeystore(config.journal.keystorePath).publicKey, 'T-BENCH-PROC');
  const path = join(dir, 'proc-config.json');
  writeFileSync(path, JSON.stringify(config));
  const wall: number[] = [];
  const ready: number[] = [];
  const sinceStart: number[] = [];
  const stop: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    const p = spawn(process.execPath, [ykt, 'start', '--config', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      p.stdout.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        const m = buf.split('\n').find((l) => l.startsWith('ykt: ready in'));
        if (m) resolve(m);
      });
      p.on('exit', (c) => reject(new Error(`ykt start exited (${c}) before ready: ${buf}`)));
    });
    wall.push(performance.now() - t0);
    const m = /ready in (\d+) ms \((\d+) ms since the process started\)/.exec(line)!;
    ready.push(Number(m[1]));
    sinceStart.push(Number(m[2]));
    const s0 = performance.now();
    const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
    p.kill('SIGTERM');
    const code = await exited;
    stop.push(performance.now() - s0);
    if (code !== 0) console.log(`  ykt start exited ${code} after SIGTERM`);
  }
  const w = stats(wall);
  report('start as a process (node dist/ykt.js start, library, display on)', {
    n: w.n,
    spawn_to_ready_median_ms: w.median,
    spawn_to_ready_max_ms: w.max,
    since_process_start_median_ms: stats(sinceStart).median,
    readyMs_median: stats(ready).median,
    sigterm_to_exit_median_ms: stats(stop).median,
  });
}

// --- 2. tap to decision in-process, per profile --------------------------------------------------------

async function benchInProcess(): Promise<void> {
  {
    const g = await gate({ kind: 'library', venue: 'bench' });
    const card = loadCardFixture('ssc-3rd-zhengzhou');
    summarise('in-process library: SSSE card', await repeat(N, () => tapIn(g, card)));
    const phones = Array.from({ length: 50 }, (_, i) => world.phone(`410100D15600000590000000${String(i).padStart(8, '0')}`));
    summarise('in-process library: e-code', await repeat(N, (i) => scanIn(g, phones[(i + 50) % 50]!.code('culture'))));
    await g.close();
  }
  {
    const g = await gate({ kind: 'identity', ssseTestAuthKey: ZHENGZHOU_SSSE_TEST_AUTH_KEY });
    const card = loadCardFixture('ssc-3rd-zhengzhou');
    summarise('in-process identity: SSSE card + holder data (EF06 authenticated, sealed)', await repeat(N, () => tapIn(g, card)));
    await g.close();
  }
  {
    const g = await gate({ kind: 'bus', line: 26, fareProfile: 'bus-26' }, { psam: true });
    const cards = tunionCards(64);
    summarise(
      'in-process bus: T-Union e-purse through the PSAM',
      await repeat(N, (i) => {
        const c = cards[(i + 64) % 64]!;
        c.purse.state.balanceFen = 1_000_00;
        return tapIn(g, c.card);
      }),
    );
    const ec = loadPbocCard('ssc-3rd-pboc');
    summarise(
      'in-process bus: QuickPass / EC (qPBOC, no transport app)',
      await repeat(Math.min(N, 150), () => {
        topUpEc(ec);
        return tapIn(g, ec);
      }),
    );
    const phones = Array.from({ length: 64 }, (_, i) => world.phone(`410100D15600000591000000${String(i).padStart(8, '0')}`));
    summarise('in-process bus: e-code (post-paid fare)', await repeat(N, (i) => scanIn(g, phones[(i + 64) % 64]!.code('transit'))));
    await g.close();
  }
  {
    const ledger = join(dir, 'metro-rides.sqlite');
    const entry = await gate({ kind: 'metro', line: 1, station: 1, direction: 'entry', fareProfile: 'metro-l1', rideLedgerPath: ledger }, { psam: true });
    const exit = await gate({ kind: 'metro', line: 1, station: 7, direction: 'exit', fareProfile: 'metro-l1', rideLedgerPath: ledger }, { psam: true });
    const cards = tunionCards(16);
    const ins: Sample[] = [];
    const outs: Sample[] = [];
    const trips = Math.min(N, 100);
    for (let i = 0; i < trips + 5; i++) {
      await breathe();
      const c = cards[i % 16]!;
      c.purse.state.balanceFen = 1_000_00;
      const a = await tapIn(entry, c.card);
      clock.advance(60_000);
      const b = await tapIn(exit, c.card);
      clock.advance(5 * 60_000);
      if (i >= 5) {
        ins.push(a);
        outs.push(b);
      }
    }
    summarise('in-process metro entry gate: T-Union (trip written, no charge)', ins);
    summarise('in-process metro exit gate: T-Union (distance fare)', outs);
    await entry.close();
    await exit.close();
  }
  {
    const g = await gate({ kind: 'canteen', dailyLimitFen: 0, subsidy: { enabled: false }, operatorApi: { enabled: false } });
    const op = operatorConsoleOf(g.t.profile)!;
    const card = zhengzhouFull();
    summarise(
      'in-process canteen: social security card, qPBOC/EC (amount typed before the tap)',
      await repeat(N, () => {
        topUpEc(card);
        op.setAmount(12_50);
        return tapIn(g, card);
      }),
    );
    await g.close();
  }
  {
    const g = await gate({ kind: 'hospital', ssseTestAuthKey: ZHENGZHOU_SSSE_TEST_AUTH_KEY, operatorApi: { enabled: false } });
    const op = operatorConsoleOf(g.t.profile)!;
    const card = zhengzhouFull();
    summarise(
      'in-process hospital: payment, qPBOC/EC',
      await repeat(N, () => {
        topUpEc(card);
        op.setAmount(25_00);
        return tapIn(g, card);
      }),
    );
    summarise(
      'in-process hospital: registration (EF06, sealed) + payment in one tap',
      await repeat(N, () => {
        topUpEc(card);
        op.setAmount(25_00, { register: true });
        return tapIn(g, card);
      }),
    );
    await g.close();
  }
}

// --- 4. decisions per second one gate sustains ------------------------------------------------------------

async function benchThroughput(): Promise<void> {
  const g = await gate({ kind: 'library', venue: 'bench' });
  const card = loadCardFixture('ssc-3rd-zhengzhou');
  for (let i = 0; i < 50; i++) await tapIn(g, card);
  const run = async (loop: (until: number) => Promise<number>[]) => {
    const t0 = performance.now();
    const counts = await Promise.all(loop(t0 + SECONDS * 1000));
    return counts.reduce((a, b) => a + b, 0) / ((performance.now() - t0) / 1000);
  };
  const cardLoop = async (until: number) => {
    let n = 0;
    while (performance.now() < until) {
      await breathe();
      await tapIn(g, card);
      n++;
    }
    return n;
  };
  const phones = Array.from({ length: 100 }, (_, i) => world.phone(`410100D15600000592000000${String(i).padStart(8, '0')}`));
  const codeLoop = async (until: number) => {
    let n = 0;
    while (performance.now() < until) {
      await breathe();
      await scanIn(g, phones[n % 100]!.code('culture'));
      n++;
    }
    return n;
  };
  const journal0 = g.t.services.journal.syncPosition().head;
  const cardsOnly = await run((u) => [cardLoop(u)]);
  const both = await run((u) => [cardLoop(u), codeLoop(u)]);
  const durable = Number(g.t.services.journal.syncPosition().head - journal0);
  report('throughput library gate (one reader; every decision durable before shown)', { card_taps_per_s: cardsOnly, card_and_code_at_once_per_s: both, journaled: durable });
  await g.close();

  const b = await gate({ kind: 'bus', line: 26, fareProfile: 'bus-26' }, { psam: true });
  const cards = tunionCards(128);
  let i = 0;
  const busLoop = async (until: number) => {
    let n = 0;
    while (performance.now() < until) {
      await breathe();
      const c = cards[i++ % 128]!;
      c.purse.state.balanceFen = 1_000_00;
      await tapIn(b, c.card);
      n++;
    }
    return n;
  };
  report('throughput bus validator (T-Union through the PSAM: intent + result durable per tap)', { card_taps_per_s: await run((u) => [busLoop(u)]) });
  await b.close();
}

// --- 3. over pcscd + vpcd ---------------------------------------------------------------------------------

async function benchStack(): Promise<void> {
  const h = await PcscdHarness.start({ vpcdInstances: 1, nodelay: true });
  h.useInThisProcess();
  const [CARD, SAMR] = [h.slots[0]!.reader, h.slots[1]!.reader];
  const cardBridge = new VpcdBridge({ port: h.slots[0]!.port });
  const samBridge = new VpcdBridge({ port: h.slots[1]!.port });
  await samBridge.insert(loadPsam('psam-test-1').card);
  try {
    const one = async (name: string, profile: Record<string, unknown>, cardFor: (i: number) => EmulatedCard, before?: (t: Terminal) => void) => {
      const id = `T-BENCH-PCSC-${++seq}`;
      const config: TerminalConfig = world.terminalConfig({ id, profile, config: { display: { enabled: false }, transit: { samReader: SAMR } } });
      const driver = new PcscReaderDriver({ config: { apduTimeoutMs: 2000, closeGraceMs: 300, interfaces: [{ match: CARD, interface: 'contactless' }], watch: { waitTimeoutMs: 1000, backoffInitialMs: 50, backoffMaxMs: 400 } } });
      const events = new EventRecorder(driver);
      const t = await Terminal.start({ config, driver, scanners: [], log: quiet, downloads: false, sync: false, clock });
      await t.pollDownloads();
      const samples: Sample[] = [];
      try {
        for (let i = -3; i < N_STACK; i++) {
          before?.(t);
          const decided = nextDecision(t, CARD);
          events.mark();
          const t0 = performance.now();
          await cardBridge.insert(cardFor(i));
          const ev = await decided;
          const wall = performance.now() - t0;
          await cardBridge.remove();
          await events.cardRemoved(CARD);
          if (i >= 0) samples.push({ wall, total: ev.latency.total ?? NaN, ev });
        }
      } finally {
        events.unsubscribe();
        await t.stop();
      }
      summarise(`pcscd+vpcd ${name}`, samples);
    };
    const ssc = loadCardFixture('ssc-3rd-zhengzhou');
    await one('library: SSSE card', { kind: 'library' }, () => ssc);
    const cards = tunionCards(32);
    await one('bus: T-Union through the PSAM (slot 00 01)', { kind: 'bus', line: 26, fareProfile: 'bus-26' }, (i) => {
      const c = cards[(i + 32) % 32]!;
      c.purse.state.balanceFen = 1_000_00;
      return c.card;
    });
    const full = zhengzhouFull();
    await one(
      'canteen: social security card, qPBOC/EC',
      { kind: 'canteen', dailyLimitFen: 0, subsidy: { enabled: false }, operatorApi: { enabled: false } },
      () => {
        topUpEc(full);
        return full;
      },
      (t) => operatorConsoleOf(t.profile)!.setAmount(12_50),
    );
  } finally {
    await cardBridge.close();
    await samBridge.close();
    await h.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------

console.log(`bench/runtime — ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, load ${loadavg().map((l) => fmt(l, 2)).join(' ')}, node ${process.version}`);
try {
  world = await startLocalWorld({ dir: join(dir, 'world'), profile: { kind: 'library' }, clock, config: { display: { enabled: false } } });
  await benchStartInProcess();
  if (PROCESS) await benchStartProcess();
  await benchInProcess();
  await benchThroughput();
  if (STACK) await benchStack();
} finally {
  await world?.close();
  rmSync(dir, { recursive: true, force: true });
}
