/**
 * Sync through a fault-injecting proxy on loopback (drops, delays, 500s, timeouts, duplicated and
 * reordered responses): the backend ends with exactly the terminal's records, each once, no gaps.
 * Real sockets and real (short) timeouts; the seed is printed so a failure can be replayed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createBackend } from '../backend/server';
import { createSqliteStore, type SqliteStore } from '../backend/sqlite-store';
import { testTerminal, type TestTerminal } from '../backend/testing/terminal';
import { tempDir } from '../journal/testing/tmp';
import { createSyncer } from './syncer';
import { httpTransport } from './transport';
import { FAULTS, startFaultProxy, type FaultProxy } from './testing/fault-proxy';
import { mulberry32 } from './testing/prng';

const SEED = Number(process.env.YKT_FAULT_SEED ?? Date.now() % 1_000_000);

let tmp: ReturnType<typeof tempDir>;
let store: SqliteStore;
let app: FastifyInstance;
let proxy: FaultProxy;
let t: TestTerminal;

beforeAll(async () => {
  console.log(`fault proxy seed ${SEED} (replay with YKT_FAULT_SEED=${SEED})`);
  tmp = tempDir('ykt-fault-');
  store = createSqliteStore(tmp.path('backend.sqlite'));
  await store.migrate();
  app = createBackend({ store });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  proxy = await startFaultProxy({ target: url, random: mulberry32(SEED), maxDelayMs: 300 });
  t = testTerminal('T-FAULT', tmp.path('journal.sqlite'));
  await store.registerTerminal(t.id, Buffer.from(t.keystore.publicKey).toString('hex'), t.keystore.keyId, Date.now());
});
afterAll(async () => {
  t.journal.close();
  await proxy.close();
  await app.close();
  await store.close();
  tmp.cleanup();
});

describe('sync through a lying network', () => {
  it('the backend ends with exactly the terminal records', async () => {
    t.write(3000);
    const transport = httpTransport(proxy.url);
    const syncer = createSyncer({
      journal: t.journal,
      transport,
      signer: t.signer,
      random: mulberry32(SEED + 1),
      config: { batchRecords: 40, requestTimeoutMs: 200, backoffBaseMs: 2, backoffMaxMs: 40, idlePollMs: 20 },
    });
    const ac = new AbortController();
    const loop = syncer.run(ac.signal);
    // The terminal keeps working while it syncs: more records arrive during the upload.
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 25));
      t.write(50);
      syncer.notify();
    }
    const deadline = Date.now() + 90_000;
    while (t.journal.syncPosition().unsent > 0n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await loop;
    transport.close?.();

    console.log('faults injected', proxy.counts, 'sync status', syncer.status());
    const pos = t.journal.syncPosition();
    expect(pos).toMatchObject({ head: 4000n, ackedThrough: 4000n, unsent: 0n });
    const stored = await store.records(t.id, 0n, 10_000);
    expect(stored.map((r) => `${r.seq}:${r.hash}`)).toEqual(t.journal.wire(0n, 10_000).map((r) => `${r.seq}:${r.hash}`));
    expect(await store.report(t.id)).toMatchObject({ records: 4000, lastSeq: '4000', contiguousThrough: '4000', gaps: [], gapCount: 0 });
    // every kind of fault was exercised
    for (const f of FAULTS) expect(proxy.counts[f], f).toBeGreaterThan(0);
    expect(syncer.status().retries).toBeGreaterThan(0);
  }, 120_000);
});
