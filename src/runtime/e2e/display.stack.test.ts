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
import { READER, startHarness, type Harness } from '../testing/harness';

const SHOTS = join(projectRoot(), 'test-artifacts', 'runtime');

let h: Harness;
let browser: Chromium;
let page: DisplayPage;

async function shot(name: string): Promise<void> {
  await page.page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Put a card on the emulated reader; resolves with the decision (the card stays until removed). */
function present(fixture: string): Promise<DecisionEvent> {
  const decided = new Promise<DecisionEvent>((resolve) => {
    const off = h.terminal.onDecision((ev) => {
      off();
      resolve(ev);
    });
  });
  h.driver.insertCard(READER, loadCardFixture(fixture));
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
});
