/**
 * A complete local world for the embedded default (`ykt demo`) and the runtime tests: a clearing
 * backend on loopback (SQLite) that serves signed downloads (hotlist, fares, CA keys, e-code trust and
 * revocation lists), TEST publisher and e-code keys, and a terminal config that trusts them. Every key
 * here is a TEST key derived from a public label — never use in production.
 */
import { createHash } from 'node:crypto';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../core/clock';
import { systemClock } from '../../core/clock';
import { fixturesDir } from '../../core/paths';
import { createBackend } from '../../backend/server';
import { createSqliteStore } from '../../backend/sqlite-store';
import type { TerminalReport } from '../../backend/store';
import { registerArtefactRoutes } from '../../downloads/backend-routes';
import { buildArtefact } from '../../downloads/publisher';
import { MemoryArtefactSource } from '../../downloads/source';
import { issueCertificate, keyPairFromPrivate, makeCode, type KeyPairRecord } from '../../ecode/issue';
import { encodeRevocations } from '../../ecode/revocations';
import { signTrustList } from '../../ecode/trust-list';
import type { ScopeName } from '../../ecode/tables';
import { hotlistKey, type HotlistIdKind } from '../../hotlist/key';
import { keysFromBigints } from '../../hotlist/keys';
import { fullHotlistPayload } from '../../hotlist/payload';
import { parseTerminalConfig, type TerminalConfig } from '../config';

/** A TEST key from a public label (deterministic, so the demo is reproducible). */
export function testSeed(label: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update('ykt-demo-TEST-KEY:' + label).digest());
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const DAY = 86_400_000;

export interface LocalWorldOptions {
  /** Where the backend and the terminal keep their files. */
  dir: string;
  /** The terminal's profile section (e.g. { kind: 'library' }). */
  profile: Record<string, unknown>;
  /** Other config sections, merged over the world's (e.g. { display: { enabled: false } }). */
  config?: Record<string, unknown>;
  /** Cards and codes reported lost: on the hotlist. */
  hotlisted?: { kind: HotlistIdKind; id: string }[];
  clock?: Clock;
  /** Enrol the terminal's key at the backend (default true). */
  enrol?: boolean;
}

export interface DemoPhone {
  holderToken?: string;
  /** A fresh code at the clock's time (scope: transit, culture, medical, payment, identity, general…). */
  code(scope: ScopeName, at?: number): string;
}

export interface LocalWorld {
  backendUrl: string;
  backend: FastifyInstance;
  config: TerminalConfig;
  holderTokenKey: Uint8Array;
  publisher: KeyPairRecord;
  ecodeRoot: KeyPairRecord;
  ecodeIssuer: KeyPairRecord;
  source: MemoryArtefactSource;
  /** Publish a signed artefact of this kind (JSON or bytes payload). */
  publish(kind: string, version: number, payload: Uint8Array, maxAgeMs?: number): void;
  /** A phone whose e-code belongs to the holder of this card identification code (hex, 16 bytes). */
  phone(cardIdHex: string, opts?: { region?: string; categories?: string[]; label?: string }): DemoPhone;
  /** Register a terminal's public key at the backend (admin API); default: this world's terminal. */
  enrolTerminal(publicKey: Uint8Array, terminalId?: string): Promise<void>;
  /**
   * The config of another terminal of this world (same backend, downloads and trust): its own id,
   * profile and data folder (default <dir>/<id>), other sections merged as in LocalWorldOptions.config.
   */
  /** What the backend holds from a terminal: records stored, contiguous through, gaps (admin API). */
  report(terminalId?: string): Promise<TerminalReport>;
  terminalConfig(t: { id: string; profile: Record<string, unknown>; dataDir?: string; config?: Record<string, unknown> }): TerminalConfig;
  close(): Promise<void>;
}

const ADMIN_TOKEN = 'demo-admin-token-TEST';

