/**
 * The backend store on SQLite (the default): one file, WAL, synchronous=FULL — an acknowledgement is
 * sent only after the batch's commit is durable. better-sqlite3 is synchronous; batches are
 * serialised by an in-process mutex so one transaction never interleaves with another.
 */
import Database from 'better-sqlite3';
import { migrateSqlite, type SqliteMigration } from '../journal/migrate';
import { GAPS_LISTED, GAPS_SQL, ingestInTx, reportOf, type IngestTx, type NeighbourRow } from './ingest';
import type { BackendStore, EnrolOutcome, Gap, IngestOutcome, StoredRecord, TerminalInfo, TerminalReport, VerifiedBatch } from './store';
import { timingSafeEqualHex } from './util';

export const BACKEND_SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'terminals, enrolments, records, batches',
    up(db) {
      db.exec(`
        CREATE TABLE terminals (
          terminal_id TEXT PRIMARY KEY,
          public_key TEXT,
          key_id TEXT,
          enrolled_at INTEGER,
          records INTEGER NOT NULL DEFAULT 0,
          duplicates INTEGER NOT NULL DEFAULT 0,
          batches INTEGER NOT NULL DEFAULT 0,
          last_seq INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE enrolments (terminal_id TEXT PRIMARY KEY, code_hash TEXT NOT NULL, expires_at INTEGER NOT NULL);
        CREATE TABLE records (
          terminal_id TEXT NOT NULL,
          seq INTEGER NOT NULL,
          ts INTEGER NOT NULL,
          type TEXT NOT NULL,
          service TEXT NOT NULL,
          outcome TEXT,
          reason TEXT,
          amount_fen INTEGER,
          currency INTEGER,
          offline INTEGER NOT NULL,
          ref_seq INTEGER,
          txn TEXT,
          tokens TEXT NOT NULL,
          payload TEXT NOT NULL,
          sealed TEXT,
          hash TEXT NOT NULL,
          prev_hash TEXT NOT NULL,
          received_at INTEGER NOT NULL,
          PRIMARY KEY (terminal_id, seq)
        ) WITHOUT ROWID;
        CREATE TABLE batches (
          terminal_id TEXT NOT NULL,
          first_seq INTEGER NOT NULL,
          last_seq INTEGER NOT NULL,
          last_hash TEXT NOT NULL,
          result TEXT NOT NULL,
          received_at INTEGER NOT NULL,
          PRIMARY KEY (terminal_id, first_seq, last_seq)
        ) WITHOUT ROWID;
      `);
    },
  },
];

interface RecordRow {
  terminal_id: string;
  seq: bigint;
  ts: bigint;
  type: string;
  service: string;
  outcome: string | null;
  reason: string | null;
  amount_fen: bigint | null;
  currency: bigint | null;
  offline: bigint;
  ref_seq: bigint | null;
  txn: string | null;
  tokens: string;
  payload: string;
  sealed: string | null;
  hash: string;
  prev_hash: string;
  received_at: bigint;
}

const num = (v: bigint | null) => (v === null ? null : Number(v));

function toStored(r: RecordRow): StoredRecord {
  return {
    seq: r.seq.toString(),
    ts: Number(r.ts),
    type: r.type,
    service: r.service,
    outcome: r.outcome,
    reason: r.reason,
    amountFen: num(r.amount_fen),
    currency: num(r.currency),
    offline: r.offline === 1n,
    refSeq: r.ref_seq === null ? null : r.ref_seq.toString(),
    txn: r.txn,
    tokens: r.tokens,
    payload: r.payload,
    sealed: r.sealed,
    hash: r.hash,
    prevHash: r.prev_hash,
    receivedAt: Number(r.received_at),
  };
}

interface TerminalRow {
  terminal_id: string;
  public_key: string | null;
  key_id: string | null;
  enrolled_at: bigint | null;
  records: bigint;
  duplicates: bigint;
  batches: bigint;
  last_seq: bigint;
}

const toInfo = (r: TerminalRow): TerminalInfo => ({ terminalId: r.terminal_id, publicKey: r.public_key, keyId: r.key_id, enrolledAt: num(r.enrolled_at) });

export function createSqliteStore(path: string): SqliteStore {
  return new SqliteStore(path);
}

