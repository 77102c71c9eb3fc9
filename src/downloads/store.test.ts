import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock';
import { encodeEnvelope, parseEnvelope } from './envelope';
import { ArtefactRefused, DownloadStoreError } from './errors';
import { buildArtefact } from './publisher';
import { ArtefactRegistry, DAY, HOUR } from './registry';
import { ArtefactStore, type ArtefactStoreOptions } from './store';
import { json, registerToyKind, testPublisher, type ToyParams } from './testing/index';
import type { TrustPolicy } from './trust';

const KIND = 'toy-params';
let dir: string;
let clock: ManualClock;
const pub = testPublisher();
const stranger = testPublisher();

function open(over: Partial<ArtefactStoreOptions> = {}, trust: TrustPolicy = { keys: [pub.key], requiredSignatures: 1 }): ArtefactStore {
  return ArtefactStore.open({ dir, registry: registerToyKind(new ArtefactRegistry()), trust, clock, ...over });
}
const fares = (v: number, fares: Record<string, number> = { adult: 200 }, extra = {}) => pub.sign({ kind: KIND, version: v, payload: json({ fares }), ...extra }, clock.now());

async function refusal(p: Promise<unknown>): Promise<ArtefactRefused> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ArtefactRefused) return e;
    throw e;
  }
  throw new Error('expected a refusal, but the artefact was applied');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ykt-store-'));
  clock = new ManualClock();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('artefact store: accepting', () => {
  it('applies a signed artefact, serves its validated value, and reports it fresh', async () => {
    const s = open();
    expect(s.status(KIND)).toMatchObject({ version: null, stale: true, problem: 'missing' });
    const r = await s.apply(fares(1));
    expect(r).toMatchObject({ kind: KIND, version: 1, previous: null, outcome: 'applied', keyIds: [pub.key.keyId] });
    expect(s.get<ToyParams>(KIND)?.value.fares.adult).toBe(200);
    expect(s.status(KIND)).toMatchObject({ version: 1, ageMs: 60_000, stale: false, problem: null, expired: false });
    await s.close();
  });

  it('a repeat of the version in force is "unchanged", not applied twice', async () => {
    const s = open();
    const a = fares(1);
    await s.apply(a);
    expect((await s.apply(a)).outcome).toBe('unchanged');
    await s.close();
  });

  it('applies a delta on the right base (kinds that register applyDelta)', async () => {
    const s = open();
    await s.apply(fares(1, { adult: 200, child: 100 }));
    await s.apply(pub.sign({ kind: KIND, version: 2, base: 1, payload: json({ set: { senior: 0 }, unset: ['child'] }) }, clock.now()));
    expect(s.get<ToyParams>(KIND)?.value.fares).toEqual({ adult: 200, senior: 0 });
    await s.close();
    const again = open();
    expect(again.get<ToyParams>(KIND)?.value.fares).toEqual({ adult: 200, senior: 0 });
    expect(again.get(KIND)?.version).toBe(2);
    await again.close();
  });
});

