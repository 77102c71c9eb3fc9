/**
 * The journal: every decision on disk before it is shown (STYLE.md §3, write-ahead).
 *
 * SQLite through better-sqlite3, synchronous on purpose: `append()` returns only after the commit is
 * durable (WAL with synchronous=FULL: one fsync of the WAL per commit), and returns the record's
 * 64-bit sequence number as a bigint. Each append is one IMMEDIATE transaction that reads the head,
 * so a second process (e.g. `ykt sync` or `ykt journal ls`) can use the same file safely.
 *
 * Failure policy: any storage failure (disk full, corrupt file, I/O error, broken hash chain) puts the
 * journal OUT OF SERVICE: the append throws JournalUnavailableError, and every later append throws the
 * same until the journal is reopened. The caller must then refuse — never approve unrecorded.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { systemClock, type Clock } from '../core/clock';
import { ConfigError } from '../core/errors';
import { genesisHash, recordHash, toHexLower, verifyChain, type RecordBody, type WireRecord } from './chain';
import { parseJournalConfig, type JournalConfig } from './config';
import { JournalInputError, JournalUnavailableError, reasonOfSqliteError, type OutOfServiceReason } from './errors';
import { migrateSqlite, SchemaTooNewError } from './migrate';
import { checkOfflineLimits, type OfflineCheck, type OfflineExposure } from './offline-limits';
import { prepareInput, type AppendReceipt, type JournalRecord, type PreparedInput, type RecordInput } from './record';
import { JOURNAL_MIGRATIONS } from './schema';
import { seal, unseal, type PersonalData } from './seal';
import type { Metric } from './metric';

export interface OpenJournalOptions {
  path: string;
  /** The terminal's id: bound into every record hash; a journal opened with another id is refused. */
  terminalId: string;
  clock?: Clock;
  /** AES-256 key for `personal` data (keystore.dataKey). Without it such records are refused. */
  dataKey?: Uint8Array;
  /** The `journal` config section (parsed), or a partial one (defaults fill the rest). */
  config?: Partial<JournalConfig>;
  /** Create the file if missing (default true). The CLI's read-only commands pass false. */
  create?: boolean;
  /** Open read-only (CLI inspection): no migrations, no writes. */
  readonly?: boolean;
}

interface Row {
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
  sealed: Buffer | null;
  hash: Buffer;
}

export interface JournalStatus {
  inService: boolean;
  reason?: OutOfServiceReason;
  message?: string;
}

export interface SyncPosition {
  /** Highest sequence number written. */
  head: bigint;
  /** Highest sequence number the backend acknowledged (everything up to it is sent). */
  ackedThrough: bigint;
  /** head - ackedThrough. */
  unsent: bigint;
  /** Wall-clock ms of the last acknowledgement, or null. */
  ackedAt: number | null;
}

export interface UploadSlice {
  /** Hash of the record before the first one (or the genesis/anchor hash), hex. */
  prevHash: string;
  records: WireRecord[];
}

export interface VerifyReport {
  ok: boolean;
  records: number;
  /** First problems found (at most 20), each naming the record. */
  problems: string[];
}

const TERMINAL_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function openJournal(opts: OpenJournalOptions): Journal {
  return new Journal(opts);
}

export class Journal {
  readonly terminalId: string;
  readonly path: string;
  readonly config: JournalConfig;
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly dataKey: Uint8Array | undefined;
  private failure: JournalUnavailableError | undefined;
  private anchorSeq = 0n;
  private anchorHash: Buffer;
  private exposureState: OfflineExposure & { ackedThrough: bigint; oldestSeq: bigint | null } = { count: 0, totalFen: 0, oldestTs: null, oldestSeq: null, ackedThrough: 0n };
  private counters = { appends: 0, appendFailures: 0, refusedOffline: 0 };
  private readonly s: ReturnType<Journal['prepareStatements']>;
  private readonly appendTx: (inputs: PreparedInput[]) => AppendReceipt[];

