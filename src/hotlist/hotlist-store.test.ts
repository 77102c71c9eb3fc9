import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock';
import { ArtefactRefused } from '../downloads/errors';
import { ArtefactRegistry } from '../downloads/registry';
import { ArtefactStore } from '../downloads/store';
import { testPublisher } from '../downloads/testing/index';
import { HotlistFileError, readKeyFile } from './file';
import { hotlistKey } from './key';
import { keysFromBigints } from './keys';
import { hotlistPredicate, storeHotlist, tableHotlist } from './lookup';
import { HotlistTable } from './table';
import { formatHotlistKey } from './key';
import { decodeHotlistPayload, deltaHotlistPayload, encodeHotlistPayload, fullHotlistPayload } from './payload';
import { registerHotlistKind } from './register';

const pub = testPublisher();
let dir: string;
let clock: ManualClock;

function open(compactAfterEntries = 1000, maxOverlayEntries = 4000): ArtefactStore {
  const registry = registerHotlistKind(new ArtefactRegistry(), { dir: join(dir, 'hotlist'), maxEntries: 100_000, compactAfterEntries, maxOverlayEntries });
  return ArtefactStore.open({ dir, registry, trust: { keys: [pub.key], requiredSignatures: 1 }, clock });
}
const full = (version: number, keys: bigint[]) => pub.sign({ kind: 'hotlist', version, payload: fullHotlistPayload(keysFromBigints(keys)) }, clock.now());
const delta = (version: number, base: number, from: bigint[], to: bigint[]) => pub.sign({ kind: 'hotlist', version, base, payload: deltaHotlistPayload(keysFromBigints(from), keysFromBigints(to)) }, clock.now());
const hotFiles = () => readdirSync(join(dir, 'hotlist')).sort();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ykt-hotlist-'));
  clock = new ManualClock();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lost = hotlistKey('ssc', 'A12345678');
const stolenPan = hotlistKey('pan', '6222021234567890123');
const revokedCode = hotlistKey('ecode-cert', 'EC-0001-abc');