describe('artefact store: refusing (nothing changes, the reason is clear)', () => {
  it('a bad signature: one byte of the signature flipped', async () => {
    const s = open();
    const a = fares(1);
    a[a.length - 1]! ^= 0x01;
    const e = await refusal(s.apply(a));
    expect(e.reason).toBe('bad-signature');
    expect(e.message).toMatch(/does not verify: forged or damaged/);
    expect(s.get(KIND)).toBeUndefined();
    await s.close();
  });

  it('a forged header: version raised, old signature kept', async () => {
    const s = open();
    const env = parseEnvelope(fares(1));
    const forged = new TextEncoder().encode(new TextDecoder().decode(env.headerBytes).replace('"version":1', '"version":9'));
    const e = await refusal(s.apply(encodeEnvelope(forged, env.payload, env.signatures)));
    expect(e.reason).toBe('bad-signature');
    await s.close();
  });

  it('an artefact signed by an unknown key', async () => {
    const s = open();
    const e = await refusal(s.apply(stranger.sign({ kind: KIND, version: 1, payload: json({ fares: {} }) }, clock.now())));
    expect(e.reason).toBe('unknown-key');
    expect(e.message).toContain(stranger.key.keyId);
    expect(e.message).toMatch(/downloads\.publisherKeys/);
    await s.close();
  });

  it('a rolled-back version, also after a restart (the floor is durable)', async () => {
    let s = open();
    const v1 = fares(1);
    await s.apply(fares(2));
    const e = await refusal(s.apply(v1));
    expect(e.reason).toBe('rollback');
    expect(e.message).toMatch(/older than v2 in force/);
    await s.close();
    s = open();
    expect((await refusal(s.apply(v1))).reason).toBe('rollback');
    expect(s.get(KIND)?.version).toBe(2);
    await s.close();
  });

  it('a delta on the wrong base, and a delta with nothing in force', async () => {
    const s = open();
    const delta = (v: number, base: number) => pub.sign({ kind: KIND, version: v, base, payload: json({ set: { x: 1 } }) }, clock.now());
    expect((await refusal(s.apply(delta(2, 1)))).message).toMatch(/no version is in force; a full artefact is needed/);
    await s.apply(fares(3));
    const e = await refusal(s.apply(delta(5, 4)));
    expect(e.reason).toBe('wrong-base');
    expect(e.message).toMatch(/applies to v4 but v3 is in force/);
    expect(s.get(KIND)?.version).toBe(3);
    await s.close();
  });

  it('a truncated artefact, a damaged payload, and a payload the module refuses', async () => {
    const s = open();
    const a = fares(1);
    expect((await refusal(s.apply(a.subarray(0, a.length - 30)))).reason).toBe('truncated');
    expect((await refusal(s.apply(a.subarray(0, 20)))).reason).toBe('truncated');
    const damaged = a.slice();
    const env = parseEnvelope(a);
    damaged[env.payload.byteOffset + 3]! ^= 0x20;
    const d = await refusal(s.apply(damaged));
    expect(d.reason).toBe('payload-hash');
    const bad = await refusal(s.apply(pub.sign({ kind: KIND, version: 1, payload: json({ fares: { adult: -5 } }) }, clock.now())));
    expect(bad.reason).toBe('payload-invalid');
    expect(bad.message).toMatch(/fare adult: expected integer fen >= 0/);
    expect((await refusal(s.apply(new TextEncoder().encode('not an artefact at all')))).reason).toBe('malformed');
    expect(s.get(KIND)).toBeUndefined();
    await s.close();
  });

  it('an expired artefact, and one created in the future beyond the clock skew', async () => {
    const s = open({ clockSkewMs: 5 * 60_000 });
    const old = buildArtefact({ kind: KIND, version: 1, created: clock.now() - 10 * DAY, expires: clock.now() - DAY, payload: json({ fares: {} }) }, [{ privateKey: pub.pair.privateKey }]);
    const e = await refusal(s.apply(old));
    expect(e.reason).toBe('expired');
    expect(e.message).toMatch(/expired at 2026-11-21T08:00:00.000Z/);
    const future = buildArtefact({ kind: KIND, version: 1, created: clock.now() + HOUR, expires: clock.now() + DAY, payload: json({ fares: {} }) }, [{ privateKey: pub.pair.privateKey }]);
    expect((await refusal(s.apply(future))).reason).toBe('not-yet-valid');
    const slightlyAhead = buildArtefact({ kind: KIND, version: 1, created: clock.now() + 60_000, expires: clock.now() + DAY, payload: json({ fares: {} }) }, [{ privateKey: pub.pair.privateKey }]);
    expect((await s.apply(slightlyAhead)).outcome).toBe('applied');
    await s.close();
  });

  it('a kind no module registered, and a payload larger than the kind allows', async () => {
    const s = open();
    expect((await refusal(s.apply(pub.sign({ kind: 'pboc-capk', version: 1, payload: json({}) }, clock.now())))).reason).toBe('unknown-kind');
    const big = pub.sign({ kind: KIND, version: 1, payload: new Uint8Array(64 * 1024 + 1) }, clock.now());
    expect((await refusal(s.apply(big))).reason).toBe('too-large');
    await s.close();
  });

  it('keeps a log of applies and refusals for the operator', async () => {
    const s = open();
    await s.apply(fares(2));
    await refusal(s.apply(fares(1)));
    const log = s.recentLog();
    expect(log[0]).toMatchObject({ kind: KIND, version: 1, outcome: 'refused', reason: 'rollback' });
    expect(log[1]).toMatchObject({ kind: KIND, version: 2, outcome: 'applied', reason: null });
    await s.close();
  });
});

describe('publisher keys: rotation, windows, kinds, several signatures', () => {
  const next = testPublisher();
  const signBoth = (v: number) => buildArtefact({ kind: KIND, version: v, created: clock.now() - 1000, expires: clock.now() + DAY, payload: json({ fares: {} }) }, [{ privateKey: pub.pair.privateKey }, { privateKey: next.pair.privateKey }]);

  it('during an overlap both keys are pinned; artefacts signed by both pass', async () => {
    const s = open({}, { keys: [pub.key, next.key], requiredSignatures: 2 });
    expect((await s.apply(signBoth(1))).keyIds.sort()).toEqual([pub.key.keyId, next.key.keyId].sort());
    const e = await refusal(s.apply(fares(2)));
    expect(e.reason).toBe('not-enough-signatures');
    expect(e.message).toMatch(/1 valid signature\(s\), downloads.requiredSignatures is 2/);
    await s.close();
  });

  it('a retired key (validUntil passed) no longer signs anything; the new key does', async () => {
    const retired = { ...pub.key, validUntil: clock.now() - HOUR };
    const s = open({}, { keys: [retired, next.key], requiredSignatures: 1 });
    const e = await refusal(s.apply(fares(1)));
    expect(e.reason).toBe('key-not-valid');
    expect(e.message).toMatch(/retired/);
    expect((await s.apply(signBoth(2))).keyIds).toEqual([next.key.keyId]);
    await s.close();
  });

  it('a key restricted to other kinds cannot sign this one', async () => {
    const s = open({}, { keys: [{ ...pub.key, kinds: ['hotlist'] }], requiredSignatures: 1 });
    expect((await refusal(s.apply(fares(1)))).message).toMatch(/not allowed to sign "toy-params"/);
    await s.close();
  });

  it('an in-force artefact whose key was removed from the config is reported untrusted (stale)', async () => {
    let s = open();
    await s.apply(fares(1));
    await s.close();
    s = open({}, { keys: [next.key], requiredSignatures: 1 });
    expect(s.status(KIND)).toMatchObject({ version: 1, stale: true, problem: 'untrusted' });
    expect(s.get(KIND)).toBeUndefined();
    await s.close();
  });
});