  constructor(opts: OpenJournalOptions) {
    if (!TERMINAL_ID_RE.test(opts.terminalId)) throw new ConfigError('terminal.id', `expected letters, digits and . _ - (max 64), got ${JSON.stringify(opts.terminalId)}`);
    this.terminalId = opts.terminalId;
    this.path = opts.path;
    this.clock = opts.clock ?? systemClock;
    this.config = parseJournalConfig(opts.config ?? {});
    this.dataKey = opts.dataKey;
    this.anchorHash = Buffer.from(genesisHash(this.terminalId));
    const create = opts.create ?? true;
    if (!create && !existsSync(opts.path)) throw new ConfigError('journal.path', `no journal at ${opts.path}`);

    try {
      this.db = new Database(opts.path, { readonly: opts.readonly ?? false, fileMustExist: !create });
    } catch (e) {
      throw this.unavailable(reasonOfSqliteError(e), `cannot open ${opts.path}: ${(e as Error).message}`, e);
    }
    try {
      if (!opts.readonly) {
        const mode = this.db.pragma('journal_mode = WAL', { simple: true });
        if (mode !== 'wal') throw this.unavailable('io-error', `cannot switch ${opts.path} to WAL mode (got ${String(mode)})`);
      }
      this.db.pragma('synchronous = FULL');
      if (this.config.maxSizeMiB > 0) {
        const pageSize = this.db.pragma('page_size', { simple: true }) as number;
        this.db.pragma(`max_page_count = ${Math.floor((this.config.maxSizeMiB * 1024 * 1024) / pageSize)}`);
      }
      this.integrityCheckAtOpen();
      if (!opts.readonly) {
        try {
          migrateSqlite(this.db, JOURNAL_MIGRATIONS);
        } catch (e) {
          if (e instanceof SchemaTooNewError) throw this.unavailable('schema-too-new', e.message, e);
          throw e;
        }
      }
      this.s = this.prepareStatements();
      this.bindTerminal(!opts.readonly);
      this.loadAnchor();
      this.verifyTail(this.config.verifyTailOnOpen);
      this.recomputeExposure();
    } catch (e) {
      this.db.close();
      if (e instanceof JournalUnavailableError || e instanceof ConfigError) throw e;
      throw this.unavailable(reasonOfSqliteError(e), `cannot open ${opts.path}: ${(e as Error).message}`, e);
    }
    this.appendTx = this.db.transaction((inputs: PreparedInput[]) => this.appendInTx(inputs)).immediate as unknown as (inputs: PreparedInput[]) => AppendReceipt[];
  }

  private unavailable(reason: OutOfServiceReason, detail: string, cause?: unknown): JournalUnavailableError {
    return new JournalUnavailableError(reason, detail, { cause });
  }

