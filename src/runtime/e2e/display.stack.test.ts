/**
 * The customer display end to end in real Chromium (Debian's /usr/bin/chromium through playwright-core):
 * a card tapped on the runtime's emulated reader (VirtualReaderDriver) changes the page served by the
 * running Terminal — idle → result → idle — and a decline shows its reason in plain words. Screenshots
 * are kept in test-artifacts/runtime/ (gitignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../core/paths';
import { launchChromium, openDisplay, type Chromium, type DisplayPage } from '../../display/testing/chromium';
import { loadCardFixture } from '../../emulator/card-fixture';
import type { DecisionEvent } from '../events';
import { loadTransitCard } from '../../emulator/transit/fixtures';
import type { EmulatedCard } from '../../emulator/types';
import { TestClock, cst } from '../profiles/transit/testing';
import { READER, startHarness, type Harness } from '../testing/harness';

const SHOTS = join(projectRoot(), 'test-artifacts', 'runtime');

let h: Harness;
let browser: Chromium;
let page: DisplayPage;

async function shot(name: string): Promise<void> {
  await page.page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Put a card on the emulated reader; resolves with the decision (the card stays until removed). */
function present(fixture: string | EmulatedCard): Promise<DecisionEvent> {
  const decided = h.terminal.nextDecision();
  h.driver.insertCard(READER, typeof fixture === 'string' ? loadCardFixture(fixture) : fixture);
  return decided;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  h = await startHarness({
    profile: { kind: 'library', venue: 'city-library' },
    hotlisted: [{ kind: 'ssc', id: 'G44003003' }],
    config: { display: { enabled: true, port: 0, approvedHoldMs: 1500, declinedHoldMs: 1500, speech: { enabled: false } } },
  });
  expect(h.terminal.displayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  browser = await launchChromium();
  page = await openDisplay(browser, h.terminal.displayUrl!);
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('customer display served by the running terminal, in Chromium', () => {
  it('idle: the bilingual tap-or-scan prompt', async () => {
    const s = await page.waitForView({ kind: 'idle' });
    expect(s.headline.zh).toMatch(/请刷卡/);
    expect(s.headline.en).toMatch(/tap/i);
    await shot('library-idle');
  });

  it('a tap on the emulated reader: idle → approved (welcome) → idle', async () => {
    const before = (await page.state()).seq;
    const ev = await present('ssc-3rd-zhengzhou');
    expect(ev).toMatchObject({ outcome: 'approved', reason: 'entry' });
    const s = await page.waitForView({ kind: 'approved', minSeq: before + 1 });
    expect(s.tone).toBe('ok');
    expect(s.reason).toBeNull();
    await shot('library-approved');
    h.driver.removeCard(READER);
    const back = await page.waitForView({ kind: 'idle', minSeq: s.seq + 1 }, 10_000);
    expect(back.headline.zh).toMatch(/请刷卡/);
  });

  it('a declined card shows the reason in plain words, then idle again', async () => {
    const before = (await page.state()).seq;
    const ev = await present('ssc-expired');
    expect(ev).toMatchObject({ outcome: 'declined', reason: 'expired' });
    const s = await page.waitForView({ kind: 'declined', minSeq: before + 1 });
    expect(s.reason).toEqual({ zh: '此卡已过期', en: 'This card has expired.' });
    expect(s.tone).toBe('bad');
    await shot('library-declined-expired');
    h.driver.removeCard(READER);
    await page.waitForView({ kind: 'idle', minSeq: s.seq + 1 }, 10_000);

    const lost = await present('ssc-3rd-guangzhou-elderly');
    expect(lost.reason).toBe('hotlisted');
    const s2 = await page.waitForView({ kind: 'declined', minSeq: s.seq + 2 });
    expect(s2.reason).toEqual({ zh: '此卡已挂失或停用', en: 'This card has been reported lost or is blocked.' });
    await shot('library-declined-hotlisted');
    h.driver.removeCard(READER);
  });
  it('a code shown twice: the second is declined as already used, in plain words', async () => {
    const code = h.world.phone('330300D1560000050000000000002002').code('culture');
    const before = (await page.state()).seq;
    expect(await h.scan(code)).toMatchObject({ outcome: 'approved', source: 'ecode' });
    const ok = await page.waitForView({ kind: 'approved', minSeq: before + 1 });
    await page.waitForView({ kind: 'idle', minSeq: ok.seq + 1 }, 10_000);
    expect(await h.scan(code)).toMatchObject({ outcome: 'declined', reason: 'ecode-replayed' });
    const s = await page.waitForView({ kind: 'declined', minSeq: ok.seq + 2 });
    expect(s.reason).toEqual({ zh: '此码已使用，请刷新', en: 'This code was already used. Please refresh it.' });
    await shot('library-declined-code-replayed');
  });
});

describe('bus validator display: amount, concession and balance', () => {
  let bus: Harness;
  let busPage: DisplayPage;

  beforeAll(async () => {
    // a weekday at 08:00 CST (peak: no off-peak concession), so the amounts are those of the fare file
    bus = await startHarness({
      profile: { kind: 'bus', line: 26, fareProfile: 'bus-26' },
      psam: 'psam-test-1',
      clock: new TestClock(cst('2026-11-25T08:00')),
      config: { display: { enabled: true, port: 0, approvedHoldMs: 1500, declinedHoldMs: 1500, speech: { enabled: false } } },
    });
    busPage = await openDisplay(browser, bus.terminal.displayUrl!);
  });

  afterAll(async () => {
    await busPage?.close();
    await bus?.close();
  });

  const busTap = (card: EmulatedCard): Promise<DecisionEvent> => {
    const decided = bus.terminal.nextDecision();
    bus.driver.insertCard(READER, card);
    return decided;
  };

  it('a student card: idle → result with the amount paid, the full fare, the concession and the balance → idle', async () => {
    const idle = await busPage.waitForView({ kind: 'idle' });
    await busPage.page.screenshot({ path: join(SHOTS, 'bus-idle.png') });
    const ev = await busTap(loadTransitCard('tunion-student-sm4').card);
    expect(ev).toMatchObject({ outcome: 'approved', amountFen: 100, fullAmountFen: 200, concession: 'student', balanceFen: 4900 });
    const s = await busPage.waitForView({ kind: 'approved', minSeq: idle.seq + 1 });
    expect(s.rows.amount?.value).toContain('¥1.00');
    expect(s.rows['full-fare']?.value).toContain('¥2.00');
    expect(s.rows.concession).toBeDefined();
    expect(s.rows.balance?.value).toContain('¥49.00');
    await busPage.page.screenshot({ path: join(SHOTS, 'bus-approved-student.png') });
    bus.driver.removeCard(READER);
    await busPage.waitForView({ kind: 'idle', minSeq: s.seq + 1 }, 10_000);
  });

  it('too little on the card: declined, "please top up" in plain words, the balance shown', async () => {
    const before = (await busPage.state()).seq;
    const ev = await busTap(loadTransitCard('faulty-low-balance').card);
    expect(ev).toMatchObject({ outcome: 'declined', reason: 'insufficient-funds', balanceFen: 150 });
    const s = await busPage.waitForView({ kind: 'declined', minSeq: before + 1 });
    expect(s.reason).toEqual({ zh: '余额不足，请充值', en: 'Balance too low. Please top up.' });
    expect(s.rows.balance?.value).toContain('¥1.50');
    await busPage.page.screenshot({ path: join(SHOTS, 'bus-declined-low-balance.png') });
    bus.driver.removeCard(READER);
    await busPage.waitForView({ kind: 'idle', minSeq: s.seq + 1 }, 10_000);
  });
});
