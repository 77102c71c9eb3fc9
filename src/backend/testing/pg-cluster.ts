/**
 * A throw-away PostgreSQL cluster for tests and benchmarks: initdb into a temporary directory, pg_ctl
 * start on a free loopback port, torn down (stop -m immediate, directory removed) by stop(). It does
 * not use or need a system PostgreSQL service. Tests run as root in CI, and PostgreSQL refuses to run
 * as root, so the server runs as the `postgres` user through `runuser -u postgres --`.
 *
 * Binaries: $YKT_PG_BIN, else the newest /usr/lib/postgresql/<version>/bin (Debian's layout).
 * Missing binaries are an error that says what to install — never a skipped test.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgCluster {
  port: number;
  /** Connection URL of a database in the cluster. */
  url(db?: string): string;
  /** CREATE DATABASE name; returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export function pgBinDir(): string {
  if (process.env.YKT_PG_BIN) return process.env.YKT_PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install the Debian package "postgresql" (listed in .ci/system-packages.txt) or set YKT_PG_BIN');
  return join(base, versions[0]!, 'bin');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function asPostgres(cmd: string, args: string[]): { status: number | null; out: string } {
  const isRoot = process.getuid?.() === 0;
  const r = isRoot ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}${isRoot ? ' (is util-linux runuser available and does the "postgres" user exist?)' : ''}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = pgBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'ykt-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0) throw new Error('user "postgres" does not exist: install the Debian package "postgresql"');
    chownSync(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()));
  }
  const init = asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed:\n${init.out}`);
  }
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    // Test cluster: durability traded for speed (fsync off). The store's own durability is PostgreSQL's job.
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50`;
    const start = asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', opts, '-w', '-t', '30', 'start']);
    if (start.status === 0) break;
    if (attempt >= 2) {
      const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8') : '';
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`pg_ctl start failed:\n${start.out}\n${log}`);
    }
  }
  const url = (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`;
  return {
    port,
    url,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    async stop() {
      asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
