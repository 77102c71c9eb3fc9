/**
 * The backend store on PostgreSQL (the scale path: thousands of terminals, several backend processes).
 * Batches of one terminal are serialised by locking the terminal's row (SELECT … FOR UPDATE) for the
 * ingest transaction; different terminals proceed in parallel. Records are inserted with one
 * multi-row INSERT … SELECT FROM unnest(…) per batch. Schema versions are kept in
 * ykt_schema_migrations and applied under an advisory lock, each in its own transaction (PostgreSQL
 * DDL is transactional).
 */
import pg from 'pg';
import { GAPS_LISTED, GAPS_SQL, ingestInTx, reportOf, type IngestTx } from './ingest';
import type { BackendStore, EnrolOutcome, Gap, IngestOutcome, StoredRecord, TerminalInfo, TerminalReport, VerifiedBatch } from './store';
import { timingSafeEqualHex } from './util';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export const BACKEND_PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'terminals, enrolments, records, batches',
    sql: `
      CREATE TABLE terminals (
        terminal_id text PRIMARY KEY,
        public_key text,
        key_id text,
        enrolled_at bigint,
        records bigint NOT NULL DEFAULT 0,
        duplicates bigint NOT NULL DEFAULT 0,
        batches bigint NOT NULL DEFAULT 0,
        last_seq bigint NOT NULL DEFAULT 0
      );
      CREATE TABLE enrolments (terminal_id text PRIMARY KEY, code_hash text NOT NULL, expires_at bigint NOT NULL);
      CREATE TABLE records (
        terminal_id text NOT NULL,
        seq bigint NOT NULL,
        ts bigint NOT NULL,
        type text NOT NULL,
        service text NOT NULL,
        outcome text,
        reason text,
        amount_fen bigint,
        currency integer,
        offline boolean NOT NULL,
        ref_seq bigint,
        txn text,
        tokens text NOT NULL,
        payload text NOT NULL,
        sealed text,
        hash text NOT NULL,
        prev_hash text NOT NULL,
        received_at bigint NOT NULL,
        PRIMARY KEY (terminal_id, seq)
      );
      CREATE TABLE batches (
        terminal_id text NOT NULL,
        first_seq bigint NOT NULL,
        last_seq bigint NOT NULL,
        last_hash text NOT NULL,
        result text NOT NULL,
        received_at bigint NOT NULL,
        PRIMARY KEY (terminal_id, first_seq, last_seq)
      );
    `,
  },
];