  private prepareStatements() {
    const db = this.db;
    const p = (sql: string) => db.prepare(sql).safeIntegers(true);
    return {
      head: p('SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1'),
      insert: p(
        'INSERT INTO records (seq, ts, type, service, outcome, reason, amount_fen, currency, offline, ref_seq, txn, tokens, payload, sealed, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)',
      ),
      openIntent: p('INSERT INTO open_intents (seq) VALUES (?)'),
      closeIntent: p('DELETE FROM open_intents WHERE seq = ?'),
      exists: p('SELECT 1 FROM records WHERE seq = ?'),
      get: p('SELECT * FROM records WHERE seq = ?'),
      after: p('SELECT * FROM records WHERE seq > ? ORDER BY seq LIMIT ?'),
      before: p('SELECT * FROM records WHERE seq < ? ORDER BY seq DESC LIMIT ?'),
      openIntents: p('SELECT r.* FROM open_intents o JOIN records r ON r.seq = o.seq ORDER BY o.seq'),
      hashOf: p('SELECT hash FROM records WHERE seq = ?'),
      syncState: p('SELECT acked_through, acked_at FROM sync_state WHERE id = 1'),
      setAcked: p('UPDATE sync_state SET acked_through = ?, acked_at = ? WHERE id = 1'),
      offlineRange: p('SELECT count(*) AS n, coalesce(sum(amount_fen), 0) AS total FROM records WHERE offline = 1 AND seq > ? AND seq <= ?'),
      oldestOffline: p('SELECT seq, ts FROM records WHERE offline = 1 AND seq > ? ORDER BY seq LIMIT 1'),
      meta: p('SELECT value FROM meta WHERE key = ?'),
      setMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      minOpenIntent: p('SELECT min(seq) AS seq FROM open_intents'),
      pruneRecords: p('DELETE FROM records WHERE seq <= ?'),
      all: p('SELECT * FROM records ORDER BY seq'),
      // The upload path reads many rows: plain numbers (all within the safe range, checked on append)
      // and 64-bit sequence numbers as text, so no BigInt is made per column.
      wireAfter: db.prepare(
        'SELECT CAST(seq AS TEXT) AS seq, ts, type, service, outcome, reason, amount_fen, currency, offline, CAST(ref_seq AS TEXT) AS ref_seq, txn, tokens, payload, sealed, hash FROM records AS r WHERE r.seq > ? ORDER BY r.seq LIMIT ?',
      ),
    };
  }

  // ---------------------------------------------------------------------------------------- opening

  private integrityCheckAtOpen(): void {
    const mode = this.config.integrityCheck;
    if (mode === 'off') return;
    const rows = this.db.pragma(mode === 'full' ? 'integrity_check(20)' : 'quick_check(20)') as Record<string, string>[];
    const msgs = rows.map((r) => Object.values(r)[0]);
    if (!(msgs.length === 1 && msgs[0] === 'ok')) throw this.unavailable('corrupt', `SQLite ${mode} check of ${this.path} failed: ${msgs.slice(0, 3).join('; ')}`);
  }

  private bindTerminal(writable: boolean): void {
    const row = this.s.meta.get('terminal_id') as { value: string } | undefined;
    if (!row) {
      if (!writable) throw new ConfigError('journal.path', `${this.path} is not an initialised journal`);
      this.db.transaction(() => {
        this.s.setMeta.run('terminal_id', this.terminalId);
        this.s.setMeta.run('created_at', String(this.clock.now()));
      }).immediate();
    } else if (row.value !== this.terminalId) {
      throw new ConfigError('terminal.id', `the journal ${this.path} belongs to terminal "${row.value}", not "${this.terminalId}"`);
    }
  }

  private loadAnchor(): void {
    const seq = this.s.meta.get('anchor_seq') as { value: string } | undefined;
    const hash = this.s.meta.get('anchor_hash') as { value: string } | undefined;
    if (seq && hash) {
      this.anchorSeq = BigInt(seq.value);
      this.anchorHash = Buffer.from(hash.value, 'hex');
    }
  }

  /** The hash of record `seq` (the genesis or anchor hash for the anchor position). */
  private hashAt(seq: bigint): Buffer | undefined {
    if (seq === this.anchorSeq) return this.anchorHash;
    const r = this.s.hashOf.get(seq) as { hash: Buffer } | undefined;
    return r?.hash;
  }

  private verifyTail(n: number): void {
    if (n <= 0) return;
    const head = this.s.head.get() as { seq: bigint } | undefined;
    if (!head) return;
    let from = head.seq - BigInt(n);
    if (from < this.anchorSeq) from = this.anchorSeq;
    const prev = this.hashAt(from);
    if (!prev) throw this.unavailable('tampered', `record ${from} is missing from the journal`);
    const problem = this.checkRange(from, prev, head.seq);
    if (problem) throw this.unavailable('tampered', problem);
  }

