import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock';
import { keysFromBigints } from '../hotlist/keys';
import { storeHotlist } from '../hotlist/lookup';
import { deltaHotlistPayload, fullHotlistPayload } from '../hotlist/payload';
import { registerHotlistKind } from '../hotlist/register';
import { registerArtefactRoutes, versionFromIfNoneMatch } from './backend-routes';
import { syncArtefacts, syncKind } from './client';
import { ArtefactRegistry } from './registry';
import { DirectoryArtefactSource, MemoryArtefactSource, type ArtefactSource } from './source';
import { ArtefactStore } from './store';
import { json, registerToyKind, testPublisher } from './testing/index';

const pub = testPublisher();
const stranger = testPublisher();
let dir: string;
let clock: ManualClock;
let app: FastifyInstance;
let baseUrl: string;
let source: MemoryArtefactSource;
const requests: { url: string; ifNoneMatch?: string; status: number }[] = [];

async function serve(src: ArtefactSource): Promise<void> {
  app = Fastify();
  app.addHook('onResponse', async (req, reply) => {
    requests.push({ url: req.url, ifNoneMatch: req.headers['if-none-match'], status: reply.statusCode });
  });
  registerArtefactRoutes(app, { source: src });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
}

function openStore(): ArtefactStore {
  const registry = registerToyKind(registerHotlistKind(new ArtefactRegistry(), { dir: join(dir, 'hotlist'), maxEntries: 10_000, compactAfterEntries: 1000 }));
  return ArtefactStore.open({ dir, registry, trust: { keys: [pub.key], requiredSignatures: 1 }, clock });
}
const hl = (keys: bigint[]) => keysFromBigints(keys);
const full = (v: number, keys: bigint[]) => pub.sign({ kind: 'hotlist', version: v, payload: fullHotlistPayload(hl(keys)) }, clock.now());
const delta = (v: number, base: number, from: bigint[], to: bigint[]) => pub.sign({ kind: 'hotlist', version: v, base, payload: deltaHotlistPayload(hl(from), hl(to)) }, clock.now());

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ykt-client-'));
  clock = new ManualClock();
  source = new MemoryArtefactSource();
  requests.length = 0;
  await serve(source);
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('terminal client ↔ artefact routes over HTTP (loopback)', () => {
  it('downloads a full list, then answers 304 to If-None-Match, then follows deltas', async () => {
    const store = openStore();
    source.publish(full(1, [1n, 2n]));
    let r = await syncKind(store, 'hotlist', { baseUrl });
    expect(r).toMatchObject({ outcome: 'updated', from: undefined, to: 1 });
    // After applying, the client asks again with its new version (a delta chain ends with a 304).
    expect(requests).toMatchObject([
      { url: '/artefacts/hotlist', ifNoneMatch: undefined, status: 200 },
      { url: '/artefacts/hotlist?have=1', ifNoneMatch: 'W/"hotlist.1"', status: 304 },
    ]);

    r = await syncKind(store, 'hotlist', { baseUrl });
    expect(r).toMatchObject({ outcome: 'up-to-date', from: 1, to: 1 });
    expect(requests).toHaveLength(3);
    expect(requests.at(-1)).toMatchObject({ url: '/artefacts/hotlist?have=1', status: 304 });

    // v2 and v3 published as full lists and as deltas: the terminal takes the deltas, one after the other.
    source.publish(full(2, [1n, 2n, 3n]));
    source.publish(delta(2, 1, [1n, 2n], [1n, 2n, 3n]));
    source.publish(full(3, [2n, 3n]));
    source.publish(delta(3, 2, [1n, 2n, 3n], [2n, 3n]));
    r = await syncKind(store, 'hotlist', { baseUrl });
    expect(r.outcome).toBe('updated');
    expect(r.applied.map((a) => [a.version, a.base])).toEqual([
      [2, 1],
      [3, 2],
    ]);
    expect([1n, 2n, 3n].map((k) => storeHotlist(store).checkKey(k))).toEqual(['not-listed', 'listed', 'listed']);
    await store.close();
  });

  it('a terminal without a delta for its version gets the latest full list', async () => {
    const store = openStore();
    source.publish(full(1, [1n]));
    await syncKind(store, 'hotlist', { baseUrl });
    source.publish(full(5, [5n]));
    source.publish(delta(5, 4, [4n], [5n]));
    const r = await syncKind(store, 'hotlist', { baseUrl });
    expect(r.applied.map((a) => [a.version, a.base])).toEqual([[5, undefined]]);
    await store.close();
  });

  it('a forged artefact served by the backend is refused and nothing changes', async () => {
    const store = openStore();
    source.publish(full(1, [1n]));
    await syncKind(store, 'hotlist', { baseUrl });
    source.publish(stranger.sign({ kind: 'hotlist', version: 2, payload: fullHotlistPayload(hl([])) }, clock.now()));
    const r = await syncKind(store, 'hotlist', { baseUrl });
    expect(r).toMatchObject({ outcome: 'refused', from: 1, to: 1 });
    expect(r.error?.code).toBe('download/unknown-key');
    expect(storeHotlist(store).checkKey(1n)).toBe('listed');
    await store.close();
  });

  it('a lying backend that replays an old artefact is refused (rollback)', async () => {
    const store = openStore();
    const old = full(1, [1n]);
    await store.apply(full(2, [2n]));
    const liar: ArtefactSource = { list: async () => [], select: async () => ({ status: 'ok', meta: { kind: 'hotlist', version: 1, created: 0, expires: 1, size: old.length }, bytes: old }) };
    await app.close();
    await serve(liar);
    const r = await syncKind(store, 'hotlist', { baseUrl });
    expect(r).toMatchObject({ outcome: 'refused', to: 2 });
    expect(r.error?.code).toBe('download/rollback');
    await store.close();
  });

  it('when a delta does not fit (diverged list), asks once for the full list and repairs', async () => {
    const store = openStore();
    await store.apply(full(1, [1n, 2n, 3n])); // the terminal's v1 differs from the publisher's
    source.publish(full(1, [1n, 2n]));
    source.publish(delta(2, 1, [1n, 2n], [1n, 2n, 4n]));
    source.publish(full(2, [1n, 2n, 4n]));
    const r = await syncKind(store, 'hotlist', { baseUrl });
    expect(r).toMatchObject({ outcome: 'updated', to: 2 });
    expect(requests.map((q) => `${q.url} ${q.status}`)).toEqual(['/artefacts/hotlist?have=1 200', '/artefacts/hotlist?have=1&full=1 200', '/artefacts/hotlist?have=2 304']);
    expect([3n, 4n].map((k) => storeHotlist(store).checkKey(k))).toEqual(['not-listed', 'listed']);
    await store.close();
  });

  it('a kind mismatch, an unpublished kind, an oversized answer and an unreachable backend', async () => {
    const store = openStore();
    const wrong: ArtefactSource = { list: async () => [], select: async () => ({ status: 'ok', meta: { kind: 'toy-params', version: 1, created: 0, expires: 1, size: 0 }, bytes: pub.sign({ kind: 'toy-params', version: 1, payload: json({ fares: {} }) }, clock.now()) }) };
    await app.close();
    await serve(wrong);
    expect((await syncKind(store, 'hotlist', { baseUrl })).error?.code).toBe('download/kind-mismatch');
    await app.close();
    await serve(source);
    expect((await syncKind(store, 'toy-params', { baseUrl })).outcome).toBe('not-published');
    source.publish(pub.sign({ kind: 'toy-params', version: 1, payload: new Uint8Array(200_000) }, clock.now()));
    const big = await syncKind(store, 'toy-params', { baseUrl });
    expect(big).toMatchObject({ outcome: 'failed' });
    expect(big.error?.code).toBe('download-fetch/too-large');
    await app.close();
    const down = await syncKind(store, 'hotlist', { baseUrl });
    expect(down.outcome).toBe('failed');
    expect(down.error?.code).toBe('download-fetch/network');
    expect(down.error?.message).toMatch(/backend unreachable/);
    await serve(source); // for afterEach
    await store.close();
  });

  it('serves a directory of published files and the index route', async () => {
    const pubDir = join(dir, 'published');
    rmSync(pubDir, { recursive: true, force: true });
    await import('node:fs').then((fs) => fs.mkdirSync(pubDir));
    writeFileSync(join(pubDir, 'hotlist-1.ykta'), full(1, [7n]));
    writeFileSync(join(pubDir, 'toy-3.ykta'), pub.sign({ kind: 'toy-params', version: 3, payload: json({ fares: { adult: 1 } }) }, clock.now()));
    writeFileSync(join(pubDir, 'README.ykta'), 'not an artefact');
    await app.close();
    await serve(new DirectoryArtefactSource(pubDir));
    const index = (await (await fetch(`${baseUrl}/artefacts`)).json()) as { artefacts: { kind: string; version: number }[] };
    expect(index.artefacts.map((a) => [a.kind, a.version])).toEqual([
      ['hotlist', 1],
      ['toy-params', 3],
    ]);
    const store = openStore();
    const rs = await syncArtefacts(store, ['hotlist', 'toy-params'], { baseUrl });
    expect(rs.map((r) => [r.kind, r.outcome, r.to])).toEqual([
      ['hotlist', 'updated', 1],
      ['toy-params', 'updated', 3],
    ]);
    expect((await fetch(`${baseUrl}/artefacts/Bad_Kind`)).status).toBe(400);
    expect((await fetch(`${baseUrl}/artefacts/hotlist?have=x`)).status).toBe(400);
    await store.close();
  });

  it('parses If-None-Match lists', () => {
    expect(versionFromIfNoneMatch('W/"hotlist.12", W/"fare-params.3"', 'hotlist')).toBe(12);
    expect(versionFromIfNoneMatch('"hotlist.4"', 'hotlist')).toBe(4);
    expect(versionFromIfNoneMatch('*', 'hotlist')).toBeUndefined();
  });
});