describe('freshness: status(kind) for the profile stale policy', () => {
  it('turns stale after the maximum age, and expired after expires', async () => {
    const s = open({ maxAgeMs: { [KIND]: DAY } });
    await s.apply(pub.sign({ kind: KIND, version: 1, payload: json({ fares: {} }), created: clock.now(), expires: clock.now() + 3 * DAY }));
    expect(s.status(KIND)).toMatchObject({ ageMs: 0, maxAgeMs: DAY, stale: false });
    clock.advance(DAY + 1);
    expect(s.status(KIND)).toMatchObject({ ageMs: DAY + 1, stale: true, expired: false, problem: null });
    expect(s.get(KIND)?.version).toBe(1); // still served: whether to use it is the profile's call
    clock.advance(2 * DAY);
    expect(s.status(KIND)).toMatchObject({ stale: true, expired: true });
    await s.close();
  });

  it("the artefact's own maxAgeMs tightens the terminal's setting, never loosens it", async () => {
    const s = open();
    await s.apply(pub.sign({ kind: KIND, version: 1, payload: json({ fares: {} }), maxAgeMs: HOUR }, clock.now()));
    expect(s.status(KIND).maxAgeMs).toBe(HOUR);
    await s.apply(pub.sign({ kind: KIND, version: 2, payload: json({ fares: {} }), maxAgeMs: 365 * DAY }, clock.now()));
    expect(s.status(KIND).maxAgeMs).toBe(7 * DAY);
    await s.close();
  });
});

describe('local corruption is detected and reported, never used', () => {
  it('a damaged stored payload makes the kind corrupt; a delta cannot build on it; a full of the same version repairs it', async () => {
    let s = open();
    const v1 = fares(1);
    await s.apply(v1);
    await s.close();
    const db = new Database(join(dir, 'downloads.db'));
    db.prepare('UPDATE artefact SET payload = ? WHERE kind = ?').run(Buffer.from('{"fares":{"adult":1}}'), KIND);
    db.close();
    s = open();
    expect(s.status(KIND)).toMatchObject({ version: 1, stale: true, problem: 'corrupt' });
    expect(s.status(KIND).detail).toMatch(/SHA-256 mismatch/);
    expect(s.get(KIND)).toBeUndefined();
    expect(s.haveVersion(KIND)).toBeUndefined();
    const d = await refusal(s.apply(pub.sign({ kind: KIND, version: 2, base: 1, payload: json({ set: {} }) }, clock.now())));
    expect(d.message).toMatch(/unusable \(corrupt\); a full artefact is needed/);
    expect((await s.apply(v1)).outcome).toBe('applied');
    expect(s.status(KIND)).toMatchObject({ version: 1, stale: false, problem: null });
    expect(s.get<ToyParams>(KIND)?.value.fares.adult).toBe(200);
    await s.close();
  });

  it('a corrupt database file is a DownloadStoreError that says what to do', async () => {
    open().close();
    writeFileSync(join(dir, 'downloads.db'), Buffer.alloc(8192, 0x5a));
    rmSync(join(dir, 'downloads.db-wal'), { force: true });
    rmSync(join(dir, 'downloads.db-shm'), { force: true });
    expect(() => open()).toThrow(DownloadStoreError);
    expect(() => open()).toThrow(/move it aside and restart/);
  });
});

describe('two processes on one store (ykt hotlist import while the runtime runs)', () => {
  it('an apply on top of a version this process did not load is refused; after reopening it works', async () => {
    const a = open();
    const b = open();
    await a.apply(fares(1));
    const e = await b.apply(fares(2)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DownloadStoreError);
    expect((e as Error).message).toMatch(/another process applied an artefact; reopen the store/);
    expect(a.get(KIND)?.version).toBe(1);
    await b.close();
    const c = open();
    expect((await c.apply(fares(2))).outcome).toBe('applied');
    await Promise.all([a.close(), c.close()]);
  });
});