  /** Recompute the chain for records (from, to]; returns the first problem or undefined. */
  private checkRange(from: bigint, prev: Uint8Array, to: bigint): string | undefined {
    let h = prev;
    let expect = from + 1n;
    for (const row of this.s.after.iterate(from, to - from) as Iterable<Row>) {
      if (row.seq !== expect) return `record ${expect} is missing (next present: ${row.seq})`;
      h = recordHash(this.terminalId, h, bodyOf(row));
      if (!Buffer.from(h).equals(row.hash)) return `record ${row.seq} was altered: its hash does not match its content and predecessor`;
      expect++;
    }
    if (expect !== to + 1n) return `records ${expect}…${to} are missing`;
    return undefined;
  }

  // ------------------------------------------------------------------------------------- appending

  /** The terminal is in service only while the journal can record. */
  status(): JournalStatus {
    if (!this.failure) return { inService: true };
    return { inService: false, reason: this.failure.reason, message: this.failure.message };
  }

  /** Throws the out-of-service error if the journal cannot record. */
  assertInService(): void {
    if (this.failure) throw this.failure;
  }

  /** Append one record; durable on return. Throws JournalUnavailableError or JournalInputError. */
  append(input: RecordInput): AppendReceipt {
    return this.appendMany([input])[0]!;
  }

  /** Append several records in one transaction (one fsync); all or none. */
  appendMany(inputs: readonly RecordInput[]): AppendReceipt[] {
    if (this.failure) throw this.failure;
    const prepared = inputs.map((r) => prepareInput(r, { refusePersonalFields: this.config.refusePersonalFields, canSeal: this.dataKey !== undefined }));
    try {
      const receipts = this.appendTx(prepared);
      this.counters.appends += receipts.length;
      for (let i = 0; i < prepared.length; i++) {
        const p = prepared[i]!;
        if (p.offline) {
          this.exposureState.count++;
          this.exposureState.totalFen += p.amountFen ?? 0;
          if (this.exposureState.oldestSeq === null) {
            this.exposureState.oldestSeq = receipts[i]!.seq;
            this.exposureState.oldestTs = receipts[i]!.ts;
          }
        }
      }
      return receipts;
    } catch (e) {
      this.counters.appendFailures++;
      if (e instanceof JournalInputError) throw e;
      const reason = reasonOfSqliteError(e);
      const err = this.unavailable(reason, `append failed: ${(e as Error).message}`, e);
      // A busy lock is another process holding the journal: this append failed, the next may not.
      if (reason !== 'locked') this.failure = err;
      throw err;
    }
  }

  /** Write-ahead: the intent before an irreversible step. Stays "open" until a 'result' refers to it. */
  appendIntent(input: Omit<RecordInput, 'type'>): AppendReceipt {
    return this.append({ ...input, type: 'intent' });
  }

  /** The result of an intent (closes it). */
  appendResult(intentSeq: bigint, input: Omit<RecordInput, 'type' | 'refSeq'>): AppendReceipt {
    return this.append({ ...input, type: 'result', refSeq: intentSeq });
  }

  private appendInTx(inputs: PreparedInput[]): AppendReceipt[] {
    const head = this.s.head.get() as { seq: bigint; hash: Buffer } | undefined;
    let seq = head ? head.seq : this.anchorSeq;
    let prev: Uint8Array = head ? head.hash : this.anchorHash;
    const out: AppendReceipt[] = [];
    for (const p of inputs) {
      seq++;
      const ts = this.clock.now();
      if (p.refSeq !== null) {
        if (p.refSeq >= seq) throw new JournalInputError('refSeq', `must refer to an earlier record (got ${p.refSeq}, this is ${seq})`);
        if (p.type === 'result') {
          if (this.s.closeIntent.run(p.refSeq).changes !== 1) throw new JournalInputError('refSeq', `record ${p.refSeq} is not an open intent`);
        } else if (p.refSeq > this.anchorSeq && !this.s.exists.get(p.refSeq)) throw new JournalInputError('refSeq', `record ${p.refSeq} does not exist`);
      }
      const sealed = p.personal ? seal(this.dataKey!, this.terminalId, seq, p.personal) : null;
      const body: RecordBody = {
        seq: seq.toString(),
        ts,
        type: p.type,
        service: p.service,
        outcome: p.outcome,
        reason: p.reason,
        amountFen: p.amountFen,
        currency: p.currency,
        offline: p.offline,
        refSeq: p.refSeq === null ? null : p.refSeq.toString(),
        txn: p.txn,
        tokens: p.tokens,
        payload: p.payload,
        sealed: sealed ? Buffer.from(sealed).toString('base64') : null,
      };
      const hash = recordHash(this.terminalId, prev, body);
      this.s.insert.run(seq, ts, p.type, p.service, p.outcome, p.reason, p.amountFen, p.currency, p.offline ? 1 : 0, p.refSeq, p.txn, p.tokens, p.payload, sealed, hash);
      if (p.type === 'intent') this.s.openIntent.run(seq);
      out.push({ seq, hash: toHexLower(hash), ts });
      prev = hash;
    }
    return out;
  }

