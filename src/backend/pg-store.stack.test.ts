/**
 * The backend suite against PostgreSQL: this file starts its own cluster (initdb + pg_ctl as the
 * postgres user, free port) and removes it afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendStoreSuite } from './store-suite';
import { createPgStore, BACKEND_PG_MIGRATIONS } from './pg-store';
import { startPgCluster, type PgCluster } from './testing/pg-cluster';

let cluster: PgCluster | undefined;
let n = 0;

beforeAll(async () => {
  cluster = await startPgCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

backendStoreSuite('PostgreSQL', {
  async create() {
    const url = await cluster!.createDatabase(`ykt_${++n}`);
    const s = createPgStore(url);
    await s.migrate();
    return s;
  },
});

describe('PostgreSQL migrations', () => {
  it('are versioned, idempotent and transactional', async () => {
    const url = await cluster!.createDatabase('ykt_migrations');
    const s = createPgStore(url);
    await s.migrate();
    await s.migrate(); // nothing to do
    const bad = [...BACKEND_PG_MIGRATIONS, { version: 2, name: 'half', sql: 'CREATE TABLE half (x int); SELECT no_such_function();' }];
    await expect(s.migrate(bad)).rejects.toThrow(/no_such_function/);
    const tables = await s.pool.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'half'");
    expect(tables.rows[0].n).toBe(0);
    const versions = await s.pool.query('SELECT version FROM ykt_schema_migrations ORDER BY version');
    expect(versions.rows.map((r) => r.version)).toEqual([1]);
    await s.pool.query("INSERT INTO ykt_schema_migrations (version, name) VALUES (9, 'future')");
    await expect(s.migrate()).rejects.toThrow(/newer than this software/);
    await s.close();
  });
});
