/**
 * The local web server (fastify, loopback by default):
 *   GET /                  customer display page       GET /events   its Server-Sent Events stream
 *   GET /view              current DisplayView (JSON)  GET /audio/*  spoken clips
 *   GET /maintenance       maintenance page (shell)    GET /maintenance/data  its data (token)
 *   GET /status            JSON health summary         GET /metrics  Prometheus text format 0.0.4
 * The SSE stream sends `event: config` once, `event: view` for every view (id = view seq) and
 * `event: ping` every heartbeatMs: the page shows "out of service" when pings stop.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { systemClock, type Clock } from '../core/clock';
import { errorMessage } from '../core/errors';
import { tokenMatcher } from '../core/secret-token';
import { silentLogger, type Logger } from '../log/logger';
import { PROMETHEUS_CONTENT_TYPE, Registry } from '../metrics/registry';
import type { TerminalMetrics } from '../metrics/terminal';
import { DEVICE_UP_STATES } from '../metrics/terminal';
import { assetsDir, loadAssets, type Asset } from './assets';
import type { DisplayConfig } from './config';
import type { DisplayHub } from './hub';
import { EMPTY_SNAPSHOT, normaliseSnapshot, type MaintenanceData, type MaintenanceSnapshot, type MaintenanceSource } from './maintenance';
import type { DisplayView } from './view';

export interface DisplayServerOptions {
  hub: DisplayHub;
  /** Default: the hub's config. */
  config?: DisplayConfig;
  maintenance?: MaintenanceSource;
  /** Terminal metrics (their registry is served), or a bare registry. */
  metrics?: TerminalMetrics | Registry;
  logger?: Logger;
  clock?: Clock;
  assetsDir?: string;
}

export interface DisplayServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly app: FastifyInstance;
  /** Pages connected to /events. */
  readonly clients: number;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; media-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};


