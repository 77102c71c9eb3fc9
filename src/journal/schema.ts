/**
 * The journal's schema, as migrations (migrate.ts). Add a migration at the end; never edit one that
 * has shipped.
 *
 * records: one row per record, `seq` is the rowid (64-bit, assigned by the journal: head + 1). No
 *   `sent` column: the sync watermark (sync_state.acked_through) says what the backend acknowledged,
 *   so appending costs the same with 0 or 1,000,000 unsent records.
 * records_offline: partial index over offline approvals only (the offline-limit exposure queries).
 * open_intents: intents (write-ahead records) without their result yet: torn-transaction recovery.
 * meta: terminal id, creation time, and the anchor (seq and hash of the last pruned record).
 */
import type { SqliteMigration } from './migrate';

export const JOURNAL_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'records, open intents, sync watermark, meta',
    up(db) {
      db.exec(`
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE records (
          seq INTEGER PRIMARY KEY,
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
          sealed BLOB,
          hash BLOB NOT NULL
        );
        CREATE INDEX records_offline ON records(seq) WHERE offline = 1;
        CREATE TABLE open_intents (seq INTEGER PRIMARY KEY);
        CREATE TABLE sync_state (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          acked_through INTEGER NOT NULL,
          acked_at INTEGER
        );
        INSERT INTO sync_state (id, acked_through, acked_at) VALUES (1, 0, NULL);
      `);
    },
  },
];