export async function startLocalWorld(o: LocalWorldOptions): Promise<LocalWorld> {
  const clock = o.clock ?? systemClock;
  mkdirSync(o.dir, { recursive: true });
  const publisher = keyPairFromPrivate(testSeed('publisher'));
  const ecodeRoot = keyPairFromPrivate(testSeed('ecode-root'));
  const ecodeIssuer = keyPairFromPrivate(testSeed('ecode-issuer-410100'));
  const holderTokenKey = testSeed('holder-token-key');
  const source = new MemoryArtefactSource();
  const store = createSqliteStore(join(o.dir, 'backend.sqlite'));
  await store.migrate();
  const backend = createBackend({ store, adminToken: ADMIN_TOKEN, clock, routes: [(app) => registerArtefactRoutes(app, { source })] });
  const backendUrl = await backend.listen({ host: '127.0.0.1', port: 0 });

  const publish = (kind: string, version: number, payload: Uint8Array, maxAgeMs?: number) => {
    const created = clock.now() - 60_000;
    source.publish(buildArtefact({ kind, version, created, expires: created + 365 * DAY, maxAgeMs, payload }, [{ privateKey: publisher.privateKey }]));
  };

  // The downloads every terminal needs.
  publish('hotlist', 1, fullHotlistPayload(keysFromBigints((o.hotlisted ?? []).map((h) => hotlistKey(h.kind, h.id)))));
  publish('fare-params', 1, readFileSync(fixturesDir('transit', 'fares', 'demo-city.json')));
  publish('pboc-capk', 1, readFileSync(fixturesDir('pboc', 'capk-test.json')));
  const now = clock.now();
  publish(
    'ecode-trust-list',
    1,
    signTrustList(ecodeRoot.privateKey, {
      version: 1,
      issuedAtMs: now - 3_600_000,
      keys: [{ keyId: ecodeIssuer.keyId, issuer: '410100 Zhengzhou HRSS e-code platform (TEST)', publicKey: hex(ecodeIssuer.publicKey), validFromMs: now - 365 * DAY, validToMs: now + 365 * DAY }],
    }),
  );
  publish('ecode-revocations', 1, encodeRevocations({ version: 1, baseVersion: null, issuedAtMs: now - 60_000, add: [], remove: [] }));

  const baseFor = (id: string, dataDir: string, profile: Record<string, unknown>) => ({
    terminal: { id, dataDir, createKeystore: true },
    profile,
    holderTokenKey: hex(holderTokenKey),
    reader: { driver: 'virtual', virtual: { readers: [] } },
    sync: { backendUrl, idlePollMs: 2000, backoffBaseMs: 200, backoffMaxMs: 5000 },
    downloads: { backendUrl, publisherKeys: [{ publicKey: hex(publisher.publicKey), label: 'demo publisher (TEST)' }] },
    ecode: {
      trustRoots: [{ publicKey: hex(ecodeRoot.publicKey), label: 'demo e-code root (TEST)' }],
      profiles: {
        default: { scopes: ['general', 'culture', 'identity', 'transit', 'medical', 'payment'] },
      },
    },
    display: { port: 0 },
  });
  const configFor = (id: string, dataDir: string, profile: Record<string, unknown>, extra: Record<string, unknown> | undefined): TerminalConfig => {
    const merged: Record<string, unknown> = { ...baseFor(id, dataDir, profile) };
    for (const [k, v] of Object.entries(extra ?? {})) {
      const cur = merged[k];
      merged[k] = cur && typeof cur === 'object' && !Array.isArray(cur) && v && typeof v === 'object' && !Array.isArray(v) ? { ...cur, ...v } : v;
    }
    return parseTerminalConfig(merged, 'local world');
  };
  const config = configFor('T-DEMO-0001', join(o.dir, 'terminal'), o.profile, o.config);

  const world: LocalWorld = {
    backendUrl,
    backend,
    config,
    holderTokenKey,
    publisher,
    ecodeRoot,
    ecodeIssuer,
    source,
    publish,
    phone(cardIdHex, p = {}) {
      const device = keyPairFromPrivate(testSeed('phone:' + (p.label ?? cardIdHex)));
      const cert = issueCertificate({
        issuer: ecodeIssuer,
        cardIdentificationCode: new Uint8Array(Buffer.from(cardIdHex, 'hex')),
        holderTokenKey,
        region: p.region ?? cardIdHex.slice(0, 6),
        categories: p.categories ?? ['standard'],
        validFromMs: clock.now() - DAY,
        validToMs: clock.now() + 180 * DAY,
        devicePublicKey: device.publicKey,
        serial: testSeed('serial:' + (p.label ?? cardIdHex)).subarray(0, 8),
      });
      let counter = 0;
      return { code: (scope, at) => makeCode({ cert, devicePrivateKey: device.privateKey, timestampMs: at ?? clock.now(), counter: ++counter, scope }) };
    },
    async report(terminalId = config.terminal.id) {
      const r = await fetch(new URL(`/v1/admin/terminals/${terminalId}`, backendUrl), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      if (!r.ok) throw new Error(`the demo backend has no report for ${terminalId}: ${r.status} ${await r.text()}`);
      return (await r.json()) as TerminalReport;
    },
    terminalConfig(t) {
      return configFor(t.id, t.dataDir ?? join(o.dir, t.id), t.profile, t.config);
    },
    async enrolTerminal(publicKey, terminalId = config.terminal.id) {
      const r = await fetch(new URL(`/v1/admin/terminals/${terminalId}/key`, backendUrl), {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ publicKey: hex(publicKey) }),
      });
      if (!r.ok) throw new Error(`enrolment at the demo backend failed: ${r.status} ${await r.text()}`);
    },
    async close() {
      await backend.close();
    },
  };
  return world;
}