/** `?` placeholders (shared SQL) → `$1, $2, …`. */
export function pgPlaceholders(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

const big = (v: string | null) => (v === null ? null : BigInt(v));
const num = (v: string | number | null) => (v === null ? null : Number(v));

interface TerminalRow {
  terminal_id: string;
  public_key: string | null;
  key_id: string | null;
  enrolled_at: string | null;
  records: string;
  duplicates: string;
  batches: string;
  last_seq: string;
}
const toInfo = (r: TerminalRow): TerminalInfo => ({ terminalId: r.terminal_id, publicKey: r.public_key, keyId: r.key_id, enrolledAt: num(r.enrolled_at) });

export function createPgStore(connection: string | pg.PoolConfig): PgStore {
  return new PgStore(connection);
}

export class PgStore implements BackendStore {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;

  constructor(connection: string | pg.PoolConfig) {
    this.pool = new pg.Pool(typeof connection === 'string' ? { connectionString: connection, max: 10 } : connection);
    this.pool.on('error', () => {
      /* an idle client lost its connection: the pool replaces it; queries report their own errors */
    });
  }

  private async tx<T>(f: (c: pg.PoolClient) => Promise<T>, commit: (r: T) => boolean = () => true): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const r = await f(c);
      await c.query(commit(r) ? 'COMMIT' : 'ROLLBACK');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async migrate(migrations: readonly PgMigration[] = BACKEND_PG_MIGRATIONS): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('SELECT pg_advisory_lock(hashtext($1))', ['ykt-backend-migrate']);
      await c.query('CREATE TABLE IF NOT EXISTS ykt_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      const done = new Set((await c.query<{ version: number }>('SELECT version FROM ykt_schema_migrations')).rows.map((r) => r.version));
      const newest = Math.max(0, ...done);
      if (newest > migrations.length) throw new Error(`PostgreSQL schema version ${newest} is newer than this software supports (${migrations.length})`);
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await c.query('BEGIN');
        try {
          await c.query(m.sql);
          await c.query('INSERT INTO ykt_schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await c.query('COMMIT');
        } catch (e) {
          await c.query('ROLLBACK');
          throw e;
        }
      }
    } finally {
      await c.query('SELECT pg_advisory_unlock(hashtext($1))', ['ykt-backend-migrate']).catch(() => undefined);
      c.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async registerTerminal(terminalId: string, publicKeyHex: string, keyId: string, now: number): Promise<void> {
    await this.pool.query(
      'INSERT INTO terminals (terminal_id, public_key, key_id, enrolled_at) VALUES ($1, $2, $3, $4) ON CONFLICT (terminal_id) DO UPDATE SET public_key = excluded.public_key, key_id = excluded.key_id, enrolled_at = excluded.enrolled_at',
      [terminalId, publicKeyHex, keyId, now],
    );
  }

  async putEnrolmentCode(terminalId: string, codeHash: string, expiresAt: number): Promise<void> {
    await this.tx(async (c) => {
      await c.query('INSERT INTO terminals (terminal_id) VALUES ($1) ON CONFLICT (terminal_id) DO NOTHING', [terminalId]);
      await c.query('INSERT INTO enrolments (terminal_id, code_hash, expires_at) VALUES ($1, $2, $3) ON CONFLICT (terminal_id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at', [terminalId, codeHash, expiresAt]);
    });
  }

  enrol(terminalId: string, codeHash: string, publicKeyHex: string, keyId: string, now: number): Promise<EnrolOutcome> {
    return this.tx(async (c): Promise<EnrolOutcome> => {
      const r = await c.query<{ code_hash: string; expires_at: string }>('SELECT code_hash, expires_at FROM enrolments WHERE terminal_id = $1 FOR UPDATE', [terminalId]);
      const row = r.rows[0];
      if (!row || !timingSafeEqualHex(row.code_hash, codeHash)) return 'invalid-code';
      if (Number(row.expires_at) < now) return 'expired';
      await c.query('DELETE FROM enrolments WHERE terminal_id = $1', [terminalId]);
      await c.query('UPDATE terminals SET public_key = $2, key_id = $3, enrolled_at = $4 WHERE terminal_id = $1', [terminalId, publicKeyHex, keyId, now]);
      return 'ok';
    });
  }

  async getTerminal(terminalId: string): Promise<TerminalInfo | undefined> {
    const r = await this.pool.query<TerminalRow>('SELECT * FROM terminals WHERE terminal_id = $1', [terminalId]);
    return r.rows[0] ? toInfo(r.rows[0]) : undefined;
  }

  async listTerminals(): Promise<TerminalInfo[]> {
    return (await this.pool.query<TerminalRow>('SELECT * FROM terminals ORDER BY terminal_id')).rows.map(toInfo);
  }

  ingest(batch: VerifiedBatch, receivedAt: number): Promise<IngestOutcome> {
    return this.tx(
      async (c) => {
        await c.query('SELECT 1 FROM terminals WHERE terminal_id = $1 FOR UPDATE', [batch.terminalId]);
        const tx: IngestTx = {
          findBatch: async (t, f, l) => {
            const r = await c.query<{ last_hash: string; result: string }>('SELECT last_hash, result FROM batches WHERE terminal_id = $1 AND first_seq = $2 AND last_seq = $3', [t, f.toString(), l.toString()]);
            return r.rows[0] ? { lastHash: r.rows[0].last_hash, result: r.rows[0].result } : undefined;
          },
          rowsInRange: async (t, from, to) => {
            const r = await c.query<{ seq: string; hash: string; prev_hash: string }>('SELECT seq, hash, prev_hash FROM records WHERE terminal_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq', [t, from.toString(), to.toString()]);
            return r.rows.map((x) => ({ seq: BigInt(x.seq), hash: x.hash, prevHash: x.prev_hash }));
          },
          insertRecords: async (b, idx, at) => {
            const col = <T>(f: (i: number) => T) => idx.map(f);
            const rec = (i: number) => b.records[i]!;
            const r = await c.query(
              `INSERT INTO records (terminal_id, seq, ts, type, service, outcome, reason, amount_fen, currency, offline, ref_seq, txn, tokens, payload, sealed, hash, prev_hash, received_at)
               SELECT $1, u.*, $18::bigint FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::integer[], $10::boolean[], $11::bigint[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[]) AS u
               ON CONFLICT DO NOTHING`,
              [
                b.terminalId,
                col((i) => rec(i).seq),
                col((i) => String(rec(i).ts)),
                col((i) => rec(i).type),
                col((i) => rec(i).service),
                col((i) => rec(i).outcome),
                col((i) => rec(i).reason),
                col((i) => (rec(i).amountFen === null ? null : String(rec(i).amountFen))),
                col((i) => rec(i).currency),
                col((i) => rec(i).offline),
                col((i) => rec(i).refSeq),
                col((i) => rec(i).txn),
                col((i) => rec(i).tokens),
                col((i) => rec(i).payload),
                col((i) => rec(i).sealed),
                col((i) => rec(i).hash),
                col((i) => b.prevHashes[i]!),
                at,
              ],
            );
            if (r.rowCount !== idx.length) throw new Error(`inserted ${r.rowCount} of ${idx.length} records: concurrent writer without the terminal lock`);
          },
          bumpTerminal: async (t, accepted, dups, last) => {
            await c.query('UPDATE terminals SET records = records + $2, duplicates = duplicates + $3, batches = batches + 1, last_seq = greatest(last_seq, $4) WHERE terminal_id = $1', [t, accepted, dups, last.toString()]);
          },
          saveBatch: async (t, f, l, h, result, at) => {
            await c.query('INSERT INTO batches (terminal_id, first_seq, last_seq, last_hash, result, received_at) VALUES ($1, $2, $3, $4, $5, $6)', [t, f.toString(), l.toString(), h, result, at]);
          },
        };
        return ingestInTx(tx, batch, receivedAt);
      },
      (out) => out.kind === 'ok' && !out.replayed,
    );
  }

  async report(terminalId: string): Promise<TerminalReport | undefined> {
    const t = (await this.pool.query<TerminalRow>('SELECT * FROM terminals WHERE terminal_id = $1', [terminalId])).rows[0];
    if (!t) return undefined;
    const gaps: Gap[] = (await this.pool.query<{ gap_from: string; gap_to: string }>(pgPlaceholders(GAPS_SQL + ` LIMIT ${GAPS_LISTED}`), [terminalId])).rows.map((g) => ({ from: g.gap_from, to: g.gap_to }));
    const gapCount = Number((await this.pool.query<{ n: string }>(pgPlaceholders(`SELECT count(*) AS n FROM (${GAPS_SQL}) g`), [terminalId])).rows[0]!.n);
    const min = big((await this.pool.query<{ seq: string | null }>('SELECT min(seq) AS seq FROM records WHERE terminal_id = $1', [terminalId])).rows[0]!.seq);
    return reportOf(toInfo(t), { records: Number(t.records), duplicates: Number(t.duplicates), batches: Number(t.batches), lastSeq: BigInt(t.last_seq) }, min, gaps, gapCount);
  }

  async records(terminalId: string, afterSeq: bigint, limit: number): Promise<StoredRecord[]> {
    const r = await this.pool.query('SELECT * FROM records WHERE terminal_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [terminalId, afterSeq.toString(), limit]);
    return r.rows.map(
      (x): StoredRecord => ({
        seq: x.seq,
        ts: Number(x.ts),
        type: x.type,
        service: x.service,
        outcome: x.outcome,
        reason: x.reason,
        amountFen: num(x.amount_fen),
        currency: num(x.currency),
        offline: x.offline,
        refSeq: x.ref_seq,
        txn: x.txn,
        tokens: x.tokens,
        payload: x.payload,
        sealed: x.sealed,
        hash: x.hash,
        prevHash: x.prev_hash,
        receivedAt: Number(x.received_at),
      }),
    );
  }
}
