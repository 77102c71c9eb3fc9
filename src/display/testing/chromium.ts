/**
 * Test helpers: Debian's Chromium driven by playwright-core, and a handle on the customer display
 * page that waits for the state the runtime caused. For stack tests only (playwright-core is a dev
 * dependency; nothing in the runtime imports this file).
 *
 *   const browser = await launchChromium();
 *   const display = await openDisplay(browser, server.url);
 *   hub.setState(...)            // or: tap a card on the emulated reader
 *   await display.waitForView({ kind: 'approved' });
 *   await display.screenshot('approved');
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { projectRoot } from '../../core/paths';

// The callbacks given to page.evaluate run in the page; the repo compiles without the DOM library, so
// the little of it they use is declared here, for this module only.
interface PageElement {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  hidden: boolean;
  querySelector(selector: string): PageElement | null;
}
declare const document: { body: PageElement; getElementById(id: string): PageElement | null; querySelectorAll(selector: string): Iterable<PageElement> };

export const CHROMIUM_PATH = process.env.YKT_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for tests and for the kiosk alike (docs/display.md): no network chatter, sound without a gesture. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export const SCREENSHOT_DIR = join(projectRoot(), 'test-artifacts', 'display');

export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launch Chromium with a fresh user-data-dir. Fails loudly when Chromium is not installed. */
export async function launchChromium(opts: { args?: string[]; viewport?: { width: number; height: number } } = {}): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium; listed in .ci/system-packages.txt) or set YKT_CHROMIUM`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'ykt-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: opts.args ?? CHROMIUM_ARGS,
      viewport: opts.viewport ?? { width: 1024, height: 600 },
      locale: 'zh-CN',
      timeout: 60_000,
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface ViewWait {
  kind?: string;
  tone?: string;
  /** Wait until the page shows a view with seq >= this (hub.view().seq after a setState). */
  minSeq?: number;
  connection?: 'connecting' | 'live' | 'lost';
}

export interface DisplayPageState {
  kind: string;
  tone: string;
  icon: string;
  seq: number;
  connection: string;
  lastAudio: string[];
  audioPlayed: string[];
  audioState: string;
  headline: { zh: string; en: string };
  rows: Record<string, { label: string; value: string }>;
  reason: { zh: string; en: string } | null;
}

export interface DisplayPage {
  readonly page: Page;
  state(): Promise<DisplayPageState>;
  waitForView(w: ViewWait, timeoutMs?: number): Promise<DisplayPageState>;
  /** Wait until the current audio sequence has finished (data-audio-state = ended). */
  waitForAudioEnded(timeoutMs?: number): Promise<DisplayPageState>;
  /** Save test-artifacts/display/<name>.png; returns the path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openDisplay(browser: Chromium, baseUrl: string, path = '/'): Promise<DisplayPage> {
  const page = await browser.context.newPage();
  await page.goto(new URL(path, baseUrl).href);
  await page.waitForFunction(() => document.body.dataset.connection === 'live', undefined, { timeout: 15_000 });
  const state = () =>
    page.evaluate((): DisplayPageState => {
      const b = document.body.dataset;
      const split = (s: string | undefined) => (s ? s.split(' ').filter(Boolean) : []);
      const rows: Record<string, { label: string; value: string }> = {};
      for (const r of document.querySelectorAll('#rows .row')) rows[r.dataset.row ?? '?'] = { label: r.querySelector('dt')?.textContent ?? '', value: r.querySelector('dd')?.textContent ?? '' };
      const reasonEl = document.getElementById('reason')!;
      return {
        kind: b.kind ?? '',
        tone: b.tone ?? '',
        icon: b.icon ?? '',
        seq: Number(b.viewSeq ?? 0),
        connection: b.connection ?? '',
        lastAudio: split(b.lastAudio),
        audioPlayed: split(b.audioPlayed),
        audioState: b.audioState ?? '',
        headline: { zh: document.getElementById('headline-zh')!.textContent ?? '', en: document.getElementById('headline-en')!.textContent ?? '' },
        rows,
        reason: reasonEl.hidden ? null : { zh: document.getElementById('reason-zh')!.textContent ?? '', en: document.getElementById('reason-en')!.textContent ?? '' },
      };
    });
  return {
    page,
    state,
    async waitForView(w, timeoutMs = 10_000) {
      await page.waitForFunction(
        (w: ViewWait) => {
          const b = document.body.dataset;
          return (w.kind === undefined || b.kind === w.kind) && (w.tone === undefined || b.tone === w.tone) && (w.minSeq === undefined || Number(b.viewSeq) >= w.minSeq) && (w.connection === undefined || b.connection === w.connection);
        },
        w,
        { timeout: timeoutMs },
      );
      return state();
    },
    async waitForAudioEnded(timeoutMs = 30_000) {
      await page.waitForFunction(() => document.body.dataset.audioState === 'ended', undefined, { timeout: timeoutMs });
      return state();
    },
    async screenshot(name) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = join(SCREENSHOT_DIR, `${name.replace(/[^a-zA-Z0-9_-]/g, '_')}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    close: () => page.close(),
  };
}
