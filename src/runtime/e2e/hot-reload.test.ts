// Hot reload: a new hotlist and a new fare set published to the local world's backend while taps and
// codes keep coming → applied by the running terminal without dropping a tap: every tap is decided and
// journaled in order (none refused or lost while the downloads applied), and the taps after the reload
// see the new lists.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturesDir } from '../../core/paths';
import { loadCardFixture } from '../../emulator/card-fixture';
import { hotlistKey } from '../../hotlist/key';
import { keysFromBigints } from '../../hotlist/keys';
import { fullHotlistPayload } from '../../hotlist/payload';
import type { DecisionEvent } from '../events';
import { TestClock, cst } from '../profiles/transit/testing';
import { startHarness, type Harness } from '../testing/harness';

const R1 = 'Emulated Contactless Reader 00 00';
const R2 = 'Emulated Contactless Reader 00 01';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A large list (so that applying it takes a while) that also holds the Wenzhou card. */
function bigHotlist(extraIds: string[], filler: number): Uint8Array {
  const keys: bigint[] = extraIds.map((id) => hotlistKey('ssc', id));
  const r = randomBytes(8 * filler);
  for (let i = 0; i < filler; i++) keys.push(r.readBigUInt64LE(8 * i));
  return fullHotlistPayload(keysFromBigints(keys));
}

describe('hot reload of downloads while taps continue', () => {
  it('a new hotlist and fare set apply between taps; no tap is dropped; later taps see the new list', async () => {
    h = await startHarness({ profile: { kind: 'library' }, readers: [R1, R2] });
    const { terminal, world, driver } = h;
    const decided: DecisionEvent[] = [];
    const decidedAt: number[] = [];
    terminal.onDecision((ev) => {
      decided.push(ev);
      decidedAt.push(performance.now());
    });
    const faresBefore = terminal.services.fares()?.version;
    expect(faresBefore).toBe('demo-2026-11.1');

    // Publish v2 of both while two readers keep tapping.
    const fares = JSON.parse(readFileSync(fixturesDir('transit', 'fares', 'demo-city.json'), 'utf8')) as { version: string; profiles: Record<string, { fareFen?: number }> };
    fares.version = 'demo-2026-11.2';
    fares.profiles['bus-26']!.fareFen = 250;
    world.publish('fare-params', 2, new TextEncoder().encode(JSON.stringify(fares)));
    world.publish('hotlist', 2, bigHotlist(['C33002002'], 400_000));

    let taps = 0;
    let polling = true;
    const tapLoop = async (reader: string, card: string) => {
      const seen: DecisionEvent[] = [];
      // Taps come from people: a macrotask between them (an in-process card answers on microtasks only,
      // and a loop of those would starve the download's I/O). Bounded, whatever happens.
      while (polling && seen.length < 5000) {
        await new Promise((r) => setImmediate(r));
        const next = terminal.nextDecision(reader);
        driver.insertCard(reader, loadCardFixture(card));
        taps++;
        seen.push(await next);
        driver.removeCard(reader);
      }
      return seen;
    };
    const loops = [tapLoop(R1, 'ssc-3rd-zhengzhou'), tapLoop(R2, 'ssc-2nd-wenzhou-t0')];
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    await terminal.pollDownloads(); // fetch, verify the signatures, apply 400 000 keys, swap in
    const t1 = performance.now();
    // a few more taps after the reload
    await new Promise((r) => setTimeout(r, 30));
    polling = false;
    const [z, w] = await Promise.all(loops);

    // every tap decided, each once, journaled in order with no gap
    expect(decided.length).toBe(taps);
    expect(z!.length + w!.length).toBe(taps);
    const seqs = decided.map((d) => BigInt(d.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : 1)));
    const recs = terminal.services.journal.list({ limit: 10_000 });
    expect(recs.map((r) => r.seq.toString())).toEqual(decided.map((d) => d.seq));
    // no tap failed because of the reload (no card/reader/internal errors)
    expect(decided.filter((d) => !['entry', 'hotlisted'].includes(d.reason))).toEqual([]);
    // taps went on being decided while the downloads were fetched and applied
    expect(decidedAt.filter((t) => t > t0 && t < t1).length).toBeGreaterThan(0);

    // the new versions are in force
    expect(terminal.services.artefacts.status('hotlist').version).toBe(2);
    expect(terminal.services.fares()?.version).toBe('demo-2026-11.2');
    // the Zhengzhou card was approved throughout; the Wenzhou card was approved until the list applied, declined after
    expect(z!.every((d) => d.outcome === 'approved')).toBe(true);
    const firstDeclined = w!.findIndex((d) => d.reason === 'hotlisted');
    expect(firstDeclined).toBeGreaterThan(-1);
    expect(w!.slice(firstDeclined).every((d) => d.reason === 'hotlisted')).toBe(true);
    expect(w!.slice(0, firstDeclined).every((d) => d.outcome === 'approved')).toBe(true);
    expect(await h.tap('ssc-2nd-wenzhou-t0')).toMatchObject({ outcome: 'declined', reason: 'hotlisted' });
  }, 60_000);

  it('a new fare set while riders keep scanning at a bus validator: every ride decided, the new fare from the reload on', async () => {
    // a weekday at 08:00 CST: peak, no off-peak concession
    h = await startHarness({ profile: { kind: 'bus', line: 26, fareProfile: 'bus-26' }, psam: 'psam-test-1', clock: new TestClock(cst('2026-11-25T08:00')) });
    const { terminal, world } = h;
    const fares = JSON.parse(readFileSync(fixturesDir('transit', 'fares', 'demo-city.json'), 'utf8')) as { version: string; profiles: Record<string, { fareFen?: number }> };
    fares.version = 'demo-2026-11.2';
    fares.profiles['bus-26']!.fareFen = 250;
    world.publish('fare-params', 2, new TextEncoder().encode(JSON.stringify(fares)));

    // each rider is another holder (no transfer, no daily cap): their e-code rides post-paid at the fare in force
    let polling = true;
    let n = 0;
    const rides: DecisionEvent[] = [];
    const riders = (async () => {
      while (polling && n < 2000) {
        await new Promise((r) => setImmediate(r));
        const id = `410100D156000005${(0x5000_0000_0000_0000n + BigInt(++n)).toString(16).toUpperCase()}`;
        rides.push(await h!.scan(world.phone(id).code('transit')));
      }
    })();
    await new Promise((r) => setTimeout(r, 20));
    await terminal.pollDownloads();
    const ridesAtReload = rides.length;
    await new Promise((r) => setTimeout(r, 30));
    polling = false;
    await riders;

    expect(rides.length).toBe(n); // every code shown was decided
    expect(rides.every((r) => r.outcome === 'approved' && r.source === 'ecode')).toBe(true);
    expect(terminal.services.fares()?.version).toBe('demo-2026-11.2');
    const amounts = rides.map((r) => r.amountFen);
    const switchAt = amounts.indexOf(250);
    expect(switchAt).toBeGreaterThan(0);
    expect(switchAt).toBeLessThanOrEqual(ridesAtReload + 1); // (+1: a ride priced before the swap may finish just after)
    expect(amounts.slice(0, switchAt).every((a) => a === 200)).toBe(true);
    expect(amounts.slice(switchAt).every((a) => a === 250)).toBe(true);
    expect(rides.length).toBeGreaterThan(ridesAtReload); // rides continued after the reload
    expect(terminal.services.journal.list({ limit: 5000 }).filter((r) => r.outcome === 'approved').length).toBeGreaterThanOrEqual(rides.length);
  }, 60_000);
});
