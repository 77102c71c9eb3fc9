/**
 * Visitor counts for library and museum gates: entries per holder per day (quota) and per venue per day
 * (capacity), durable in a small SQLite file (WAL, synchronous=FULL) beside the journal. The journal
 * record of each entry is the source of truth; this ledger only answers "how many today" quickly.
 */
import type Database from 'better-sqlite3';
import { cstDateNumber } from '../core/clock';
import { openLedgerDb } from './sqlite';

export class VisitLedger {
  private readonly db: Database.Database;
  private readonly qHolder;
  private readonly qTotal;
  private readonly addTx;

  constructor(path: string) {
    this.db = openLedgerDb(path);
    this.db.exec(`CREATE TABLE IF NOT EXISTS visits_holder (day INTEGER NOT NULL, venue TEXT NOT NULL, holder TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, venue, holder)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS visits_total (day INTEGER NOT NULL, venue TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, venue)) WITHOUT ROWID;`);
    this.qHolder = this.db.prepare<[number, string, string], { n: number }>('SELECT n FROM visits_holder WHERE day = ? AND venue = ? AND holder = ?');
    this.qTotal = this.db.prepare<[number, string], { n: number }>('SELECT n FROM visits_total WHERE day = ? AND venue = ?');
    const up1 = this.db.prepare('INSERT INTO visits_holder (day, venue, holder, n) VALUES (?, ?, ?, 1) ON CONFLICT (day, venue, holder) DO UPDATE SET n = n + 1');
    const up2 = this.db.prepare('INSERT INTO visits_total (day, venue, n) VALUES (?, ?, 1) ON CONFLICT (day, venue) DO UPDATE SET n = n + 1');
    this.addTx = this.db.transaction((day: number, venue: string, holder: string) => {
      up1.run(day, venue, holder);
      up2.run(day, venue);
    });
  }

  holderToday(nowMs: number, venue: string, holder: string): number {
    return this.qHolder.get(cstDateNumber(nowMs), venue, holder)?.n ?? 0;
  }

  totalToday(nowMs: number, venue: string): number {
    return this.qTotal.get(cstDateNumber(nowMs), venue)?.n ?? 0;
  }

  add(nowMs: number, venue: string, holder: string): void {
    this.addTx(cstDateNumber(nowMs), venue, holder);
  }

  close(): void {
    this.db.close();
  }
}