  // --------------------------------------------------------------------------------------- reading

  get head(): bigint {
    const h = this.s.head.get() as { seq: bigint } | undefined;
    return h ? h.seq : this.anchorSeq;
  }

  get(seq: bigint): JournalRecord | undefined {
    const r = this.s.get.get(seq) as Row | undefined;
    return r ? toRecord(r) : undefined;
  }

  /** Records in sequence order after `after` (default: from the first). */
  list(opts: { after?: bigint; limit?: number } = {}): JournalRecord[] {
    return (this.s.after.all(opts.after ?? 0n, opts.limit ?? 100) as Row[]).map(toRecord);
  }

  /** The newest records, newest first. */
  latest(limit = 20): JournalRecord[] {
    return (this.s.before.all(this.head + 1n, limit) as Row[]).map(toRecord);
  }

  /** Records as uploaded (wire form), in order, after `after`. */
  wire(after: bigint, limit: number): WireRecord[] {
    return (this.s.wireAfter.all(after, limit) as WireRow[]).map(wireOf);
  }

  /** Intents without a result: after a crash these are the transactions to recover (torn). */
  openIntents(): JournalRecord[] {
    return (this.s.openIntents.all() as Row[]).map(toRecord);
  }

  unsealPersonal(rec: JournalRecord): PersonalData | null {
    if (!rec.hasSealed) return null;
    if (!this.dataKey) throw new JournalInputError('personal', 'the journal was opened without a data key');
    const row = this.s.get.get(rec.seq) as Row;
    return unseal(this.dataKey, this.terminalId, rec.seq, row.sealed!);
  }

  // ------------------------------------------------------------------------------------------ sync

  syncPosition(): SyncPosition {
    const st = this.s.syncState.get() as { acked_through: bigint; acked_at: bigint | null };
    const head = this.head;
    return { head, ackedThrough: st.acked_through, unsent: head - st.acked_through, ackedAt: st.acked_at === null ? null : Number(st.acked_at) };
  }

  /** The acknowledged watermark alone (one row; the offline check reads it on every tap, without the head). */
  private ackedThrough(): bigint {
    return (this.s.syncState.get() as { acked_through: bigint }).acked_through;
  }

  /**
   * The next records to upload (after the acknowledged watermark), with the hash before them. The
   * chain of the slice is recomputed first: an altered unsent record puts the journal out of service
   * ('tampered') instead of being uploaded.
   */
  nextUpload(limit: number): UploadSlice {
    const ackedThrough = this.ackedThrough();
    const prev = this.hashAt(ackedThrough);
    if (!prev) {
      const err = this.unavailable('tampered', `record ${ackedThrough} (the last acknowledged) is missing`);
      this.failure = err;
      throw err;
    }
    return this.uploadSlice(ackedThrough, toHexLower(prev), limit);
  }

