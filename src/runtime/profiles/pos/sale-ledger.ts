/**
 * The counter's sale ledger and the canteen's subsidy wallets: a small SQLite file beside the journal
 * (WAL, synchronous=FULL, like the journal: durable when a call returns).
 *
 * The journal is the source of truth for what was decided; this ledger answers quickly "how much did
 * this holder spend today", "what is left in the wallet", "which was the last sale", and holds each
 * wallet movement WRITE-AHEAD of the journal (STYLE.md §3):
 *
 *   hold (subsidy reserved, sale 'held', journal head noted)  →  card / post-paid / nothing
 *   →  journal 'sale' record  →  finish ('done', or 'void' with the subsidy given back)
 *
 *   refund: 'refunding' (journal head noted) → journal 'refund' record → 'refunded' (subsidy given back)
 *
 * A crash between two steps leaves a 'held' or 'refunding' row; reconcile (sale-flow.ts) settles it from
 * the journal records after the noted head, never by guessing.
 *
 * Wallet: one row per (CST day, holder token): credited (the day's subsidy, raised to the holder's
 * entitlement when a richer category shows up) and spent. What is not spent lapses with the day.
 */
import type Database from 'better-sqlite3';
import { openLedgerDb } from '../../sqlite';
import type { Fen } from '../../../core/money';

export type SaleState = 'held' | 'done' | 'void' | 'refunding' | 'refunded';
/** How the part not covered by the subsidy was paid. */
export type SaleMethod = 'subsidy' | 'card' | 'ecode';

export interface SaleRow {
  txn: string;
  day: number;
  /** Holder token (card or code holder), or null (a bank card with no holder identity). */
  holder: string | null;
  method: SaleMethod;
  totalFen: Fen;
  subsidyFen: Fen;
  chargedFen: Fen;
  state: SaleState;
  /** Journal head when the row entered its current held/refunding state: reconcile searches after it. */
  hintSeq: bigint;
  saleSeq: bigint | null;
  refundSeq: bigint | null;
  atMs: number;
}

export interface WalletView {
  creditedFen: Fen;
  spentFen: Fen;
  balanceFen: Fen;
}

interface Row {
  txn: string;
  day: bigint;
  holder: string | null;
  method: SaleMethod;
  total_fen: bigint;
  subsidy_fen: bigint;
  charged_fen: bigint;
  state: SaleState;
  hint_seq: bigint;
  sale_seq: bigint | null;
  refund_seq: bigint | null;
  at_ms: bigint;
}

const toSale = (r: Row): SaleRow => ({
  txn: r.txn,
  day: Number(r.day),
  holder: r.holder,
  method: r.method,
  totalFen: Number(r.total_fen),
  subsidyFen: Number(r.subsidy_fen),
  chargedFen: Number(r.charged_fen),
  state: r.state,
  hintSeq: r.hint_seq,
  saleSeq: r.sale_seq,
  refundSeq: r.refund_seq,
  atMs: Number(r.at_ms),
});

/** States in which a sale counts toward the holder's daily spending. */
const SPENDING = "('held', 'done', 'refunding')";

export class SaleLedgerError extends Error {}

export class SaleLedger {
  private readonly db: Database.Database;
  private readonly q: Record<string, Database.Statement>;

