/**
 * `ykt demo` — the embedded default. A local world (clearing backend on loopback with SQLite, TEST-signed
 * downloads), then for each place of use a real Terminal (the same code `ykt start` runs) on the
 * in-process reader and scanner: the script's taps and codes are played and each decision is printed
 * as it is decided; then the terminal's journal is synced to the backend and the acknowledgement shown.
 * The customer display is served on loopback throughout (one URL: each terminal binds the same port).
 * Nothing leaves loopback; no Debian package is needed (the virtual driver only).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualReaderDriver, VirtualScanner } from '../../../drivers/virtual/index';
import { ConfigError, errorMessage } from '../../core/errors';
import { loadCardFixture } from '../../emulator/card-fixture';
import { loadPbocCard } from '../../emulator/pboc/card';
import { loadPsam, loadTransitCard } from '../../emulator/transit/fixtures';
import type { EmulatedCard } from '../../emulator/types';
import { createKeystore } from '../../journal';
import { createLogger, type Logger } from '../../log/logger';
import type { DecisionEvent } from '../events';
import { Terminal } from '../terminal';
import { formatDecision, formatSegmentHeader } from './print';
import { DEMO_SEGMENTS, LOST_PHONE_LABEL, demoHotlist, type DemoContext, type DemoSegment, type Expect } from './script';
import { startLocalWorld, testSeed, type DemoPhone, type LocalWorld } from './world';

export const DEMO_READER = 'Emulated Contactless Reader 00 00';
export const DEMO_SCANNER = 'Emulated Scanner';
/** The transport PSAM's slot (transit profiles). */
export const DEMO_SAM_READER = 'Emulated SAM Reader 00 01';

/** What outlives one terminal in the demo: the physical cards (their balances) and the holders' phones. */
interface DemoEnv {
  dir: string;
  card(name: string): EmulatedCard;
  phone(cardId: string, label?: string): DemoPhone;
}

function demoEnv(dir: string, world: LocalWorld): DemoEnv {
  const cards = new Map<string, EmulatedCard>();
  const phones = new Map<string, DemoPhone>();
  return {
    dir,
    card(name) {
      let c = cards.get(name);
      if (!c) {
        const [kind, file] = name.includes('/') ? (name.split('/', 2) as [string, string]) : ['ssc', name];
        c = kind === 'transit' ? loadTransitCard(file).card : kind === 'pboc' ? loadPbocCard(file) : loadCardFixture(file);
        cards.set(name, c);
      }
      return c;
    },
    phone(cardId, label) {
      const key = `${cardId}/${label ?? ''}`;
      let p = phones.get(key);
      if (!p) phones.set(key, (p = world.phone(cardId, label ? { label } : {})));
      return p;
    },
  };
}

export interface DemoIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface DemoOptions {
  io: DemoIo;
  /** Segment ids to play (default: all whose profile exists in this build). */
  only?: string[];
  /** Print one JSON object per line instead of text. */
  json?: boolean;
  /** Display port: default 8480 when free, else any free port; 0 = a new free port per terminal. */
  port?: number;
  /** Pause between steps, ms (to watch the display). */
  paceMs?: number;
  /** Keep the last terminal and its display running until `untilStopped` resolves. */
  keep?: boolean;
  untilStopped?: () => Promise<unknown>;
  /** Keep the world's and terminals' files here (default: a temporary folder, removed at the end). */
  dir?: string;
  /** Runtime logs (JSON lines) to stderr instead of <dir>/demo.log. */
  verbose?: boolean;
  /** Segments to play instead of DEMO_SEGMENTS (tests). */
  segments?: DemoSegment[];
  /** Longest wait for the backend's acknowledgement of one terminal's records, ms. */
  syncTimeoutMs?: number;
}

export interface DemoDecision {
  segment: string;
  step: string;
  expected: Expect;
  ok: boolean;
  event: DecisionEvent;
}

export interface DemoResult {
  /** 0 when every decision was as scripted and every record acknowledged; 1 otherwise. */
  code: number;
  decisions: DemoDecision[];
  skipped: { segment: string; why: string }[];
  synced: { segment: string; terminalId: string; records: number; ackedThrough: string; backendRecords: number; ok: boolean }[];
  displayUrls: string[];
}