  /**
   * Up to `limit` records after `after`, whose predecessor has hash `prevHash` (hex), chain re-verified
   * (an altered record puts the journal out of service). Lets the syncer prepare the next batch while
   * the current one is on its way.
   */
  uploadSlice(after: bigint, prevHash: string, limit: number): UploadSlice {
    const records = this.wire(after, limit);
    const c = verifyChain(this.terminalId, Buffer.from(prevHash, 'hex'), records, after + 1n);
    if (!c.ok) {
      const err = this.unavailable('tampered', c.problem === 'gap' ? `record ${c.expectedSeq} is missing` : `record ${c.seq} was altered: its hash does not match`);
      this.failure = err;
      throw err;
    }
    return { prevHash, records };
  }

  /**
   * The backend acknowledged records firstSeq…lastSeq: the only way records become "sent". Checked
   * against the journal (the acknowledged last hash must be ours; the range must start at or before
   * the watermark + 1). Returns false for a stale acknowledgement (already covered) — harmless.
   */
  acknowledge(ack: { firstSeq: bigint; lastSeq: bigint; lastHash: string }): boolean {
    if (this.failure) throw this.failure;
    try {
      const advanced = this.db
        .transaction(() => {
          const st = this.s.syncState.get() as { acked_through: bigint };
          if (ack.lastSeq <= st.acked_through) return false;
          if (ack.firstSeq > st.acked_through + 1n) throw new JournalInputError('ack', `acknowledgement of ${ack.firstSeq}…${ack.lastSeq} skips records after ${st.acked_through}`);
          const h = this.s.hashOf.get(ack.lastSeq) as { hash: Buffer } | undefined;
          if (!h || h.hash.toString('hex') !== ack.lastHash) throw new JournalInputError('ack', `acknowledged hash of record ${ack.lastSeq} is not ours`);
          this.s.setAcked.run(ack.lastSeq, this.clock.now());
          return true;
        })
        .immediate();
      if (advanced) this.exposureAfterAck(ack.lastSeq);
      return advanced;
    } catch (e) {
      if (e instanceof JournalInputError) throw e;
      const reason = reasonOfSqliteError(e);
      const err = this.unavailable(reason, `recording an acknowledgement failed: ${(e as Error).message}`, e);
      if (reason !== 'locked') this.failure = err;
      throw err;
    }
  }

  // ------------------------------------------------------------------------------- offline limits

  private recomputeExposure(): void {
    const ackedThrough = this.ackedThrough();
    const r = this.s.offlineRange.get(ackedThrough, this.head) as { n: bigint; total: bigint };
    const o = this.s.oldestOffline.get(ackedThrough) as { seq: bigint; ts: bigint } | undefined;
    this.exposureState = { count: Number(r.n), totalFen: Number(r.total), oldestSeq: o?.seq ?? null, oldestTs: o ? Number(o.ts) : null, ackedThrough };
  }

  private exposureAfterAck(newAcked: bigint): void {
    const e = this.exposureState;
    if (newAcked <= e.ackedThrough) return;
    const r = this.s.offlineRange.get(e.ackedThrough, newAcked) as { n: bigint; total: bigint };
    e.count -= Number(r.n);
    e.totalFen -= Number(r.total);
    e.ackedThrough = newAcked;
    if (e.oldestSeq !== null && e.oldestSeq <= newAcked) {
      const o = this.s.oldestOffline.get(newAcked) as { seq: bigint; ts: bigint } | undefined;
      e.oldestSeq = o?.seq ?? null;
      e.oldestTs = o ? Number(o.ts) : null;
    }
  }

  /** Offline approvals not yet acknowledged (refreshed if another process moved the watermark). */
  exposure(): OfflineExposure {
    const ackedThrough = this.ackedThrough();
    if (ackedThrough !== this.exposureState.ackedThrough) {
      if (ackedThrough > this.exposureState.ackedThrough) this.exposureAfterAck(ackedThrough);
      else this.recomputeExposure();
    }
    const { count, totalFen, oldestTs } = this.exposureState;
    return { count, totalFen, oldestTs };
  }

