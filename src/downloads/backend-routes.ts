/**
 * HTTP routes that serve published artefacts to terminals (the clearing backend mounts them:
 * `registerArtefactRoutes(app, { source })` inside its createBackend). API (docs/downloads.md):
 *
 *   GET /artefacts                       → 200 {"artefacts":[{kind,version,base?,created,expires,size}]}
 *   GET /artefacts/:kind?have=N[&full=1] → 200 the envelope (application/vnd.yikatong.artefact),
 *                                            ETag W/"<kind>.<version>", X-Ykt-Version, X-Ykt-Base on a delta
 *                                        → 304 when N (or If-None-Match W/"<kind>.N") is the latest
 *                                        → 404 {"error"} nothing published; 400 {"error"} bad request
 *
 * The ETag is weak on purpose: a delta and a full artefact of the same version are different bytes
 * but the same content once applied (RFC 9110 §8.8.1).
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ArtefactSource } from './source';

export const ARTEFACT_MEDIA_TYPE = 'application/vnd.yikatong.artefact';

export interface ArtefactRoutesOptions {
  source: ArtefactSource;
  /** URL prefix, default '' (routes at /artefacts…). */
  prefix?: string;
}

const kindRe = /^[a-z][a-z0-9-]{0,31}$/;

export function etagFor(kind: string, version: number): string {
  return `W/"${kind}.${version}"`;
}

/** The version a terminal announces in If-None-Match (W/"kind.N"; several may be listed). */
export function versionFromIfNoneMatch(header: string | undefined, kind: string): number | undefined {
  if (!header) return undefined;
  let best: number | undefined;
  for (const part of header.split(',')) {
    const m = /^\s*(?:W\/)?"([a-z][a-z0-9-]{0,31})\.(\d{1,15})"\s*$/.exec(part);
    if (m && m[1] === kind) best = Math.max(best ?? 0, Number(m[2]));
  }
  return best;
}

export function registerArtefactRoutes(app: FastifyInstance, opts: ArtefactRoutesOptions): void {
  const prefix = opts.prefix ?? '';
  const { source } = opts;

  app.get(`${prefix}/artefacts`, async () => ({ artefacts: await source.list() }));

  app.get<{ Params: { kind: string }; Querystring: { have?: string; full?: string } }>(`${prefix}/artefacts/:kind`, async (req, reply) => {
    const { kind } = req.params;
    if (!kindRe.test(kind)) return reply.code(400).send({ error: 'kind: expected a lowercase name of 1–32 letters, digits or dashes' });
    let have: number | undefined;
    if (req.query.have !== undefined && req.query.have !== '') {
      if (!/^\d{1,15}$/.test(req.query.have)) return reply.code(400).send({ error: 'have: expected a version number' });
      have = Number(req.query.have);
    } else have = versionFromIfNoneMatch(req.headers['if-none-match'], kind);
    const full = req.query.full === '1' || req.query.full === 'true';
    const sel = await source.select(kind, have, full);
    if (sel.status === 'not-found') return reply.code(404).send({ error: sel.why });
    if (sel.status === 'up-to-date') {
      return reply.code(304).header('etag', etagFor(kind, Math.max(have ?? 0, sel.latest))).header('x-ykt-latest-version', String(sel.latest)).send();
    }
    reply.header('etag', etagFor(kind, sel.meta.version)).header('x-ykt-version', String(sel.meta.version)).header('cache-control', 'no-cache');
    if (sel.meta.base !== undefined) reply.header('x-ykt-base', String(sel.meta.base));
    return reply.type(ARTEFACT_MEDIA_TYPE).send(Buffer.from(sel.bytes.buffer, sel.bytes.byteOffset, sel.bytes.length));
  });
}

/** The same as a Fastify plugin: `app.register(artefactRoutesPlugin, { source, prefix: '/v1' })` (Fastify applies the prefix). */
export const artefactRoutesPlugin: FastifyPluginAsync<ArtefactRoutesOptions> = async (app, opts) => registerArtefactRoutes(app, { source: opts.source });
