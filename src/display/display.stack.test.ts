/**
 * The customer display and maintenance page in real Chromium (Debian's /usr/bin/chromium through
 * playwright-core), driven through DisplayHub exactly as the runtime drives it. Screenshots go to
 * test-artifacts/display/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock';
import { createTerminalMetrics } from '../metrics/terminal';
import type { TerminalState } from '../runtime/events';
import { parseDisplayConfig } from './config';
import { DisplayHub, ManualScheduler } from './hub';
import type { MaintenanceSnapshot } from './maintenance';
import { startDisplayServer, type DisplayServer } from './server';
import { launchChromium, openDisplay, SCREENSHOT_DIR, type Chromium, type DisplayPage } from './testing/chromium';
import { decision } from './testing/fixtures';

const NOW = Date.UTC(2026, 10, 22, 8, 0, 0);
const TOKEN = 'maintenance-token-0123456789';
const idle: TerminalState = { kind: 'idle', profile: 'bus', prompt: 'tap-or-scan' };

const snapshot = (): MaintenanceSnapshot => ({
  terminalId: 'T-4101-0007',
  softwareVersion: '0.1.0',
  profile: 'bus',
  startedAtMs: NOW - 5_400_000,
  devices: [
    { name: 'ACS ACR1252 01 00', kind: 'reader', state: 'ready', driver: 'pcsc' },
    { name: 'scanner-1', kind: 'scanner', state: 'error', detail: 'no answer for 30 s; reopening' },
  ],
  artefacts: [
    { kind: 'hotlist', version: 42, created: NOW - 7_200_000, maxAgeMs: 86_400_000, stale: false, problem: null },
    { kind: 'fare-params', version: 7, created: NOW - 3 * 86_400_000, maxAgeMs: 30 * 86_400_000, stale: false, problem: null },
    { kind: 'ecode-trust', version: null, created: null, stale: true, problem: 'missing' },
  ],
  unsentRecords: 17,
  oldestUnsentAtMs: NOW - 600_000,
  lastSync: { atMs: NOW - 60_000, ok: false, detail: 'backend unreachable' },
  journal: { inService: true },
});

/** WCAG contrast of the body's computed text and background colours, in the page. */
async function bodyContrast(d: DisplayPage): Promise<number> {
  return d.page.evaluate(() => {
    const rgb = (s: string) => (s.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
    const lum = (c: number[]) =>
      c.map((v) => v / 255).map((s) => (s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4)).reduce((a, s, i) => a + s * [0.2126, 0.7152, 0.0722][i]!, 0);
    // @ts-expect-error -- runs in the page (no DOM library in this repo's compile)
    const st = getComputedStyle(document.body);
    const [a, b] = [lum(rgb(st.color)), lum(rgb(st.backgroundColor))].sort((x, y) => y - x);
    return (a! + 0.05) / (b! + 0.05);
  });
}

describe('customer display in Chromium', () => {
  let browser: Chromium;
  let server: DisplayServer;
  let hub: DisplayHub;
  let scheduler: ManualScheduler;
  let display: DisplayPage;

  beforeAll(async () => {
    const clock = new ManualClock(NOW);
    scheduler = new ManualScheduler();
    const config = parseDisplayConfig({ port: 0, heartbeatMs: 1000, disconnectedAfterMs: 2500, maintenance: { token: TOKEN } });
    hub = new DisplayHub({ config, clock, scheduler });
    server = await startDisplayServer({ hub, maintenance: { snapshot }, metrics: createTerminalMetrics(), clock });
    browser = await launchChromium();
    display = await openDisplay(browser, server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows "starting" until the runtime is ready, then the idle prompt (silent by default)', async () => {
    let s = await display.waitForView({ kind: 'out-of-service' });
    expect(s.headline).toEqual({ zh: '正在启动', en: 'Starting' });
    hub.setState(idle);
    s = await display.waitForView({ kind: 'idle' });
    expect(s).toMatchObject({ tone: 'neutral', icon: 'scan', headline: { zh: '请刷卡或扫码', en: 'Please tap your card or scan your code' }, rows: {}, reason: null, lastAudio: [], audioState: 'idle' });
    expect(await bodyContrast(display)).toBeGreaterThanOrEqual(7);
    await display.screenshot('01-idle');
  });

  it('processing → approved with amount, concession and balance, spoken in Mandarin then English', async () => {
    hub.setState({ kind: 'processing', profile: 'bus' });
    let s = await display.waitForView({ kind: 'processing' });
    expect(s).toMatchObject({ tone: 'busy', icon: 'wait', headline: { zh: '正在处理', en: 'Processing' } });
    await display.screenshot('02-processing');

    const v = hub.setState({ kind: 'result', decision: decision({ amountFen: 100, fullAmountFen: 200, concession: 'elderly', balanceFen: 1250 }) });
    s = await display.waitForView({ kind: 'approved', minSeq: v.seq });
    expect(s).toMatchObject({ tone: 'ok', icon: 'check', headline: { zh: '交易成功', en: 'Approved' }, reason: null });
    expect(s.rows).toEqual({
      amount: { label: '扣款Paid', value: '¥1.00' },
      'full-fare': { label: '原价Full fare', value: '¥2.00' },
      concession: { label: '优惠Concession', value: '老年卡 半价Elderly card: half fare' },
      balance: { label: '余额Balance', value: '¥12.50' },
    });
    expect(s.lastAudio).toEqual(v.audio);
    expect(s.lastAudio.slice(0, 4)).toEqual(['zh.prompt.approved', 'zh.concession.elderly', 'zh.label.half-fare', 'zh.label.amount-paid']);
    expect(await bodyContrast(display)).toBeGreaterThanOrEqual(7);
    await display.screenshot('03-approved-elderly');
    // Real playback: every clip of the sequence played to its end, in order.
    s = await display.waitForAudioEnded(40_000);
    expect(s.audioPlayed).toEqual(v.audio);
  }, 60_000);

  it('keeps the result up for the hold time, then returns to the idle prompt', async () => {
    hub.setState(idle); // the runtime announces the next idle at once: deferred
    const before = await display.state();
    expect(before.kind).toBe('approved');
    scheduler.advance(3000);
    const s = await display.waitForView({ kind: 'idle', minSeq: hub.view().seq });
    expect(s.headline.zh).toBe('请刷卡或扫码');
  });

  it('a decline shows the reason in plain words, a different shape, and says it', async () => {
    const v = hub.setState({ kind: 'result', decision: decision({ outcome: 'declined', reason: 'insufficient-funds', message: 'balance too low: please top up', amountFen: 200, balanceFen: 50 }) });
    const s = await display.waitForView({ kind: 'declined', minSeq: v.seq });
    expect(s).toMatchObject({ tone: 'bad', icon: 'cross', headline: { zh: '交易失败', en: 'Declined' }, reason: { zh: '余额不足，请充值', en: 'Balance too low. Please top up.' } });
    expect(s.rows).toEqual({ amount: { label: '应付Amount due', value: '¥2.00' }, balance: { label: '余额Balance', value: '¥0.50' } });
    expect(s.lastAudio).toEqual(['zh.prompt.declined', 'zh.reason.low-balance', 'zh.label.balance', 'zh.n5', 'zh.jiao', 'en.prompt.declined', 'en.reason.low-balance', 'en.label.balance', 'en.n50', 'en.fen']);
    // The shape differs from an approval, not only the colour.
    expect(await display.page.locator('#icon use').getAttribute('href')).toBe('#i-cross');
    expect(await bodyContrast(display)).toBeGreaterThanOrEqual(7);
    await display.screenshot('04-declined-low-balance');
  });

  it('an unknown reason falls back to a generic sentence and the event message', async () => {
    const v = hub.setState({ kind: 'result', decision: decision({ outcome: 'declined', reason: 'new-rule-2027', message: 'this route is closed today' }) });
    const s = await display.waitForView({ kind: 'declined', minSeq: v.seq });
    expect(s.reason).toEqual({ zh: '无法完成，请联系工作人员', en: 'This route is closed today.' });
    expect(s.lastAudio).toContain('zh.reason.see-staff');
  });

  it('a warning (tap again) and cannot-decide use the warning scheme with the triangle', async () => {
    let v = hub.setState({ kind: 'result', decision: decision({ outcome: 'declined', reason: 'torn', message: 'card removed during payment' }) });
    let s = await display.waitForView({ kind: 'declined', minSeq: v.seq });
    expect(s).toMatchObject({ tone: 'warn', icon: 'alert', headline: { zh: '请重新刷卡', en: 'Please tap again' } });
    expect(await bodyContrast(display)).toBeGreaterThanOrEqual(7);
    await display.screenshot('05-tap-again');
    v = hub.setState({ kind: 'result', decision: decision({ outcome: 'cannot-decide', source: 'ecode', reason: 'trust-list-stale', message: 'x' }) });
    s = await display.waitForView({ kind: 'cannot-decide', minSeq: v.seq });
    expect(s).toMatchObject({ tone: 'warn', icon: 'alert', headline: { zh: '暂时无法处理', en: 'Cannot be processed now' } });
  });

  it('out of service: stop sign, plain reason, spoken once', async () => {
    const v = hub.setState({ kind: 'out-of-service', reason: 'journal-failed' });
    const s = await display.waitForView({ kind: 'out-of-service', minSeq: v.seq });
    expect(s).toMatchObject({ tone: 'off', icon: 'stop', headline: { zh: '暂停服务', en: 'Out of service' }, reason: { zh: '本机暂时无法记录，请联系工作人员', en: 'This terminal cannot record now. Please ask staff.' } });
    expect(s.lastAudio).toEqual(['zh.prompt.out-of-service', 'en.prompt.out-of-service']);
    expect(await bodyContrast(display)).toBeGreaterThanOrEqual(7);
    await display.screenshot('06-out-of-service');
  });

  it('maintenance page: devices, artefact versions and ages, sync, recent decisions masked', async () => {
    hub.setState({ kind: 'result', decision: decision({ seq: '77', profile: 'bus', maskedId: '11010519491231002X', amountFen: 200 }) });
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/maintenance`);
    await page.waitForFunction(() => (globalThis as unknown as { document: { body: { dataset: { state?: string } } } }).document.body.dataset.state === 'auth');
    await page.fill('#token', TOKEN);
    await page.click('#auth button');
    await page.waitForFunction(() => (globalThis as unknown as { document: { body: { dataset: { state?: string } } } }).document.body.dataset.state === 'ok');
    const text = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    for (const s of ['T-4101-0007', '0.1.0', 'ACS ACR1252 01 00', 'ready', 'ERROR', 'no answer for 30 s', 'hotlist', '42', '2 h 0 min', 'fare-params', '3 d 0 h', 'ecode-trust', 'MISSING', '17', 'FAILED: backend unreachable', '1101************2X', '¥2.00']) expect(text, s).toContain(s);
    expect(text).not.toContain('11010519491231002X');
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, '07-maintenance.png'), fullPage: true });
    // The token in the URL fragment works too (and is not sent to the server).
    const page2 = await browser.context.newPage();
    await page2.goto(`${server.url}/maintenance#token=${TOKEN}`);
    await page2.waitForFunction(() => (globalThis as unknown as { document: { body: { dataset: { state?: string } } } }).document.body.dataset.state === 'ok');
    expect(page2.url()).toBe(`${server.url}/maintenance`);
    await page.close();
    await page2.close();
  });

  it('shows out of service when the server goes away', async () => {
    hub.setState(idle, { immediate: true });
    await display.waitForView({ kind: 'idle', minSeq: hub.view().seq });
    await server.close();
    const s = await display.waitForView({ kind: 'out-of-service', connection: 'lost' }, 10_000);
    expect(s.reason).toEqual({ zh: '显示屏连接中断', en: 'Display disconnected.' });
    await display.screenshot('08-disconnected');
  });
});

describe('autoplay refused (no kiosk flag)', () => {
  // Chromium driven by playwright-core here plays media without a gesture whatever --autoplay-policy
  // says (checked with user-gesture-required and document-user-activation-required on Chromium 156),
  // so the refusal a headed kiosk without the flag gives is reproduced: play() rejects with
  // NotAllowedError until the user has interacted with the document — the policy as Chromium
  // documents it (https://developer.chrome.com/blog/autoplay). The page's handling is under test.
  it('offers a button; a tap unlocks sound and plays the sequence', async () => {
    const hub = new DisplayHub({ config: parseDisplayConfig({ port: 0, speech: { languages: ['zh'] } }), scheduler: new ManualScheduler() });
    const server = await startDisplayServer({ hub });
    const browser = await launchChromium();
    try {
      await browser.context.addInitScript(() => {
        // navigator.userActivation cannot be used: a navigation driven over CDP already counts as
        // activation. Activation-triggering input events (HTML § user activation) are tracked instead.
        const g = globalThis as unknown as { HTMLMediaElement: { prototype: { play: () => Promise<void> } }; addEventListener: (t: string, f: () => void, capture: boolean) => void; DOMException: new (m: string, n: string) => Error };
        let activated = false;
        for (const t of ['pointerdown', 'mousedown', 'keydown', 'touchend']) g.addEventListener(t, () => (activated = true), true);
        const play = g.HTMLMediaElement.prototype.play;
        g.HTMLMediaElement.prototype.play = function (this: unknown) {
          if (!activated) return Promise.reject(new g.DOMException("play() failed because the user didn't interact with the document first.", 'NotAllowedError'));
          return play.call(this);
        };
      });
      const display = await openDisplay(browser, server.url);
      hub.setState(idle);
      const v = hub.setState({ kind: 'result', decision: decision({ amountFen: 200 }) });
      await display.waitForView({ kind: 'approved', minSeq: v.seq });
      await display.page.waitForFunction(() => (globalThis as unknown as { document: { body: { dataset: { audioState?: string } } } }).document.body.dataset.audioState === 'blocked');
      expect(await display.page.locator('#sound').isVisible()).toBe(true);
      expect((await display.state()).audioPlayed).toEqual([]);
      await display.screenshot('09-sound-blocked');
      await display.page.click('#sound');
      const s = await display.waitForAudioEnded(20_000);
      expect(s.audioPlayed).toEqual(['zh.prompt.approved', 'zh.label.amount-paid', 'zh.liang', 'zh.yuan']);
      expect(await display.page.locator('#sound').isVisible()).toBe(false);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 60_000);
});
