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
        const next = new Promise<DecisionEvent>((resolve) => {
          const off = terminal.onDecision((ev) => {
            if (ev.device !== reader) return;
            off();
            resolve(ev);
          });
        });
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
});
