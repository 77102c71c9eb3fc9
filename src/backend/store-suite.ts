/**
 * The backend test suite, run against every store implementation: sqlite-store.test.ts (SQLite) and
 * pg-store.stack.test.ts (PostgreSQL, its own throw-away cluster). Everything goes through the real
 * HTTP handlers (fastify inject) so the API, the verification and the store are tested together.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../core/clock';
import { ed25519Sign } from '../core/ed25519';
import { keystoreFromJson, generateKeystoreJson } from '../journal/keystore';
import { recordHash, toHexLower } from '../journal/chain';
import { batchSigningMessage, signBatch, type UploadBatch } from '../sync/batch';
import { batchBody, BATCH_PATH } from '../sync/transport';
import { createSyncer } from '../sync/syncer';
import { enrolmentRequest } from '../sync/enrol';
import { tempDir } from '../journal/testing/tmp';
import { createBackend } from './server';
import type { BackendStore } from './store';
import { injectTransport, testTerminal, type TestTerminal } from './testing/terminal';

const ADMIN = 'admin-token-for-tests-0123456789';

export interface StoreFactory {
  /** A fresh, migrated, empty store. */
  create(): Promise<BackendStore>;
  /** Called once after all tests. */
  dispose?(): Promise<void>;
}

export function backendStoreSuite(name: string, factory: StoreFactory): void {
  describe(`clearing backend on ${name}`, () => {
    let store: BackendStore;
    let app: FastifyInstance;
    let clock: ManualClock;
    let tmp: ReturnType<typeof tempDir>;
    let t: TestTerminal;
    let n = 0;

    const post = (batch: UploadBatch | object) => app.inject({ method: 'POST', url: BATCH_PATH, headers: { 'content-type': 'application/json' }, payload: 'records' in batch ? batchBody(batch as UploadBatch) : JSON.stringify(batch) });
    const adminGet = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN}` } });
    const report = async (id = t.id) => (await adminGet(`/v1/admin/terminals/${id}`)).json();
    const enrolDirect = (tt: TestTerminal) => store.registerTerminal(tt.id, Buffer.from(tt.keystore.publicKey).toString('hex'), tt.keystore.keyId, clock.now());

    beforeAll(() => {
      tmp = tempDir('ykt-backend-');
    });
    afterAll(async () => {
      tmp.cleanup();
      await factory.dispose?.();
    });
    beforeEach(async () => {
      clock = new ManualClock();
      store = await factory.create();
      app = createBackend({ store, clock, adminToken: ADMIN, maxBatchRecords: 500 });
      await app.ready();
      t = testTerminal(`T-${++n}`, tmp.path(`t${n}.sqlite`));
    });
    afterEach(async () => {
      t.journal.close();
      await app.close();
      await store.close();
    });

    describe('enrolment', () => {
      it('binds the key with a one-time code and a proof of possession', async () => {
        const codeRes = await app.inject({ method: 'POST', url: `/v1/admin/terminals/${t.id}/enrolment-code`, headers: { authorization: `Bearer ${ADMIN}` } });
        expect(codeRes.statusCode).toBe(200);
        const { code } = codeRes.json() as { code: string };
        expect(code).toMatch(/^[A-Z2-7]{16}$/);
        t.write(3);
        expect((await post(t.batch(0n, 3))).json()).toMatchObject({ status: 'refused', reason: 'unknown-terminal' }); // not enrolled yet

        const forged = { ...enrolmentRequest(t.id, t.keystore, code), proof: '00'.repeat(64) };
        expect((await app.inject({ method: 'POST', url: '/v1/enrol', payload: forged })).json()).toMatchObject({ reason: 'bad-proof' });
        const wrong = enrolmentRequest(t.id, t.keystore, 'AAAAAAAAAAAAAAAA');
        expect((await app.inject({ method: 'POST', url: '/v1/enrol', payload: wrong })).json()).toMatchObject({ reason: 'invalid-code' });

        const ok = await app.inject({ method: 'POST', url: '/v1/enrol', payload: enrolmentRequest(t.id, t.keystore, code.toLowerCase()) });
        expect(ok.json()).toEqual({ status: 'ok', terminalId: t.id, keyId: t.keystore.keyId });
        // single use
        const again = await app.inject({ method: 'POST', url: '/v1/enrol', payload: enrolmentRequest(t.id, keystoreFromJson(generateKeystoreJson()), code) });
        expect(again.json()).toMatchObject({ reason: 'invalid-code' });
        expect((await post(t.batch(0n, 3))).statusCode).toBe(200);
      });

      it('codes expire; the admin API needs the token', async () => {
        const { code } = (await app.inject({ method: 'POST', url: `/v1/admin/terminals/${t.id}/enrolment-code`, headers: { authorization: `Bearer ${ADMIN}` } })).json() as { code: string };
        clock.advance(24 * 3600_000 + 1);
        expect((await app.inject({ method: 'POST', url: '/v1/enrol', payload: enrolmentRequest(t.id, t.keystore, code) })).json()).toMatchObject({ reason: 'expired' });
        expect((await app.inject({ method: 'GET', url: '/v1/admin/terminals' })).statusCode).toBe(403);
        expect((await app.inject({ method: 'GET', url: '/v1/admin/terminals', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(403);
        expect((await adminGet('/v1/admin/terminals')).statusCode).toBe(200);
      });
    });

    describe('ingestion', () => {
      beforeEach(async () => {
        await enrolDirect(t);
      });

      it('stores a batch and returns the first result again, verbatim, for the same batch', async () => {
        t.write(10);
        const b = t.batch(0n, 10);
        const first = await post(b);
        expect(first.statusCode).toBe(200);
        const ack = first.json();
        expect(ack).toMatchObject({ status: 'ok', terminalId: t.id, firstSeq: '1', lastSeq: '10', lastHash: b.lastHash, accepted: 10, duplicates: 0, gapBefore: false });
        clock.advance(5000);
        const second = await post(b);
        expect(second.statusCode).toBe(200);
        expect(second.json()).toEqual(ack); // same receivedAt, same counts
        expect(second.headers['x-ykt-replayed']).toBe('1');
        expect(await report()).toMatchObject({ records: 10, duplicatesReceived: 0, lastSeq: '10', contiguousThrough: '10', gaps: [], gapCount: 0 });
        const stored = (await adminGet(`/v1/admin/terminals/${t.id}/records?after=0&limit=100`)).json().records as Array<Record<string, unknown>>;
        expect(stored.map(({ prevHash: _p, receivedAt: _r, ...w }) => w)).toEqual(t.journal.wire(0n, 100));
      });

      it('counts re-sent records with other batch boundaries as duplicates (per-record idempotency)', async () => {
        t.write(20);
        await post(t.batch(0n, 10));
        const overlap = await post(t.batch(5n, 10)); // 6…15
        expect(overlap.json()).toMatchObject({ firstSeq: '6', lastSeq: '15', accepted: 5, duplicates: 5 });
        expect(await report()).toMatchObject({ records: 15, duplicatesReceived: 5, batches: 2 });
      });

      it('reports gaps per terminal until they are filled, checking the chain across batches', async () => {
        t.write(40);
        await post(t.batch(0n, 10));
        const later = await post(t.batch(20n, 10)); // 21…30
        expect(later.json()).toMatchObject({ accepted: 10, gapBefore: true });
        await post(t.batch(35n, 5)); // 36…40
        expect(await report()).toMatchObject({ records: 25, lastSeq: '40', contiguousThrough: '10', gaps: [{ from: '11', to: '20' }, { from: '31', to: '35' }], gapCount: 2 });
        expect((await post(t.batch(10n, 10))).json()).toMatchObject({ accepted: 10, gapBefore: false });
        expect((await post(t.batch(30n, 5))).statusCode).toBe(200);
        expect(await report()).toMatchObject({ records: 40, contiguousThrough: '40', gaps: [], gapCount: 0 });
      });

      it('a leading gap is reported too', async () => {
        t.write(10);
        await post(t.batch(4n, 6));
        expect(await report()).toMatchObject({ gaps: [{ from: '1', to: '4' }], contiguousThrough: '0' });
      });

      it('concurrent copies of one batch store it once and all get the same answer', async () => {
        t.write(50);
        const b = t.batch(0n, 50);
        const answers = await Promise.all(Array.from({ length: 12 }, () => post(b)));
        expect(answers.map((a) => a.statusCode)).toEqual(Array(12).fill(200));
        const bodies = new Set(answers.map((a) => a.body));
        expect(bodies.size).toBe(1);
        expect(await report()).toMatchObject({ records: 50, batches: 1 });
      });

      it('the syncer uploads a backlog in batches, exactly once', async () => {
        t.write(1234);
        const s = createSyncer({ journal: t.journal, transport: injectTransport(app), signer: t.signer, clock: t.clock, config: { batchRecords: 300 } });
        const round = await s.syncOnce();
        expect(round).toMatchObject({ caughtUp: true, batches: 5, records: 1234 });
        expect(t.journal.syncPosition()).toMatchObject({ ackedThrough: 1234n, unsent: 0n });
        expect(await report()).toMatchObject({ records: 1234, duplicatesReceived: 0, contiguousThrough: '1234', gaps: [] });
        const all = [];
        for (let after = 0n; ; ) {
          const page = (await adminGet(`/v1/admin/terminals/${t.id}/records?after=${after}&limit=500`)).json().records as Array<{ seq: string; hash: string }>;
          if (page.length === 0) break;
          all.push(...page.map((r) => r.hash));
          after = BigInt(page[page.length - 1]!.seq);
        }
        expect(all).toEqual(t.journal.wire(0n, 5000).map((r) => r.hash));
      });
    });

    describe('forged and inconsistent batches are refused and change nothing', () => {
      beforeEach(async () => {
        await enrolDirect(t);
        t.write(10);
      });

      it('signature by another key', async () => {
        const other = keystoreFromJson(generateKeystoreJson());
        const b = t.batch(0n, 10);
        const sig = Buffer.from(ed25519Sign(other.signingKey, batchSigningMessage({ ...b, count: b.records.length }))).toString('hex');
        expect((await post({ ...b, signature: sig })).json()).toMatchObject({ status: 'refused', reason: 'bad-signature' });
        expect((await post({ ...b, keyId: other.keyId, signature: sig })).json()).toMatchObject({ reason: 'unknown-key' });
      });

      it('an altered record (hash not recomputed) breaks the chain', async () => {
        const b = t.batch(0n, 10);
        const altered = { ...b, records: b.records.map((r) => (r.seq === '4' ? { ...r, amountFen: 1 } : r)) };
        const res = await post(altered);
        expect(res.statusCode).toBe(422);
        expect(res.json()).toMatchObject({ reason: 'chain-invalid', seq: '4' });
      });

      it('an altered record with a recomputed chain no longer matches the signature', async () => {
        const b = t.batch(0n, 10);
        let h = Buffer.from(b.prevHash, 'hex') as Uint8Array;
        const records = b.records.map((r) => {
          const body = { ...r, amountFen: r.seq === '4' ? 1 : r.amountFen };
          h = recordHash(t.id, h, body);
          return { ...body, hash: toHexLower(h) };
        });
        expect((await post({ ...b, records, lastHash: toHexLower(h) })).json()).toMatchObject({ reason: 'bad-signature' });
      });

      it('wrong genesis, non-consecutive records, malformed and oversized bodies', async () => {
        const b = t.batch(0n, 10);
        const recs = t.journal.wire(0n, 10);
        expect((await post(signBatch(t.signer, 'ab'.repeat(32), recs))).json()).toMatchObject({ reason: 'bad-genesis' });
        expect((await post(signBatch(t.signer, b.prevHash, [recs[0]!, recs[1]!, recs[3]!]))).json()).toMatchObject({ reason: 'not-consecutive', message: 'firstSeq…lastSeq spans 4 records, the batch has 3' });
        expect((await post(signBatch(t.signer, b.prevHash, [recs[0]!, recs[2]!, recs[2]!]))).json()).toMatchObject({ reason: 'not-consecutive', seq: '3', message: 'record 1 has seq 3, expected 2' });
        expect((await post({ ...b, records: b.records.slice(0, 9) })).json()).toMatchObject({ status: 'refused' });
        const bad = await app.inject({ method: 'POST', url: BATCH_PATH, headers: { 'content-type': 'application/json' }, payload: '{"v":1,' });
        expect(bad.statusCode).toBe(400);
        expect((await post({ ...b, records: b.records.map((r) => ({ ...r, reason: 'a\u0000b' })) })).json()).toMatchObject({ reason: 'malformed' });
        t.write(600);
        expect((await post(t.batch(0n, 501))).json()).toMatchObject({ reason: 'malformed' });
        expect(await report()).toMatchObject({ records: 0 });
      });

      it('a rolled-back or replaced journal (same terminal, same key, other content) is a conflict', async () => {
        expect((await post(t.batch(0n, 5))).statusCode).toBe(200);
        const impostor = testTerminal(t.id, tmp.path(`impostor-${n}.sqlite`), t.keystore);
        impostor.clock.advance(1); // other timestamps: other content
        impostor.write(10);
        const same = await post(impostor.batch(0n, 5)); // same range, other content
        expect(same.statusCode).toBe(409);
        expect(same.json()).toMatchObject({ status: 'conflict', reason: 'batch-differs' });
        expect((await post(impostor.batch(0n, 3))).json()).toMatchObject({ status: 'conflict', reason: 'chain-break-after', seq: '3' });
        expect((await post(impostor.batch(0n, 7))).json()).toMatchObject({ status: 'conflict', reason: 'record-differs', seq: '1' });
        expect((await post(impostor.batch(2n, 5))).json()).toMatchObject({ status: 'conflict', reason: 'chain-break-before', seq: '3' });
        expect((await post(impostor.batch(5n, 5))).json()).toMatchObject({ status: 'conflict', reason: 'chain-break-before' });
        // the real terminal's later records: 8…10 stored first, then the impostor's 6…7 would not link
        expect((await post(t.batch(7n, 3))).statusCode).toBe(200);
        const r = await post(impostor.batch(5n, 2));
        expect(r.json()).toMatchObject({ status: 'conflict' });
        impostor.journal.close();
        expect(await report()).toMatchObject({ records: 8 });
        const stored = (await adminGet(`/v1/admin/terminals/${t.id}/records?after=0`)).json().records as Array<{ hash: string }>;
        const mine = t.journal.wire(0n, 10);
        expect(stored.map((s) => s.hash)).toEqual([...mine.slice(0, 5), ...mine.slice(7)].map((w) => w.hash));
      });
    });
  });
}