  /** May `amountFen` be approved offline now? A refusal carries a reason code and a plain message. */
  checkOffline(amountFen: number): OfflineCheck {
    const r = checkOfflineLimits(this.config.offline, this.exposure(), amountFen, this.clock.now());
    if (!r.ok) this.counters.refusedOffline++;
    return r;
  }

  // ------------------------------------------------------------------------------- maintenance

  /** Full check: SQLite integrity_check and the whole hash chain from the anchor. */
  verify(): VerifyReport {
    const problems: string[] = [];
    const rows = this.db.pragma('integrity_check(20)') as Record<string, string>[];
    const msgs = rows.map((r) => Object.values(r)[0]);
    if (!(msgs.length === 1 && msgs[0] === 'ok')) problems.push(...msgs.map((m) => `SQLite: ${m}`));
    let h: Uint8Array = this.anchorHash;
    let expect = this.anchorSeq + 1n;
    let n = 0;
    try {
      for (const row of this.s.all.iterate() as Iterable<Row>) {
        n++;
        if (row.seq !== expect) {
          problems.push(row.seq > expect ? `records ${expect}…${row.seq - 1n} are missing` : `record ${row.seq} is out of order`);
          h = row.hash; // resynchronise to report later breaks separately
        } else {
          h = recordHash(this.terminalId, h, bodyOf(row));
          if (!Buffer.from(h).equals(row.hash)) {
            problems.push(`record ${row.seq} was altered: its hash does not match its content and predecessor`);
            h = row.hash;
          }
        }
        expect = row.seq + 1n;
        if (problems.length >= 20) break;
      }
    } catch (e) {
      problems.push(`reading the records failed: ${(e as Error).message}`);
    }
    const pos = this.syncPosition();
    if (pos.ackedThrough > pos.head) problems.push(`the sync watermark (${pos.ackedThrough}) is beyond the last record (${pos.head})`);
    return { ok: problems.length === 0, records: n, problems: problems.slice(0, 20) };
  }

  /**
   * Delete acknowledged records up to `uptoSeq` (never unsent ones, never an open intent). The hash of
   * the last deleted record becomes the anchor, so the chain of what remains still verifies.
   */
  prune(uptoSeq: bigint): bigint {
    if (this.failure) throw this.failure;
    return this.db
      .transaction(() => {
        const ackedThrough = this.ackedThrough();
        let upto = uptoSeq < ackedThrough ? uptoSeq : ackedThrough;
        const open = (this.s.minOpenIntent.get() as { seq: bigint | null }).seq;
        if (open !== null && open <= upto) upto = open - 1n;
        if (upto <= this.anchorSeq) return 0n;
        const h = this.s.hashOf.get(upto) as { hash: Buffer } | undefined;
        if (!h) throw new JournalInputError('prune', `record ${upto} is missing`);
        const n = this.s.pruneRecords.run(upto).changes;
        this.s.setMeta.run('anchor_seq', upto.toString());
        this.s.setMeta.run('anchor_hash', h.hash.toString('hex'));
        this.anchorSeq = upto;
        this.anchorHash = h.hash;
        return BigInt(n);
      })
      .immediate();
  }

