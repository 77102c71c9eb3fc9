/**
 * EcodeStore on SQLite (better-sqlite3), self-contained: its own small file under the configured data
 * dir, or tables prefixed `ecode_` inside a database handed in (the journal's, once integrated).
 * WAL + synchronous=FULL: a code is recorded as seen by a committed, fsynced transaction before the
 * verifier calls it valid (≈ 0.25 ms per commit here, DOMAIN.md §5).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RevocationApplyError, type AdmitRequest, type AdmitResult, type EcodeStore, type RevocationState } from './store';
import type { RevocationList } from './revocations';

type DB = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ecode_seen (k TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ecode_seen_exp ON ecode_seen (expires_ms);
CREATE TABLE IF NOT EXISTS ecode_passback (profile TEXT NOT NULL, holder TEXT NOT NULL, at_ms INTEGER NOT NULL, PRIMARY KEY (profile, holder)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ecode_revoked (hash TEXT PRIMARY KEY, kind TEXT NOT NULL, expires_ms INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ecode_meta (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
`;

export interface SqliteEcodeStoreOptions {
  /** A file path, ':memory:' (tests), or an open database to host the tables in. */
  database: string | DB;
}

/** The store's file under a data dir: <dataDir>/ecode.sqlite. */
export function ecodeStorePath(dataDir: string): string {
  return join(dataDir, 'ecode.sqlite');
}

export class SqliteEcodeStore implements EcodeStore {
  private readonly db: DB;
  private readonly owned: boolean;
  private readonly q;
  private readonly admitTx: (req: AdmitRequest, record: boolean) => AdmitResult;

  constructor(opts: SqliteEcodeStoreOptions) {
    if (typeof opts.database === 'string') {
      if (opts.database !== ':memory:') mkdirSync(dirname(opts.database), { recursive: true });
      this.db = new Database(opts.database);
      this.owned = true;
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
    } else {
      this.db = opts.database;
      this.owned = false;
    }
    this.db.exec(SCHEMA);
    const db = this.db;
    this.q = {
      seen: db.prepare<[string], { expires_ms: number }>('SELECT expires_ms FROM ecode_seen WHERE k = ?'),
      insertSeen: db.prepare('INSERT INTO ecode_seen (k, expires_ms) VALUES (?, ?)'),
      passback: db.prepare<[string, string], { at_ms: number }>('SELECT at_ms FROM ecode_passback WHERE profile = ? AND holder = ?'),
      upsertPassback: db.prepare('INSERT INTO ecode_passback (profile, holder, at_ms) VALUES (?, ?, ?) ON CONFLICT (profile, holder) DO UPDATE SET at_ms = excluded.at_ms'),
      revoked1: db.prepare<[string, number], { n: number }>('SELECT 1 AS n FROM ecode_revoked WHERE hash = ? AND expires_ms > ?'),
      revoked2: db.prepare<[string, string, number], { n: number }>('SELECT 1 AS n FROM ecode_revoked WHERE hash IN (?, ?) AND expires_ms > ? LIMIT 1'),
      insertRevoked: db.prepare('INSERT INTO ecode_revoked (hash, kind, expires_ms) VALUES (?, ?, ?) ON CONFLICT (hash) DO UPDATE SET kind = excluded.kind, expires_ms = excluded.expires_ms'),
      deleteRevoked: db.prepare('DELETE FROM ecode_revoked WHERE hash = ?'),
      countRevoked: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM ecode_revoked'),
      getMeta: db.prepare<[string], { v: Buffer | string | number }>('SELECT v FROM ecode_meta WHERE k = ?'),
      setMeta: db.prepare('INSERT INTO ecode_meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v'),
    };
    this.admitTx = db.transaction((req: AdmitRequest, record: boolean): AdmitResult => {
      if (req.replayKey !== undefined && this.q.seen.get(req.replayKey)) return 'replayed';
      if (req.passbackWindowMs > 0) {
        const p = this.q.passback.get(req.profile, req.holderToken);
        // |now − last| so that a clock stepped backwards does not open the gate twice.
        if (p && Math.abs(req.nowMs - p.at_ms) < req.passbackWindowMs) return 'anti-passback';
      }
      if (record) {
        if (req.replayKey !== undefined) this.q.insertSeen.run(req.replayKey, req.replayExpiresAtMs);
        if (req.passbackWindowMs > 0) this.q.upsertPassback.run(req.profile, req.holderToken, req.nowMs);
      }
      return 'admitted';
    });
  }