export class SqliteStore implements BackendStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private queue: Promise<unknown> = Promise.resolve();
  private s!: ReturnType<SqliteStore['prepare']>;

  constructor(readonly path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
  }

  private prepare() {
    const p = (sql: string) => this.db.prepare(sql).safeIntegers(true);
    return {
      terminal: p('SELECT * FROM terminals WHERE terminal_id = ?'),
      terminals: p('SELECT * FROM terminals ORDER BY terminal_id'),
      upsertKey: p(
        'INSERT INTO terminals (terminal_id, public_key, key_id, enrolled_at) VALUES (?, ?, ?, ?) ON CONFLICT (terminal_id) DO UPDATE SET public_key = excluded.public_key, key_id = excluded.key_id, enrolled_at = excluded.enrolled_at',
      ),
      putCode: p('INSERT INTO enrolments (terminal_id, code_hash, expires_at) VALUES (?, ?, ?) ON CONFLICT (terminal_id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at'),
      ensureTerminal: p('INSERT INTO terminals (terminal_id) VALUES (?) ON CONFLICT (terminal_id) DO NOTHING'),
      getCode: p('SELECT code_hash, expires_at FROM enrolments WHERE terminal_id = ?'),
      deleteCode: p('DELETE FROM enrolments WHERE terminal_id = ?'),
      findBatch: p('SELECT last_hash, result FROM batches WHERE terminal_id = ? AND first_seq = ? AND last_seq = ?'),
      range: p('SELECT seq, hash, prev_hash FROM records WHERE terminal_id = ? AND seq BETWEEN ? AND ? ORDER BY seq'),
      insert: p(
        'INSERT INTO records (terminal_id, seq, ts, type, service, outcome, reason, amount_fen, currency, offline, ref_seq, txn, tokens, payload, sealed, hash, prev_hash, received_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)',
      ),
      bump: p('UPDATE terminals SET records = records + ?, duplicates = duplicates + ?, batches = batches + 1, last_seq = max(last_seq, ?) WHERE terminal_id = ?'),
      saveBatch: p('INSERT INTO batches (terminal_id, first_seq, last_seq, last_hash, result, received_at) VALUES (?, ?, ?, ?, ?, ?)'),
      gaps: p(GAPS_SQL + ` LIMIT ${GAPS_LISTED}`),
      gapCount: p(`SELECT count(*) AS n FROM (${GAPS_SQL})`),
      minSeq: p('SELECT min(seq) AS seq FROM records WHERE terminal_id = ?'),
      records: p('SELECT * FROM records WHERE terminal_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    };
  }

  /** Serialise work that spans awaits on the one connection. */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async migrate(): Promise<void> {
    migrateSqlite(this.db, BACKEND_SQLITE_MIGRATIONS);
    this.s = this.prepare();
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.db.open) this.db.close();
  }

  async registerTerminal(terminalId: string, publicKeyHex: string, keyId: string, now: number): Promise<void> {
    await this.exclusive(async () => this.s.upsertKey.run(terminalId, publicKeyHex, keyId, now));
  }

  async putEnrolmentCode(terminalId: string, codeHash: string, expiresAt: number): Promise<void> {
    await this.exclusive(async () =>
      this.db.transaction(() => {
        this.s.ensureTerminal.run(terminalId);
        this.s.putCode.run(terminalId, codeHash, expiresAt);
      })(),
    );
  }

  enrol(terminalId: string, codeHash: string, publicKeyHex: string, keyId: string, now: number): Promise<EnrolOutcome> {
    return this.exclusive(async () =>
      this.db.transaction((): EnrolOutcome => {
        const row = this.s.getCode.get(terminalId) as { code_hash: string; expires_at: bigint } | undefined;
        if (!row || !timingSafeEqualHex(row.code_hash, codeHash)) return 'invalid-code';
        if (Number(row.expires_at) < now) return 'expired';
        this.s.deleteCode.run(terminalId);
        this.s.upsertKey.run(terminalId, publicKeyHex, keyId, now);
        return 'ok';
      })(),
    );
  }

  async getTerminal(terminalId: string): Promise<TerminalInfo | undefined> {
    const r = this.s.terminal.get(terminalId) as TerminalRow | undefined;
    return r ? toInfo(r) : undefined;
  }

  async listTerminals(): Promise<TerminalInfo[]> {
    return (this.s.terminals.all() as TerminalRow[]).map(toInfo);
  }

  ingest(batch: VerifiedBatch, receivedAt: number): Promise<IngestOutcome> {
    return this.exclusive(async () => {
      const s = this.s;
      const tx: IngestTx = {
        findBatch: async (t, f, l) => {
          const r = s.findBatch.get(t, f, l) as { last_hash: string; result: string } | undefined;
          return r ? { lastHash: r.last_hash, result: r.result } : undefined;
        },
        rowsInRange: async (t, from, to) => (s.range.all(t, from, to) as { seq: bigint; hash: string; prev_hash: string }[]).map((r): NeighbourRow => ({ seq: r.seq, hash: r.hash, prevHash: r.prev_hash })),
        insertRecords: async (b, idx, at) => {
          for (const i of idx) {
            const r = b.records[i]!;
            s.insert.run(b.terminalId, BigInt(r.seq), r.ts, r.type, r.service, r.outcome, r.reason, r.amountFen, r.currency, r.offline ? 1 : 0, r.refSeq === null ? null : BigInt(r.refSeq), r.txn, r.tokens, r.payload, r.sealed, r.hash, b.prevHashes[i]!, at);
          }
        },
        bumpTerminal: async (t, accepted, dups, last) => {
          s.bump.run(accepted, dups, last, t);
        },
        saveBatch: async (t, f, l, h, result, at) => {
          s.saveBatch.run(t, f, l, h, result, at);
        },
      };
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await ingestInTx(tx, batch, receivedAt);
        if (out.kind === 'ok' && !out.replayed) this.db.exec('COMMIT');
        else this.db.exec('ROLLBACK');
        return out;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    });
  }

  async report(terminalId: string): Promise<TerminalReport | undefined> {
    const t = this.s.terminal.get(terminalId) as TerminalRow | undefined;
    if (!t) return undefined;
    const gaps: Gap[] = (this.s.gaps.all(terminalId) as { gap_from: bigint; gap_to: bigint }[]).map((g) => ({ from: g.gap_from.toString(), to: g.gap_to.toString() }));
    const gapCount = Number((this.s.gapCount.get(terminalId) as { n: bigint }).n);
    const min = (this.s.minSeq.get(terminalId) as { seq: bigint | null }).seq;
    return reportOf(toInfo(t), { records: Number(t.records), duplicates: Number(t.duplicates), batches: Number(t.batches), lastSeq: t.last_seq }, min, gaps, gapCount);
  }

  async records(terminalId: string, afterSeq: bigint, limit: number): Promise<StoredRecord[]> {
    return (this.s.records.all(terminalId, afterSeq, limit) as RecordRow[]).map(toStored);
  }
}