/** 8480 when free (the default display port), else a free one: the demo's display keeps one URL. */
async function pickPort(wanted: number | undefined): Promise<number> {
  if (wanted === 0) return 0;
  const tryListen = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(undefined));
      s.listen({ host: '127.0.0.1', port }, () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
  return (await tryListen(wanted ?? 8480)) ?? (wanted !== undefined ? failPort(wanted) : (await tryListen(0))!);
}

function failPort(port: number): never {
  throw new ConfigError('--port', `port ${port} on 127.0.0.1 is in use`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const { io } = o;
  const logLines: string[] = [];
  const log: Logger = createLogger({ component: 'ykt', level: o.verbose ? 'debug' : 'info', sink: o.verbose ? (l) => process.stderr.write(l + '\n') : (l) => void logLines.push(l) });
  const result: DemoResult = { code: 0, decisions: [], skipped: [], synced: [], displayUrls: [] };
  const segments = (o.segments ?? DEMO_SEGMENTS).filter((s) => !o.only?.length || o.only.some((x) => s.id === x || s.id.startsWith(`${x}-`)));
  if (o.only?.length && segments.length === 0) throw new ConfigError('--profile', `no demo segment "${o.only.join(',')}" (segments: ${(o.segments ?? DEMO_SEGMENTS).map((s) => s.id).join(', ')})`);
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'ykt-demo-'));
  const logFile = join(dir, 'demo.log');

  const lostPhoneSerial = Buffer.from(testSeed('serial:' + LOST_PHONE_LABEL).subarray(0, 8)).toString('hex').toUpperCase();
  const t0 = performance.now();
  const say = (line: string) => (o.json ? undefined : io.out(line));
  let world: LocalWorld | undefined;
  /** The terminal playing now (stopped in `finally` whatever happens, so that nothing keeps running). */
  const live: { terminal?: Terminal } = {};
  try {
    world = await startLocalWorld({ dir: join(dir, 'world'), profile: { kind: 'library' }, hotlisted: demoHotlist(lostPhoneSerial), config: { display: { enabled: false } } });
    const port = await pickPort(o.port);
    const env = demoEnv(dir, world);
    say(`ykt demo: local clearing backend ${world.backendUrl} (SQLite, TEST-signed downloads: hotlist, fares, CA keys, e-code lists) — ${(performance.now() - t0).toFixed(0)} ms`);
    if (port !== 0) say(`customer display: http://127.0.0.1:${port}/  (maintenance page /maintenance)${o.keep ? '' : ' — add --keep to keep it running after the script'}`);

    for (const [i, seg] of segments.entries()) {
      const played = await playSegment(o, world, env, seg, port, log, result, say, live);
      if (!played || (o.keep && i === segments.length - 1)) continue;
      await played.stop();
      live.terminal = undefined;
    }
    const bad = result.decisions.filter((d) => !d.ok).length + result.synced.filter((s) => !s.ok).length;
    if (bad) result.code = 1;
    say('');
    say(
      `${result.decisions.length} decisions in ${segments.length - result.skipped.length} terminals, ${result.decisions.filter((d) => d.ok).length} as scripted; ${result.synced.reduce((a, s) => a + s.backendRecords, 0)} records held by the backend` +
        (bad ? ` — ${bad} DIFFERENT FROM THE SCRIPT (see above)` : '') +
        ` — ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (o.keep && live.terminal) {
      say(`--keep: the ${live.terminal.profileName} terminal and its display ${live.terminal.displayUrl}/ stay up; Ctrl-C (SIGINT) or SIGTERM stops them`);
      await (o.untilStopped ? o.untilStopped() : new Promise<void>(() => {}));
    }
  } finally {
    await live.terminal?.stop().catch(() => {});
    await world?.close();
    if (o.dir) writeFileSync(logFile, logLines.join('\n') + '\n');
    else rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

/** One terminal: start it, play its steps, wait for its records to be acknowledged. */
async function playSegment(
  o: DemoOptions,
  world: LocalWorld,
  env: DemoEnv,
  seg: DemoSegment,
  port: number,
  log: Logger,
  result: DemoResult,
  say: (l: string) => void,
  live: { terminal?: Terminal },
): Promise<Terminal | undefined> {
  const profile = typeof seg.profile === 'function' ? seg.profile({ dir: env.dir, world }) : seg.profile;
  const sections: Record<string, unknown> = { ...seg.config, display: { port, ...(seg.config?.display as object | undefined) } };
  if (seg.psam) sections.transit = { ...(seg.config?.transit as object | undefined), samReader: DEMO_SAM_READER };
  const config = world.terminalConfig({ id: seg.terminalId, profile, config: sections });
  // Provision the keystore and enrol the terminal at the backend before it starts (as an installer does).
  mkdirSync(config.terminal.dataDir, { recursive: true });
  const keystore = createKeystore(config.journal.keystorePath);
  await world.enrolTerminal(keystore.publicKey, seg.terminalId);

  const driver = new VirtualReaderDriver({ readers: [{ name: DEMO_READER, interface: 'contactless' }] });
  if (seg.psam) {
    driver.addReader(DEMO_SAM_READER, { interface: 'contact' });
    driver.insertCard(DEMO_SAM_READER, loadPsam(seg.psam).card);
  }
  const scanner = new VirtualScanner(DEMO_SCANNER);
  let terminal: Terminal;
  try {
    terminal = await Terminal.start({ config, driver, scanners: [scanner], log: log.child(seg.id), downloads: false });
  } catch (e) {
    await driver.close();
    if (e instanceof ConfigError && e.field === 'profile.kind') {
      result.skipped.push({ segment: seg.id, why: e.why });
      say(`\n${seg.title}\n  (skipped: ${e.why})`);
      return undefined;
    }
    throw e;
  }
  live.terminal = terminal;
  await terminal.pollDownloads(); // the signed downloads, before the first tap
  if (terminal.displayUrl) result.displayUrls.push(terminal.displayUrl);
  say('');
  say(formatSegmentHeader(seg, terminal));

  const ctx: DemoContext = { world, terminal, dir: env.dir, phone: env.phone };
  for (const step of seg.steps) {
    if (o.paceMs) await sleep(o.paceMs);
    const decided = step.kind === 'operator' && !step.expect ? undefined : terminal.nextDecision();
    if (step.kind === 'operator') {
      await step.act(ctx);
      if (!decided) {
        say(`  ${step.label}`);
        continue;
      }
    } else if (step.kind === 'tap') driver.insertCard(DEMO_READER, env.card(step.card));
    else {
      const text = step.code(ctx);
      ctx.lastCode = text;
      scanner.present(text);
    }
    const ev = await decided!;
    if (step.kind === 'tap') driver.removeCard(DEMO_READER);
    const expect = step.expect!;
    const ok = ev.outcome === expect.outcome && (expect.reason === undefined || ev.reason === expect.reason);
    result.decisions.push({ segment: seg.id, step: step.label, expected: expect, ok, event: ev });
    if (o.json) o.io.out(JSON.stringify({ segment: seg.id, step: step.label, expected: expect, asScripted: ok, ...ev }));
    else say(formatDecision(step.label, ev, ok ? undefined : expect));
  }

  // The sync loop forwards the journal in the background; show the backend's acknowledgement.
  const j = terminal.services.journal;
  const deadline = performance.now() + (o.syncTimeoutMs ?? 10_000);
  while (j.syncPosition().unsent > 0n && performance.now() < deadline) await sleep(20);
  const pos = j.syncPosition();
  let backendRecords = 0;
  try {
    backendRecords = (await world.report(seg.terminalId)).records;
  } catch (e) {
    say(`  sync: the backend could not be asked: ${errorMessage(e)}`);
  }
  const ok = pos.unsent === 0n && BigInt(backendRecords) === pos.head;
  result.synced.push({ segment: seg.id, terminalId: seg.terminalId, records: Number(pos.head), ackedThrough: pos.ackedThrough.toString(), backendRecords, ok });
  if (o.json) o.io.out(JSON.stringify({ segment: seg.id, sync: { terminalId: seg.terminalId, journalHead: pos.head.toString(), ackedThrough: pos.ackedThrough.toString(), unsent: pos.unsent.toString(), backendRecords, ok } }));
  else say(ok ? `  sync: ${backendRecords} records acknowledged by the backend (journal #1…#${pos.ackedThrough}, hash chain and signature verified there)` : `  sync: NOT COMPLETE — ${pos.unsent} records unsent, backend holds ${backendRecords}`);
  return terminal;
}