  admit(req: AdmitRequest, record: boolean): AdmitResult {
    return this.admitTx(req, record);
  }

  isRevoked(hashes: readonly string[], nowMs: number): boolean {
    for (let i = 0; i < hashes.length; i += 2) {
      const hit = i + 1 < hashes.length ? this.q.revoked2.get(hashes[i]!, hashes[i + 1]!, nowMs) : this.q.revoked1.get(hashes[i]!, nowMs);
      if (hit) return true;
    }
    return false;
  }

  /**
   * Read on every code (the verifier checks the list's age): three primary-key lookups. The entry
   * count is kept in ecode_meta by the transactions that change the table, never counted here — a
   * count(*) over a 2M-entry list costs ≈ 6 ms per code. A file written before that key existed
   * falls back to counting.
   */
  revocationState(): RevocationState | undefined {
    const v = this.q.getMeta.get('revocations.version');
    const t = this.q.getMeta.get('revocations.issuedAtMs');
    if (!v || !t) return undefined;
    const n = this.q.getMeta.get('revocations.entries');
    return { version: Number(v.v), issuedAtMs: Number(t.v), entries: n ? Number(n.v) : this.q.countRevoked.get()!.n };
  }

  applyRevocations(list: RevocationList): RevocationState {
    this.db.transaction(() => {
      const cur = this.revocationState();
      if (list.baseVersion === null) {
        if (cur && list.version < cur.version) throw new RevocationApplyError('rollback', `revocation list version ${list.version} is older than the installed ${cur.version}`);
        this.db.prepare('DELETE FROM ecode_revoked').run();
      } else {
        if (!cur || cur.version !== list.baseVersion) {
          throw new RevocationApplyError('gap', `increment ${list.baseVersion}→${list.version} does not apply to installed version ${cur ? cur.version : 'none'}: fetch a full list`);
        }
      }
      for (const h of list.remove) this.q.deleteRevoked.run(h);
      for (const e of list.add) this.q.insertRevoked.run(e.hash, e.kind, e.expiresAtMs);
      // Entries that had expired when this list was issued are reclaimed here, off the scan path.
      if (list.baseVersion !== null) this.db.prepare('DELETE FROM ecode_revoked WHERE expires_ms <= ?').run(list.issuedAtMs);
      this.q.setMeta.run('revocations.version', list.version);
      this.q.setMeta.run('revocations.issuedAtMs', list.issuedAtMs);
      this.q.setMeta.run('revocations.entries', this.q.countRevoked.get()!.n);
    })();
    return this.revocationState()!;
  }

  saveTrustList(bytes: Uint8Array, version: number): void {
    this.db.transaction(() => {
      this.q.setMeta.run('trust-list', Buffer.from(bytes));
      this.q.setMeta.run('trust-list.version', version);
    })();
  }

  loadTrustList(): { bytes: Uint8Array; version: number } | undefined {
    const b = this.q.getMeta.get('trust-list');
    const v = this.q.getMeta.get('trust-list.version');
    if (!b || !v || !Buffer.isBuffer(b.v)) return undefined;
    return { bytes: new Uint8Array(b.v), version: Number(v.v) };
  }

  prune(nowMs: number, maxPassbackMs: number): { seen: number; passback: number; revoked: number } {
    return this.db.transaction(() => ({ ...this.pruneAdmissions(nowMs, maxPassbackMs), revoked: this.dropExpiredRevocations(nowMs) }))();
  }

  pruneAdmissions(nowMs: number, maxPassbackMs: number): { seen: number; passback: number } {
    return this.db.transaction(() => ({
      seen: this.db.prepare('DELETE FROM ecode_seen WHERE expires_ms <= ?').run(nowMs).changes,
      passback: this.db.prepare('DELETE FROM ecode_passback WHERE at_ms < ?').run(nowMs - maxPassbackMs).changes,
    }))();
  }

  /** Delete revocations expired at nowMs and keep the stored entry count right. Call inside a transaction. */
  private dropExpiredRevocations(nowMs: number): number {
    const revoked = this.db.prepare('DELETE FROM ecode_revoked WHERE expires_ms <= ?').run(nowMs).changes;
    const n = revoked > 0 ? this.q.getMeta.get('revocations.entries') : undefined;
    if (n) this.q.setMeta.run('revocations.entries', Number(n.v) - revoked);
    return revoked;
  }

  close(): void {
    if (this.owned && this.db.open) this.db.close();
  }
}
