/**
 * The ride ledger of a bus validator or metro gate: the rides of each holder (by holder token, so the
 * card and the e-code share it — 卡码同权) for transfer discounts and daily/monthly caps, and the open
 * metro trips of e-codes (a code has no card to write its entry on). SQLite beside the journal, WAL +
 * synchronous=FULL, like src/runtime/visits.ts.
 *
 * The journal is the source of truth: a row is added after its journal record is durable, carries that
 * record's seq, and `reconcile()` at start re-adds from the journal whatever a crash between the two
 * commits left out (rides.ts says which journal records are rides). The ledger only answers quickly.
 *
 * Device-local: a gate sees the rides made on this device (a shared `rideLedgerPath` lets gates of one
 * host share it). Rides elsewhere reach the fare through the card's own travel records.
 */
import type Database from 'better-sqlite3';
import { openLedgerDb } from '../../sqlite';
import { cstParts } from '../../../core/clock';
import type { CredentialSource } from '../../../core/credential';
import type { Industry, PastRide, RideHistory, RideKind } from '../../../fares/engine';

export interface LedgerRide {
  /** Journal seq of the durable record of the ride (unique). */
  seq: bigint;
  holder: string;
  /** Card token (tokenised serial) for card rides: the card's own travel records already show them. */
  card?: string;
  atMs: number;
  industry: Industry;
  kind: RideKind;
  line?: number;
  fen: number;
  source: CredentialSource;
}

export interface OpenTrip {
  holder: string;
  /** Station code in the fare parameter file. */
  station: string;
  atMs: number;
  seq: bigint;
}

const DAY_MS = 86_400_000;
/** Rides older than this are dropped (monthly caps need the current CST month only). */
export const RIDE_RETENTION_MS = 40 * DAY_MS;

/** Epoch ms of the start of the CST day and month containing `ms`. */
export function cstDayAndMonthStart(ms: number): { day: number; month: number } {
  const p = cstParts(ms);
  const off = 8 * 3600_000;
  return { day: Date.UTC(p.y, p.m - 1, p.d) - off, month: Date.UTC(p.y, p.m - 1, 1) - off };
}

interface RideRow {
  at_ms: number;
  industry: Industry;
  kind: RideKind;
  line: number | null;
  fen: number;
  card: string | null;
}

export class RideLedger {
  private readonly db: Database.Database;
  private readonly q;
  private readonly inTx: (f: () => void) => void;