export async function startDisplayServer(opts: DisplayServerOptions): Promise<DisplayServer> {
  const hub = opts.hub;
  const config = opts.config ?? hub.config;
  const log = opts.logger ?? silentLogger;
  const clock = opts.clock ?? systemClock;
  const assets = loadAssets(opts.assetsDir ?? assetsDir());
  const registry = opts.metrics instanceof Registry ? opts.metrics : opts.metrics?.registry;
  const terminalMetrics = opts.metrics instanceof Registry ? undefined : opts.metrics;
  const bootId = randomBytes(8).toString('hex');
  const tokenMatches = config.maintenance.token ? tokenMatcher(config.maintenance.token) : undefined;
  const streams = new Set<ServerResponse>();

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 1024 });

  app.addHook('onSend', async (_req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    return payload;
  });
  app.setErrorHandler((err: unknown, req, reply) => {
    const status = (err as { statusCode?: unknown }).statusCode;
    const client = typeof status === 'number' && status >= 400 && status < 500;
    log.warn('display request failed', { url: req.routeOptions.url ?? 'unknown', err });
    void reply.code(client ? status : 500).type('application/json').send({ error: client ? errorMessage(err) : 'internal error' });
  });
  app.setNotFoundHandler((_req, reply) => void reply.code(404).type('application/json').send({ error: 'not found' }));

  const authorised = (req: FastifyRequest): boolean => {
    if (!tokenMatches) return true;
    const h = req.headers.authorization;
    const fromHeader = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : undefined;
    const q = (req.query as Record<string, unknown> | undefined)?.token;
    const given = fromHeader ?? (typeof q === 'string' ? q : undefined);
    return tokenMatches(given);
  };
  const refuse = (reply: FastifyReply) => reply.code(401).header('www-authenticate', 'Bearer realm="ykt-maintenance"').type('application/json').send({ error: 'maintenance token required (Authorization: Bearer <token>)' });

  const serve = (url: string, asset: Asset | undefined) =>
    app.get(url, (req, reply) => {
      if (!asset) return reply.code(404).send({ error: 'not found' });
      if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.header('etag', asset.etag).header('cache-control', asset.cache).type(asset.contentType).send(asset.body);
    });
  serve('/', assets.get('/index.html'));
  serve('/maintenance', assets.get('/maintenance.html'));
  for (const [url, a] of assets) if (url !== '/index.html' && url !== '/maintenance.html') serve(url, a);
  app.get('/favicon.ico', (_req, reply) => reply.code(204).send());

  app.get('/view', (_req, reply) => reply.header('cache-control', 'no-store').send(hub.view()));

  app.get('/events', (req, reply) => {
    if (streams.size >= config.maxClients) return reply.code(503).header('retry-after', '5').send({ error: `too many display clients (display.maxClients = ${config.maxClients})` });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no', ...SECURITY_HEADERS });
    res.socket?.setNoDelay(true);
    const write = (s: string) => {
      if (!res.writableEnded) res.write(s);
    };
    const sendView = (v: DisplayView) => write(`id: ${v.seq}\nevent: view\ndata: ${JSON.stringify(v)}\n\n`);
    write(`retry: 1000\nevent: config\ndata: ${JSON.stringify({ bootId, disconnectedAfterMs: config.disconnectedAfterMs, heartbeatMs: config.heartbeatMs })}\n\n`);
    sendView(hub.view());
    const unsubscribe = hub.subscribe(sendView);
    const ping = setInterval(() => write(`event: ping\ndata: ${clock.now()}\n\n`), config.heartbeatMs);
    ping.unref();
    streams.add(res);
    terminalMetrics?.displayClients.set(undefined, streams.size);
    const done = () => {
      clearInterval(ping);
      unsubscribe();
      streams.delete(res);
      terminalMetrics?.displayClients.set(undefined, streams.size);
    };
    res.on('close', done);
    res.on('error', done);
  });

  const snapshot = async (): Promise<{ snap: MaintenanceSnapshot; error?: string }> => {
    if (!opts.maintenance) return { snap: EMPTY_SNAPSHOT };
    try {
      return { snap: normaliseSnapshot(await opts.maintenance.snapshot(), clock.now()) };
    } catch (e) {
      log.warn('maintenance snapshot failed', { err: e });
      return { snap: EMPTY_SNAPSHOT, error: `maintenance source failed: ${errorMessage(e)}` };
    }
  };

  app.get('/maintenance/data', async (req, reply) => {
    if (!authorised(req)) return refuse(reply);
    const { snap, error } = await snapshot();
    const v = hub.view();
    const data: MaintenanceData = {
      ...snap,
      nowMs: clock.now(),
      refreshMs: config.maintenance.refreshMs,
      display: { kind: v.kind, seq: v.seq, sinceMs: v.atMs, headline: v.headline, clients: streams.size },
      recentDecisions: hub.recentDecisions(),
      ...(error ? { sourceError: error } : {}),
    };
    return reply.header('cache-control', 'no-store').send(data);
  });

  app.get('/status', async (req, reply) => {
    if (config.maintenance.protectMetrics && !authorised(req)) return refuse(reply);
    const { snap, error } = await snapshot();
    const v = hub.view();
    const devicesUp = snap.devices.filter((d) => DEVICE_UP_STATES.has(d.state)).length;
    const staleArtefacts = snap.artefacts.filter((a) => a.stale || a.version === null).map((a) => a.kind);
    const ok = !error && v.kind !== 'out-of-service' && devicesUp === snap.devices.length && snap.journal?.inService !== false;
    return reply
      .code(200)
      .header('cache-control', 'no-store')
      .send({
        ok,
        terminalId: snap.terminalId,
        softwareVersion: snap.softwareVersion,
        profile: snap.profile ?? v.profile ?? null,
        display: { kind: v.kind, seq: v.seq, sinceMs: v.atMs, clients: streams.size },
        devices: { up: devicesUp, total: snap.devices.length, down: snap.devices.filter((d) => !DEVICE_UP_STATES.has(d.state)).map((d) => d.name) },
        unsentRecords: snap.unsentRecords,
        lastSync: snap.lastSync,
        staleArtefacts,
        journalInService: snap.journal?.inService ?? null,
        ...(error ? { sourceError: error } : {}),
      });
  });

  app.get('/metrics', async (req, reply) => {
    if (config.maintenance.protectMetrics && !authorised(req)) return refuse(reply);
    if (!registry) return reply.code(404).send({ error: 'no metrics registry configured' });
    if (terminalMetrics && opts.maintenance) {
      const { snap, error } = await snapshot();
      if (!error) terminalMetrics.updateFrom(snap);
    }
    terminalMetrics?.displayClients.set(undefined, streams.size);
    return reply.header('cache-control', 'no-store').type(PROMETHEUS_CONTENT_TYPE).send(registry.expose());
  });

  await app.listen({ host: config.host, port: config.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${hostForUrl}:${port}`;
  log.info('display server listening', { url });

  return {
    url,
    host: config.host,
    port,
    app,
    get clients() {
      return streams.size;
    },
    async close() {
      for (const s of streams) s.end();
      streams.clear();
      await app.close();
    },
  };
}
