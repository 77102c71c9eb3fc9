/**
 * The operator (cashier) API of a hospital counter or canteen POS, on loopback: the cash-register
 * software (or the demo) types amounts, cancels, refunds and reads the state. Every route needs
 * "Authorization: Bearer <token>". Documented in docs/operator-api.md.
 *
 *   GET  /operator/state                              → OperatorState
 *   POST /operator/amount   {"fen": 1234, "register"?: true}  → OperatorState
 *   POST /operator/register                           → OperatorState   (hospital: registration only)
 *   POST /operator/cancel                             → { cancelled, state }
 *   POST /operator/refund                             → RefundOutcome   (approved or refused: both recorded)
 *
 * Errors: 400 bad-request / bad-amount, 401 unauthorized, 404 not-supported, 409 busy, 503
 * out-of-service (the journal cannot record), each as { error, message }.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ConfigError, errorMessage } from '../../../core/errors';
import { tokenMatcher } from '../../../core/secret-token';
import { JournalUnavailableError } from '../../../journal';
import type { Logger } from '../../../log/logger';
import type { OperatorApiConfig } from '../config';
import { OperatorError, type OperatorConsole } from './operator-console';

const STATUS: Record<OperatorError['reason'], number> = { 'bad-amount': 400, busy: 409, 'not-supported': 404 };

const bearer = (req: FastifyRequest): string | undefined => {
  const h = req.headers.authorization;
  return typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
};

const json = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))) as unknown;

/** The routes, on any fastify instance (the Terminal's own operator server, or a host application's). */
export function registerOperatorRoutes(app: FastifyInstance, opts: { console: OperatorConsole; token: string; log?: Logger }): void {
  const op = opts.console;
  if (opts.token.length < 16) throw new ConfigError('profile.operatorApi.token', 'at least 16 characters');
  const matches = tokenMatcher(opts.token);

  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/operator/')) return;
    const given = bearer(req);
    if (!matches(given)) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: 'send "Authorization: Bearer <operator token>"' });
    }
  });

  const run = async (reply: FastifyReply, f: () => unknown) => {
    try {
      return reply.header('cache-control', 'no-store').send(json(await f()));
    } catch (e) {
      if (e instanceof OperatorError) return reply.code(STATUS[e.reason]).send({ error: e.reason, message: e.message });
      if (e instanceof JournalUnavailableError) return reply.code(503).send({ error: 'out-of-service', message: e.message });
      opts.log?.error('operator request failed', { error: errorMessage(e) });
      return reply.code(500).send({ error: 'internal-error', message: 'the request failed: see the terminal log' });
    }
  };

  app.get('/operator/state', (_req, reply) => run(reply, () => op.state()));

  app.post('/operator/amount', (req, reply) => {
    const b = req.body as { fen?: unknown; register?: unknown } | undefined;
    if (!b || typeof b !== 'object' || Array.isArray(b)) return reply.code(400).send({ error: 'bad-request', message: 'expected a JSON body {"fen": <whole number of fen>}' });
    const extra = Object.keys(b).filter((k) => k !== 'fen' && k !== 'register');
    if (extra.length) return reply.code(400).send({ error: 'bad-request', message: `unknown field(s): ${extra.join(', ')}` });
    if (typeof b.fen !== 'number' || !Number.isSafeInteger(b.fen) || b.fen <= 0) return reply.code(400).send({ error: 'bad-amount', message: `fen: expected a whole number of fen > 0 (12.34 CNY = 1234), got ${JSON.stringify(b.fen)}` });
    if (b.register !== undefined && typeof b.register !== 'boolean') return reply.code(400).send({ error: 'bad-request', message: 'register: expected true or false' });
    const fen = b.fen;
    const register = b.register as boolean | undefined;
    return run(reply, () => op.setAmount(fen, { register }));
  });

  app.post('/operator/register', (_req, reply) => run(reply, () => op.register()));
  app.post('/operator/cancel', (_req, reply) => run(reply, () => op.cancel()));
  app.post('/operator/refund', (_req, reply) => run(reply, () => op.refundLast()));
}

/** The token from config, else the one kept in the token file (created once, mode 0600). */
export function operatorToken(cfg: OperatorApiConfig, dataDir: string): { token: string; file?: string } {
  if (cfg.token) return { token: cfg.token };
  const file = cfg.tokenFile ?? join(dataDir, 'operator-token');
  if (existsSync(file)) {
    const t = readFileSync(file, 'utf8').trim();
    if (t.length < 16) throw new ConfigError('profile.operatorApi.tokenFile', `${file} holds fewer than 16 characters: delete it to have a new token made`);
    return { token: t, file };
  }
  mkdirSync(dirname(file), { recursive: true });
  const t = randomBytes(24).toString('base64url');
  writeFileSync(file, t + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { token: t, file };
}

export interface OperatorApi {
  url: string;
  token: string;
  /** Where the token is kept, when it was not given in the config. */
  tokenFile?: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** A dedicated loopback server for the operator routes. */
export async function startOperatorApi(opts: { console: OperatorConsole; config: OperatorApiConfig; dataDir: string; log?: Logger }): Promise<OperatorApi> {
  const { token, file } = operatorToken(opts.config, opts.dataDir);
  const app = Fastify({ logger: false, bodyLimit: 4096 });
  registerOperatorRoutes(app, { console: opts.console, token, log: opts.log });
  await app.listen({ host: opts.config.host, port: opts.config.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.config.port;
  const host = opts.config.host.includes(':') ? `[${opts.config.host}]` : opts.config.host;
  const url = `http://${host}:${port}`;
  opts.log?.info('operator API listening', { url, tokenFile: file });
  return { url, token, tokenFile: file, app, close: () => app.close() };
}