  metrics(): Metric[] {
    const pos = this.syncPosition();
    const ex = this.exposure();
    const st = this.status();
    return [
      { name: 'ykt_journal_head_seq', help: 'Highest journal sequence number written', type: 'gauge', value: Number(pos.head) },
      { name: 'ykt_journal_acked_seq', help: 'Highest sequence number acknowledged by the backend', type: 'gauge', value: Number(pos.ackedThrough) },
      { name: 'ykt_journal_unsent_records', help: 'Records not yet acknowledged by the backend (unconfirmed)', type: 'gauge', value: Number(pos.unsent) },
      { name: 'ykt_journal_offline_count', help: 'Offline approvals not yet acknowledged', type: 'gauge', value: ex.count },
      { name: 'ykt_journal_offline_amount_fen', help: 'Total amount of offline approvals not yet acknowledged, fen', type: 'gauge', value: ex.totalFen },
      { name: 'ykt_journal_offline_oldest_age_seconds', help: 'Age of the oldest unacknowledged offline approval', type: 'gauge', value: ex.oldestTs === null ? 0 : Math.max(0, (this.clock.now() - ex.oldestTs) / 1000) },
      { name: 'ykt_journal_appends_total', help: 'Records appended by this process', type: 'counter', value: this.counters.appends },
      { name: 'ykt_journal_append_failures_total', help: 'Appends that failed (input refused or storage failure)', type: 'counter', value: this.counters.appendFailures },
      { name: 'ykt_journal_offline_refusals_total', help: 'Offline approvals refused by the offline limits', type: 'counter', value: this.counters.refusedOffline },
      { name: 'ykt_journal_in_service', help: '1 while the journal can record, 0 when out of service', type: 'gauge', value: st.inService ? 1 : 0 },
    ];
  }

  close(): void {
    if (this.db.open) this.db.close();
    this.failure ??= this.unavailable('closed', `${this.path} was closed`);
  }
}

function bodyOf(row: Row): RecordBody {
  return {
    seq: row.seq.toString(),
    ts: Number(row.ts),
    type: row.type,
    service: row.service,
    outcome: row.outcome,
    reason: row.reason,
    amountFen: row.amount_fen === null ? null : Number(row.amount_fen),
    currency: row.currency === null ? null : Number(row.currency),
    offline: row.offline === 1n,
    refSeq: row.ref_seq === null ? null : row.ref_seq.toString(),
    txn: row.txn,
    tokens: row.tokens,
    payload: row.payload,
    sealed: row.sealed === null ? null : row.sealed.toString('base64'),
  };
}

/** A row as read by the upload query (wireAfter): numbers plain, 64-bit ids as text. */
interface WireRow {
  seq: string;
  ts: number;
  type: string;
  service: string;
  outcome: string | null;
  reason: string | null;
  amount_fen: number | null;
  currency: number | null;
  offline: number;
  ref_seq: string | null;
  txn: string | null;
  tokens: string;
  payload: string;
  sealed: Buffer | null;
  hash: Buffer;
}

function wireOf(r: WireRow): WireRecord {
  return {
    seq: r.seq,
    ts: r.ts,
    type: r.type,
    service: r.service,
    outcome: r.outcome,
    reason: r.reason,
    amountFen: r.amount_fen,
    currency: r.currency,
    offline: r.offline === 1,
    refSeq: r.ref_seq,
    txn: r.txn,
    tokens: r.tokens,
    payload: r.payload,
    sealed: r.sealed === null ? null : r.sealed.toString('base64'),
    hash: r.hash.toString('hex'),
  };
}

function toRecord(row: Row): JournalRecord {
  return {
    seq: row.seq,
    ts: Number(row.ts),
    type: row.type,
    service: row.service,
    outcome: row.outcome,
    reason: row.reason,
    amountFen: row.amount_fen === null ? null : Number(row.amount_fen),
    currency: row.currency === null ? null : Number(row.currency),
    offline: row.offline === 1n,
    refSeq: row.ref_seq,
    txn: row.txn,
    tokens: JSON.parse(row.tokens) as Record<string, string>,
    payload: JSON.parse(row.payload) as unknown,
    hasSealed: row.sealed !== null,
    hash: row.hash.toString('hex'),
  };
}

/** The terminal id a journal file belongs to (read-only peek), for tools that open any journal. */
export function readJournalTerminalId(path: string): string {
  if (!existsSync(path)) throw new ConfigError('journal.path', `no journal at ${path}`);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const row = db.prepare("SELECT value FROM meta WHERE key = 'terminal_id'").get() as { value: string } | undefined;
    if (!row) throw new ConfigError('journal.path', `${path} is not an initialised journal`);
    return row.value;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new JournalUnavailableError(reasonOfSqliteError(e), `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    db?.close();
  }
}