  constructor(path: string) {
    this.db = openLedgerDb(path);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS rides (seq INTEGER PRIMARY KEY, holder TEXT NOT NULL, card TEXT, at_ms INTEGER NOT NULL,
        industry TEXT NOT NULL, kind TEXT NOT NULL, line INTEGER, fen INTEGER NOT NULL, source TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS rides_holder_at ON rides (holder, at_ms);
      CREATE TABLE IF NOT EXISTS trips (holder TEXT PRIMARY KEY, station TEXT NOT NULL, at_ms INTEGER NOT NULL, seq INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;`);
    const db = this.db;
    this.q = {
      addRide: db.prepare('INSERT OR IGNORE INTO rides (seq, holder, card, at_ms, industry, kind, line, fen, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      sums: db.prepare<[number, string, number, number], { day: number; month: number }>(
        'SELECT COALESCE(SUM(CASE WHEN at_ms >= ? THEN fen END), 0) AS day, COALESCE(SUM(fen), 0) AS month FROM rides WHERE holder = ? AND at_ms >= ? AND at_ms <= ?',
      ),
      recent: db.prepare<[string, number, number], RideRow>('SELECT at_ms, industry, kind, line, fen, card FROM rides WHERE holder = ? AND at_ms >= ? AND at_ms <= ? ORDER BY at_ms DESC LIMIT 8'),
      trip: db.prepare<[string], { holder: string; station: string; at_ms: bigint; seq: bigint }>('SELECT holder, station, at_ms, seq FROM trips WHERE holder = ?').safeIntegers(true),
      enter: db.prepare('INSERT INTO trips (holder, station, at_ms, seq) VALUES (?, ?, ?, ?) ON CONFLICT (holder) DO UPDATE SET station = excluded.station, at_ms = excluded.at_ms, seq = excluded.seq'),
      exit: db.prepare('DELETE FROM trips WHERE holder = ?'),
      mark: db.prepare("INSERT INTO meta (k, v) VALUES ('watermark', ?) ON CONFLICT (k) DO UPDATE SET v = MAX(v, excluded.v)"),
      watermark: db.prepare<[], { v: bigint }>("SELECT v FROM meta WHERE k = 'watermark'").safeIntegers(true),
      prune: db.prepare('DELETE FROM rides WHERE at_ms < ?'),
      latest: db.prepare<[number], { seq: bigint; holder: string; card: string | null; at_ms: bigint; industry: Industry; kind: RideKind; line: bigint | null; fen: bigint; source: CredentialSource }>('SELECT * FROM rides ORDER BY seq DESC LIMIT ?').safeIntegers(true),
      pruneTrips: db.prepare('DELETE FROM trips WHERE at_ms < ?'),
    };
    this.inTx = db.transaction((f: () => void) => f());
  }

  /** A ride whose journal record is durable. Idempotent by seq. */
  add(r: LedgerRide): void {
    this.inTx(() => {
      this.insert(r);
      this.q.mark.run(r.seq);
    });
  }

  /**
   * What the fare engine needs of this holder beyond the card: spent today and this month (CST, all
   * credentials) and the recent boardings (within `windowMs`) of other credentials than `excludeCard`.
   */
  history(holder: string, nowMs: number, windowMs: number, excludeCard?: string): RideHistory {
    const { day, month } = cstDayAndMonthStart(nowMs);
    const s = this.q.sums.get(day, holder, month, nowMs)!;
    const rides: PastRide[] = [];
    if (windowMs > 0) {
      for (const r of this.q.recent.all(holder, nowMs - windowMs, nowMs)) {
        if (excludeCard !== undefined && r.card === excludeCard) continue;
        rides.push({ atMs: r.at_ms, industry: r.industry, kind: r.kind, line: r.line ?? undefined, fen: r.fen });
      }
    }
    return { spentTodayFen: s.day, spentThisMonthFen: s.month, rides };
  }

  /** The holder's open metro trip by e-code (entered, not yet exited), if any. */
  openTrip(holder: string): OpenTrip | undefined {
    const r = this.q.trip.get(holder);
    return r ? { holder: r.holder, station: r.station, atMs: Number(r.at_ms), seq: r.seq } : undefined;
  }

  /** An e-code entered (replaces an older open trip: its missing exit was charged at this entry). */
  enter(t: OpenTrip, ride?: LedgerRide): void {
    this.inTx(() => {
      this.q.enter.run(t.holder, t.station, t.atMs, t.seq);
      if (ride) this.insert(ride);
      this.q.mark.run(t.seq);
    });
  }

  /** An e-code exited (its trip closes), with the exit's ride. */
  exit(holder: string, ride: LedgerRide): void {
    this.inTx(() => {
      this.q.exit.run(holder);
      this.insert(ride);
      this.q.mark.run(ride.seq);
    });
  }

  /** The newest rides, newest first (maintenance and tests). */
  latest(limit = 50): LedgerRide[] {
    return this.q.latest.all(limit).map((r) => ({ seq: r.seq, holder: r.holder, card: r.card ?? undefined, atMs: Number(r.at_ms), industry: r.industry, kind: r.kind, line: r.line === null ? undefined : Number(r.line), fen: Number(r.fen), source: r.source }));
  }

  /** The journal seq up to which the ledger has seen the journal (0 when empty). */
  watermark(): bigint {
    return this.q.watermark.get()?.v ?? 0n;
  }

  /** Journal records scanned without a ride in them still move the watermark. */
  markSeen(seq: bigint): void {
    this.q.mark.run(seq);
  }

  /** Drop rides older than the retention and e-code trips entered before `tripsBeforeMs`. */
  prune(nowMs: number, tripsBeforeMs: number): void {
    this.inTx(() => {
      this.q.prune.run(nowMs - RIDE_RETENTION_MS);
      this.q.pruneTrips.run(tripsBeforeMs);
    });
  }

  close(): void {
    this.db.close();
  }

  /** Idempotent by seq (a ride re-applied from the journal is not counted twice). */
  private insert(r: LedgerRide): void {
    this.q.addRide.run(r.seq, r.holder, r.card ?? null, r.atMs, r.industry, r.kind, r.line ?? null, r.fen, r.source);
  }
}