  constructor(path: string) {
    this.db = openLedgerDb(path);
    this.db.defaultSafeIntegers(true); // sequence numbers are 64-bit: read as BigInt, never rounded
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS sales (
        txn TEXT PRIMARY KEY,
        day INTEGER NOT NULL,
        holder TEXT,
        method TEXT NOT NULL,
        total_fen INTEGER NOT NULL CHECK (total_fen >= 0),
        subsidy_fen INTEGER NOT NULL CHECK (subsidy_fen >= 0),
        charged_fen INTEGER NOT NULL CHECK (charged_fen >= 0),
        state TEXT NOT NULL,
        hint_seq INTEGER NOT NULL,
        sale_seq INTEGER,
        refund_seq INTEGER,
        at_ms INTEGER NOT NULL,
        ord INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS sales_holder_day ON sales (holder, day);
      CREATE INDEX IF NOT EXISTS sales_ord ON sales (ord);
      CREATE TABLE IF NOT EXISTS wallet (
        day INTEGER NOT NULL,
        holder TEXT NOT NULL,
        credited_fen INTEGER NOT NULL CHECK (credited_fen >= 0),
        spent_fen INTEGER NOT NULL CHECK (spent_fen >= 0),
        PRIMARY KEY (day, holder)
      ) WITHOUT ROWID;`);
    const p = (sql: string) => this.db.prepare(sql);
    this.q = {
      get: p('SELECT * FROM sales WHERE txn = ?'),
      spent: p(`SELECT COALESCE(SUM(total_fen), 0) AS n FROM sales WHERE holder = ? AND day = ? AND state IN ${SPENDING}`),
      wallet: p('SELECT credited_fen, spent_fen FROM wallet WHERE day = ? AND holder = ?'),
      credit: p('INSERT INTO wallet (day, holder, credited_fen, spent_fen) VALUES (?, ?, ?, 0) ON CONFLICT (day, holder) DO UPDATE SET credited_fen = MAX(credited_fen, excluded.credited_fen)'),
      spend: p('UPDATE wallet SET spent_fen = spent_fen + ? WHERE day = ? AND holder = ? AND spent_fen + ? <= credited_fen'),
      giveBack: p('UPDATE wallet SET spent_fen = spent_fen - ? WHERE day = ? AND holder = ? AND spent_fen >= ?'),
      insert: p('INSERT INTO sales (txn, day, holder, method, total_fen, subsidy_fen, charged_fen, state, hint_seq, at_ms, ord) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(ord), 0) + 1 FROM sales))'),
      setState: p('UPDATE sales SET state = ?, hint_seq = COALESCE(?, hint_seq), sale_seq = COALESCE(?, sale_seq), refund_seq = COALESCE(?, refund_seq) WHERE txn = ? AND state = ?'),
      last: p("SELECT * FROM sales WHERE state IN ('done', 'refunding', 'refunded') ORDER BY ord DESC LIMIT 1"),
      unsettled: p("SELECT * FROM sales WHERE state IN ('held', 'refunding') ORDER BY ord"),
    };
  }

  /** Total of today's sales of this holder still standing (held, done, being refunded). */
  spentToday(holder: string, day: number): Fen {
    return Number((this.q.spent!.get(holder, day) as { n: bigint }).n);
  }

  /** The holder's wallet for the day, as if credited up to `entitledFen` (nothing is written). */
  wallet(holder: string, day: number, entitledFen: Fen): WalletView {
    const w = this.q.wallet!.get(day, holder) as { credited_fen: bigint; spent_fen: bigint } | undefined;
    const credited = Math.max(Number(w?.credited_fen ?? 0n), entitledFen);
    const spent = Number(w?.spent_fen ?? 0n);
    return { creditedFen: credited, spentFen: spent, balanceFen: Math.max(0, credited - spent) };
  }

  /**
   * Write-ahead: the sale is 'held' and its subsidy reserved, in one durable transaction. Throws
   * SaleLedgerError if the wallet no longer holds the subsidy (it was read just before: a bug).
   */
  hold(s: { txn: string; day: number; holder: string | null; method: SaleMethod; totalFen: Fen; subsidyFen: Fen; chargedFen: Fen; entitledFen: Fen; hintSeq: bigint; atMs: number }): void {
    if (s.subsidyFen + s.chargedFen !== s.totalFen) throw new SaleLedgerError(`sale ${s.txn}: subsidy ${s.subsidyFen} + charged ${s.chargedFen} != total ${s.totalFen}`);
    this.db.transaction(() => {
      if (s.subsidyFen > 0) {
        if (!s.holder) throw new SaleLedgerError(`sale ${s.txn}: a subsidy needs a holder`);
        this.q.credit!.run(s.day, s.holder, s.entitledFen);
        if (this.q.spend!.run(s.subsidyFen, s.day, s.holder, s.subsidyFen).changes !== 1) throw new SaleLedgerError(`sale ${s.txn}: the wallet does not hold ${s.subsidyFen} fen`);
      }
      this.q.insert!.run(s.txn, s.day, s.holder, s.method, s.totalFen, s.subsidyFen, s.chargedFen, 'held', s.hintSeq, s.atMs);
    }).immediate();
  }

  /** The sale's journal record is durable: 'done' (approved) or 'void' (declined: the subsidy goes back). */
  finish(txn: string, approved: boolean, saleSeq: bigint | null): void {
    this.db.transaction(() => {
      const row = this.get(txn);
      if (!row || row.state !== 'held') throw new SaleLedgerError(`sale ${txn} is not held (${row?.state ?? 'unknown'})`);
      if (approved) this.q.setState!.run('done', null, saleSeq, null, txn, 'held');
      else {
        this.giveBack(row);
        this.q.setState!.run('void', null, saleSeq, null, txn, 'held');
      }
    }).immediate();
  }

  /** Write-ahead of a refund: the sale is 'refunding' (the journal head noted). */
  beginRefund(txn: string, hintSeq: bigint): void {
    if (this.q.setState!.run('refunding', hintSeq, null, null, txn, 'done').changes !== 1) throw new SaleLedgerError(`sale ${txn} cannot be refunded (${this.get(txn)?.state ?? 'unknown'})`);
  }

  /** The refund record is durable: the subsidy goes back to the wallet of the sale's day. */
  completeRefund(txn: string, refundSeq: bigint): void {
    this.db.transaction(() => {
      const row = this.get(txn);
      if (!row || row.state !== 'refunding') throw new SaleLedgerError(`sale ${txn} is not being refunded (${row?.state ?? 'unknown'})`);
      this.giveBack(row);
      this.q.setState!.run('refunded', null, null, refundSeq, txn, 'refunding');
    }).immediate();
  }

  /** The refund was not recorded: the sale stands. */
  abortRefund(txn: string): void {
    this.q.setState!.run('done', null, null, null, txn, 'refunding');
  }

  private giveBack(row: SaleRow): void {
    if (row.subsidyFen > 0 && row.holder) {
      if (this.q.giveBack!.run(row.subsidyFen, row.day, row.holder, row.subsidyFen).changes !== 1) throw new SaleLedgerError(`sale ${row.txn}: wallet of ${row.day} holds less than ${row.subsidyFen} fen spent`);
    }
  }

  get(txn: string): SaleRow | undefined {
    const r = this.q.get!.get(txn) as Row | undefined;
    return r && toSale(r);
  }

  /** The most recent sale that was approved (whether refunded since or not). */
  lastSale(): SaleRow | undefined {
    const r = this.q.last!.get() as Row | undefined;
    return r && toSale(r);
  }

  /** Rows a crash may have left between two steps. */
  unsettled(): SaleRow[] {
    return (this.q.unsettled!.all() as Row[]).map(toSale);
  }

  close(): void {
    this.db.close();
  }
}
