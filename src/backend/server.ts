/**
 * The clearing backend's HTTP API (fastify). Composable: `createBackend({ store, … })` returns the
 * fastify instance without listening, so the integrator can add routes (e.g. the signed artefact
 * downloads of src/downloads/) through `routes` or by registering on the returned app before listen().
 * API reference: docs/backend-api.md.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../core/clock';
import { base32 } from '../core/holder-token';
import { ed25519KeyId, ed25519Verify } from '../core/ed25519';
import { tokenMatcher } from '../core/secret-token';
import { enrolmentMessage } from '../sync/batch';
import { BATCH_PATH } from '../sync/transport';
import type { BackendStore } from './store';
import { parseBatch, verifyBatch } from './validate';
import { sha256Hex } from './util';

export interface BackendOptions {
  store: BackendStore;
  clock?: Clock;
  /** Bearer token for /v1/admin/*; without it the admin API answers 403. */
  adminToken?: string;
  maxBatchRecords?: number;
  bodyLimitBytes?: number;
  enrolmentCodeTtlMs?: number;
  /** fastify logger option (default off). Request bodies are never logged. */
  logger?: boolean | Record<string, unknown>;
  /**
   * Extra route registrations, each run as a fastify plugin after the core routes, e.g.
   * `routes: [(app) => registerArtefactRoutes(app, opts)]`.
   */
  routes?: ReadonlyArray<(app: FastifyInstance) => void | Promise<void>>;
}

const TERMINAL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function createBackend(opts: BackendOptions): FastifyInstance {
  const store = opts.store;
  const clock = opts.clock ?? systemClock;
  const maxBatchRecords = opts.maxBatchRecords ?? 5000;
  const ttl = opts.enrolmentCodeTtlMs ?? 24 * 3600_000;
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: opts.bodyLimitBytes ?? 64 * 1024 * 1024 });

  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 503;
    // 4xx from fastify itself (bad JSON, body too large) are the client's; anything else is ours and
    // transient as far as the terminal knows: 503 means "outcome unknown, retry".
    void reply.code(status).send({ status: status === 503 ? 'error' : 'refused', reason: status === 503 ? 'unavailable' : 'malformed', message: err.message });
  });

  const adminTokenMatches = opts.adminToken ? tokenMatcher(opts.adminToken) : undefined;
  const admin = async (req: FastifyRequest, reply: FastifyReply) => {
    const h = req.headers.authorization ?? '';
    const token = h.startsWith('Bearer ') ? h.slice(7) : '';
    if (!adminTokenMatches?.(token)) {
      return reply.code(403).send({ status: 'refused', reason: 'forbidden', message: opts.adminToken ? 'admin token required' : 'the admin API is disabled (no adminToken configured)' });
    }
  };

  app.get('/health', async () => ({ status: 'ok', store: store.kind }));

  app.post(BATCH_PATH, async (req, reply) => {
    const parsed = parseBatch(req.body, maxBatchRecords);
    if (!parsed.ok) return reply.code(parsed.httpStatus).send(parsed.refusal);
    const terminal = await store.getTerminal(parsed.batch.terminalId);
    const checked = verifyBatch(parsed.batch, terminal);
    if (!checked.ok) return reply.code(checked.httpStatus).send(checked.refusal);
    const out = await store.ingest(checked.batch, clock.now());
    if (out.kind === 'conflict') return reply.code(409).send({ status: 'conflict', reason: out.reason, message: out.message, seq: out.seq });
    if (out.replayed) void reply.header('x-ykt-replayed', '1');
    return reply.code(200).send(out.ack);
  });

  app.post('/v1/enrol', async (req, reply) => {
    const b = req.body as Record<string, unknown> | undefined;
    const terminalId = b?.terminalId;
    const publicKey = b?.publicKey;
    const code = b?.code;
    const proof = b?.proof;
    if (typeof terminalId !== 'string' || !TERMINAL_ID.test(terminalId) || typeof publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(publicKey) || typeof code !== 'string' || code.length > 64 || typeof proof !== 'string' || !/^[0-9a-f]{128}$/.test(proof)) {
      return reply.code(400).send({ status: 'refused', reason: 'malformed', message: 'expected { terminalId, publicKey (64 hex), code, proof (128 hex) }' });
    }
    const pk = new Uint8Array(Buffer.from(publicKey, 'hex'));
    if (!ed25519Verify(pk, enrolmentMessage(terminalId, publicKey, code), new Uint8Array(Buffer.from(proof, 'hex')))) {
      return reply.code(401).send({ status: 'refused', reason: 'bad-proof', message: 'the proof of possession does not verify with the given public key' });
    }
    const keyId = ed25519KeyId(pk);
    const r = await store.enrol(terminalId, sha256Hex(normaliseCode(code)), publicKey, keyId, clock.now());
    if (r !== 'ok') return reply.code(401).send({ status: 'refused', reason: r, message: r === 'expired' ? 'the enrolment code has expired: ask for a new one' : 'unknown or already used enrolment code' });
    return { status: 'ok', terminalId, keyId };
  });

  app.register(async (a) => {
    a.addHook('onRequest', admin);

    a.post<{ Params: { id: string } }>('/v1/admin/terminals/:id/enrolment-code', async (req, reply) => {
      if (!TERMINAL_ID.test(req.params.id)) return reply.code(400).send({ status: 'refused', reason: 'malformed', message: 'bad terminal id' });
      const code = base32(randomBytes(10)); // 16 characters, 80 bits
      const expiresAt = clock.now() + ttl;
      await store.putEnrolmentCode(req.params.id, sha256Hex(code), expiresAt);
      return { terminalId: req.params.id, code, expiresAt };
    });

    a.put<{ Params: { id: string }; Body: { publicKey?: unknown } }>('/v1/admin/terminals/:id/key', async (req, reply) => {
      const pkHex = req.body?.publicKey;
      if (!TERMINAL_ID.test(req.params.id) || typeof pkHex !== 'string' || !/^[0-9a-f]{64}$/.test(pkHex)) return reply.code(400).send({ status: 'refused', reason: 'malformed', message: 'expected { publicKey: 64 hex }' });
      const keyId = ed25519KeyId(new Uint8Array(Buffer.from(pkHex, 'hex')));
      await store.registerTerminal(req.params.id, pkHex, keyId, clock.now());
      return { status: 'ok', terminalId: req.params.id, keyId };
    });

    a.get('/v1/admin/terminals', async () => ({ terminals: await store.listTerminals() }));

    a.get<{ Params: { id: string } }>('/v1/admin/terminals/:id', async (req, reply) => {
      const r = await store.report(req.params.id);
      if (!r) return reply.code(404).send({ status: 'refused', reason: 'unknown-terminal', message: `no terminal ${req.params.id}` });
      return r;
    });

    a.get<{ Params: { id: string }; Querystring: { after?: string; limit?: string } }>('/v1/admin/terminals/:id/records', async (req, reply) => {
      const after = req.query.after ?? '0';
      const limit = Number(req.query.limit ?? '1000');
      if (!/^\d{1,19}$/.test(after) || !Number.isInteger(limit) || limit < 1 || limit > 10_000) return reply.code(400).send({ status: 'refused', reason: 'malformed', message: 'after: decimal seq; limit: 1…10000' });
      return { records: await store.records(req.params.id, BigInt(after), limit) };
    });
  });

  for (const r of opts.routes ?? []) app.register(async (a) => r(a));
  return app;
}

/** Codes are shown to people: accept lower case and separators. */
export function normaliseCode(code: string): string {
  return code.replace(/[\s-]+/g, '').toUpperCase();
}
