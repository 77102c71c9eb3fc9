/**
 * The runtime's small ledgers beside the journal (visits, sales, rides) open SQLite the same way: the
 * folder made, WAL, synchronous=FULL — a write is on disk when the call returns, like the journal.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export function openLedgerDb(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}
