/**
 * The clearing backend as a process: `node dist/backend.js [options]` (or `npx tsx src/backend/main.ts`).
 *
 *   --config <file.json>   backend config (backend/config.ts); flags below override it
 *   --sqlite <path>        SQLite store (the default store)
 *   --pg <url>             PostgreSQL store (postgres://user@host:port/db)
 *   --host <h> --port <n>  listen address (port 0: any free port)
 *   --admin-token <t>      admin API token (or env YKT_BACKEND_ADMIN_TOKEN)
 *
 * Prints one JSON line on stdout once listening: {"listening":"http://host:port","store":"sqlite"}.
 * SIGTERM/SIGINT close the server and the store.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseBackendConfig } from './config';
import { createBackend } from './server';
import type { BackendStore } from './store';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      sqlite: { type: 'string' },
      pg: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'admin-token': { type: 'string' },
    },
  });
  const file: Record<string, unknown> = values.config ? (JSON.parse(readFileSync(values.config, 'utf8')) as Record<string, unknown>) : {};
  const raw = { ...file, listen: { ...((file.listen as object) ?? {}) } } as Record<string, unknown> & { listen: Record<string, unknown> };
  if (values.sqlite) raw.store = { kind: 'sqlite', path: values.sqlite };
  if (values.pg) raw.store = { kind: 'postgres', url: values.pg };
  if (values.host) raw.listen.host = values.host;
  if (values.port) raw.listen.port = Number(values.port);
  const token = values['admin-token'] ?? process.env.YKT_BACKEND_ADMIN_TOKEN;
  if (token) raw.adminToken = token;
  const cfg = parseBackendConfig(raw);

  let store: BackendStore;
  if (cfg.store.kind === 'postgres') {
    const { createPgStore } = await import('./pg-store');
    store = createPgStore(cfg.store.url);
  } else {
    const { createSqliteStore } = await import('./sqlite-store');
    store = createSqliteStore(cfg.store.path);
  }
  await store.migrate();
  const app = createBackend({ store, adminToken: cfg.adminToken, maxBatchRecords: cfg.maxBatchRecords, bodyLimitBytes: cfg.bodyLimitBytes, enrolmentCodeTtlMs: cfg.enrolmentCodeTtlMs });
  const address = await app.listen({ host: cfg.listen.host, port: cfg.listen.port });
  process.stdout.write(JSON.stringify({ listening: address, store: store.kind }) + '\n');
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    app.close().then(
      () => store.close().then(() => process.exit(0)),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`yikatong backend: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e && typeof e === 'object' && 'code' in e && (e as { code: string }).code === 'config/invalid' ? 3 : 1);
});