describe('hotlist through the artefact store', () => {
  it('full list, then a delta, then a restart: the same answers, and only the files in force remain', async () => {
    let s = open();
    const h = storeHotlist(s);
    expect(h.check('ssc', 'A12345678')).toBe('unknown');
    await s.apply(full(1, [lost, stolenPan]));
    expect(h.check('ssc', 'A12345678')).toBe('listed');
    expect(h.check('pan', '6222021234567890123')).toBe('listed');
    expect(h.check('ecode-cert', 'EC-0001-abc')).toBe('not-listed');
    // Card found again (removed), certificate revoked (added).
    await s.apply(delta(2, 1, [lost, stolenPan], [stolenPan, revokedCode]));
    expect([h.check('ssc', 'A12345678'), h.check('pan', '6222021234567890123'), h.check('ecode-cert', 'EC-0001-abc')]).toEqual(['not-listed', 'listed', 'listed']);
    expect(h.version()).toBe(2);
    expect(hotFiles()).toEqual([expect.stringMatching(/^base-v1-[0-9a-f]{8}\.ykhl$/), expect.stringMatching(/^ovl-v2-[0-9a-f]{8}\.ykhl$/)]);
    await s.close();
    s = open();
    const h2 = storeHotlist(s);
    expect([h2.check('ssc', 'A12345678'), h2.check('pan', '6222021234567890123'), h2.check('ecode-cert', 'EC-0001-abc')]).toEqual(['not-listed', 'listed', 'listed']);
    expect(s.status('hotlist')).toMatchObject({ version: 2, stale: false, problem: null });
    await s.close();
  });

  it('kernel adapters: hex keys (Credential.hotlistKeys), and a yes/no predicate whose "unknown" is the caller\'s choice', async () => {
    const s = open();
    const h = storeHotlist(s);
    const failClosed = hotlistPredicate(h, 'decline');
    const failOpen = hotlistPredicate(h, 'accept');
    expect([failClosed('ssc', 'A12345678'), failOpen('ssc', 'A12345678')]).toEqual([true, false]);
    await s.apply(full(1, [lost]));
    expect(h.checkKey(formatHotlistKey(lost))).toBe('listed');
    expect([failClosed('ssc', 'A12345678'), failOpen('ssc', 'A12345678'), failClosed('ssc', 'B12345678')]).toEqual([true, true, false]);
    expect(() => h.check('pan', 'not a pan')).toThrow(RangeError);
    const fixed = tableHotlist(HotlistTable.fromParts(keysFromBigints([stolenPan])), 7);
    expect([fixed.check('pan', '6222021234567890123'), fixed.version(), tableHotlist(undefined).check('pan', '6222021234567890123')]).toEqual(['listed', 7, 'unknown']);
    await s.close();
  });

  it('no card number is stored in clear: the files hold only hashed keys', async () => {
    const s = open();
    await s.apply(full(1, [lost]));
    await s.close();
    for (const f of hotFiles()) expect(readFileSync(join(dir, 'hotlist', f)).includes(Buffer.from('A12345678'))).toBe(false);
  });

  it('a delta whose result differs from what the publisher signed is refused (the terminal diverged)', async () => {
    const s = open();
    await s.apply(full(1, [1n, 2n, 3n]));
    // The publisher believed v1 was {1,2} and signs the result {1,2,4} — applied to {1,2,3} it gives 4 keys.
    const e = await s.apply(delta(2, 1, [1n, 2n], [1n, 2n, 4n])).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ArtefactRefused);
    expect((e as ArtefactRefused).reason).toBe('result-mismatch');
    expect((e as ArtefactRefused).message).toMatch(/diverged; a full hotlist is needed/);
    expect(s.get('hotlist')?.version).toBe(1);
    expect(storeHotlist(s).checkKey(4n)).toBe('not-listed');
    expect(hotFiles()).toHaveLength(1);
    await s.close();
  });

  it('a delta payload in a full envelope (or the reverse) is refused', async () => {
    const s = open();
    await s.apply(full(1, [1n]));
    const sneaky = pub.sign({ kind: 'hotlist', version: 2, payload: deltaHotlistPayload(keysFromBigints([1n]), keysFromBigints([2n])) }, clock.now());
    await expect(s.apply(sneaky)).rejects.toThrow(/is a delta but the artefact names no base version/);
    const odd = pub.sign({ kind: 'hotlist', version: 2, base: 1, payload: fullHotlistPayload(keysFromBigints([2n])) }, clock.now());
    await expect(s.apply(odd)).rejects.toMatchObject({ reason: 'payload-invalid' });
    expect(storeHotlist(s).checkKey(1n)).toBe('listed');
    await s.close();
  });

  it('payload checks: unsorted keys, a key both added and removed, a truncated payload', () => {
    const sorted = fullHotlistPayload(keysFromBigints([1n, 2n]));
    const swapped = sorted.slice();
    swapped.set(sorted.subarray(40, 48), 32);
    swapped.set(sorted.subarray(32, 40), 40);
    expect(() => decodeHotlistPayload(swapped, 10)).toThrow(/not strictly ascending at index 1/);
    const both = encodeHotlistPayload({ type: 'delta', adds: keysFromBigints([5n]), removes: keysFromBigints([6n]), resultCount: 1, resultXor: { hi: 0, lo: 5 } });
    both.set(both.subarray(32, 40), 40);
    expect(() => decodeHotlistPayload(both, 10)).toThrow(/both added and removed/);
    expect(() => decodeHotlistPayload(sorted.subarray(0, sorted.length - 1), 10)).toThrow(/truncated or padded/);
    expect(() => decodeHotlistPayload(sorted, 1)).toThrow(/exceed the terminal's limit of 1/);
  });

  it('a corrupt base file is detected on load (status corrupt, lookups "unknown"); a full list of the same version repairs it', async () => {
    let s = open();
    const v1 = full(1, [lost, stolenPan]);
    await s.apply(v1);
    await s.close();
    const [base] = hotFiles();
    const p = join(dir, 'hotlist', base!);
    const bytes = readFileSync(p);
    bytes[70]! ^= 0x01;
    writeFileSync(p, bytes);
    expect(() => readKeyFile(p, { role: 'base' })).toThrow(HotlistFileError);
    s = open();
    expect(s.status('hotlist')).toMatchObject({ version: 1, stale: true, problem: 'corrupt' });
    expect(s.status('hotlist').detail).toMatch(/SHA-256 mismatch/);
    expect(storeHotlist(s).check('ssc', 'A12345678')).toBe('unknown');
    expect(s.haveVersion('hotlist')).toBeUndefined();
    expect((await s.apply(v1)).outcome).toBe('applied');
    expect(storeHotlist(s).check('ssc', 'A12345678')).toBe('listed');
    await s.close();
  });

  it('a truncated or missing overlay file is detected', async () => {
    let s = open();
    await s.apply(full(1, [1n]));
    await s.apply(delta(2, 1, [1n], [1n, 2n]));
    await s.close();
    const ovl = hotFiles().find((f) => f.startsWith('ovl'))!;
    truncateSync(join(dir, 'hotlist', ovl), 70);
    s = open();
    expect(s.status('hotlist').detail).toMatch(/truncated or padded/);
    await s.close();
    rmSync(join(dir, 'hotlist', ovl));
    s = open();
    expect(s.status('hotlist')).toMatchObject({ problem: 'corrupt', detail: expect.stringMatching(/missing/) });
    await s.close();
  });

  it('maintain() folds an overlay larger than compactAfterEntries into a new base (same version), and deletes the old files', async () => {
    let s = open(3);
    await s.apply(full(1, [10n, 20n]));
    await s.apply(delta(2, 1, [10n, 20n], [10n, 20n, 30n]));
    expect(await s.maintain('hotlist')).toEqual([{ kind: 'hotlist', changed: false }]); // overlay of 1 ≤ 3
    await s.apply(delta(3, 2, [10n, 20n, 30n], [20n, 30n, 40n, 50n]));
    expect(hotFiles().map((f) => f.slice(0, 7))).toEqual(['base-v1', 'ovl-v3-']); // an apply does not compact below maxOverlayEntries
    expect(await s.maintain()).toEqual([{ kind: 'hotlist', changed: true }]);
    expect(hotFiles()).toEqual([expect.stringMatching(/^base-v3-/)]);
    expect(readKeyFile(join(dir, 'hotlist', hotFiles()[0]!), { role: 'base' }).first.length / 2).toBe(4);
    const answers = () => [10n, 20n, 30n, 40n, 50n].map((k) => storeHotlist(s).checkKey(k));
    expect(answers()).toEqual(['not-listed', 'listed', 'listed', 'listed', 'listed']);
    expect(s.get('hotlist')?.version).toBe(3);
    await s.close();
    s = open(3);
    expect(answers()).toEqual(['not-listed', 'listed', 'listed', 'listed', 'listed']);
    expect(s.status('hotlist').problem).toBeNull();
    await s.close();
  });

  it('an apply compacts by itself once the overlay would pass maxOverlayEntries', async () => {
    const s = open(1000, 2);
    await s.apply(full(1, [10n, 20n]));
    await s.apply(delta(2, 1, [10n, 20n], [10n, 20n, 30n, 40n]));
    expect(hotFiles().map((f) => f.slice(0, 7))).toEqual(['base-v1', 'ovl-v2-']);
    await s.apply(delta(3, 2, [10n, 20n, 30n, 40n], [20n, 30n, 40n, 50n]));
    expect(hotFiles()).toEqual([expect.stringMatching(/^base-v3-/)]);
    expect([10n, 50n].map((k) => storeHotlist(s).checkKey(k))).toEqual(['not-listed', 'listed']);
    await s.close();
  });

  it('property: random full lists and deltas with restarts agree with a reference Set', async () => {
    const pool = fc.bigInt({ min: 0n, max: 30n }).map((x) => x * 0x0123_4567_89ab_cdefn);
    const list = fc.uniqueArray(pool, { maxLength: 20 });
    const step = fc.record({ full: fc.boolean(), keys: list, restart: fc.boolean(), maintain: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(list, fc.array(step, { maxLength: 6 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 16 }), async (initial, steps, compactAfter, maxOverlay) => {
        rmSync(dir, { recursive: true, force: true });
        dir = mkdtempSync(join(tmpdir(), 'ykt-hotlist-'));
        let s = open(compactAfter, maxOverlay);
        let version = 1;
        let ref = [...initial];
        await s.apply(full(version, ref));
        for (const st of steps) {
          const next = st.keys;
          await s.apply(st.full ? full(version + 1, next) : delta(version + 1, version, ref, next));
          version++;
          ref = next;
          if (st.maintain) await s.maintain('hotlist');
          if (st.restart) {
            await s.close();
            s = open(compactAfter, maxOverlay);
          }
          const h = storeHotlist(s);
          for (let x = 0n; x <= 30n; x++) expect(h.checkKey(x * 0x0123_4567_89ab_cdefn)).toBe(ref.includes(x * 0x0123_4567_89ab_cdefn) ? 'listed' : 'not-listed');
        }
        expect(hotFiles().length).toBeLessThanOrEqual(2);
        await s.close();
      }),
      { numRuns: 40 },
    );
  });
});
