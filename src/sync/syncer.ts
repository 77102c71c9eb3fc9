/**
 * Store-and-forward: upload the journal to the clearing backend, exactly once per record.
 *
 * - Records go in order, in batches of consecutive records after the acknowledged watermark; one batch
 *   is in flight at a time. The idempotency key of a record is (terminal id, seq).
 * - An unknown outcome (timeout, reset, 5xx, a response that answers another batch) is retried with
 *   the SAME batch (same ids, same bytes) after a backoff with full jitter.
 * - Only the backend's acknowledgement of exactly this batch moves the watermark (Journal.acknowledge,
 *   a durable commit). After a crash the syncer starts again from the watermark: the backend's
 *   per-record idempotency turns the re-sent records into reported duplicates, never double entries.
 *
 * Time is injected (clock, random, sleep): unit tests never sleep on real time.
 */
import { systemClock, type Clock } from '../core/clock';
import type { Journal } from '../journal/journal';
import { JournalUnavailableError } from '../journal/errors';
import type { Metric } from '../journal/metric';
import { ackMatches, signBatch, type BatchSigner, type UploadBatch } from './batch';
import { fullJitterDelay } from './backoff';
import { parseSyncConfig, type SyncConfig } from './config';
import type { Transport } from './transport';

export type SyncState = 'idle' | 'sending' | 'backoff' | 'refused' | 'stopped';

export interface SyncFailure {
  kind: 'unknown' | 'refused' | 'journal';
  message: string;
  /** Wall clock, epoch ms. */
  at: number;
}

export interface SyncStatus {
  state: SyncState;
  head: bigint;
  ackedThrough: bigint;
  /** Records written but not yet acknowledged by the backend. */
  unconfirmed: bigint;
  consecutiveFailures: number;
  lastError?: SyncFailure;
  lastAckAt?: number;
  /** Wall clock of the next attempt while backing off. */
  nextAttemptAt?: number;
  batchesAcked: number;
  recordsAcked: number;
  /** Records the backend reported it already had (an earlier attempt had got through). */
  duplicatesReported: number;
  /** Sends whose outcome was unknown and were retried. */
  retries: number;
}

export interface SyncRound {
  /** Everything written so far is acknowledged. */
  caughtUp: boolean;
  batches: number;
  records: number;
  failure?: SyncFailure;
}

export interface SyncerOptions {
  journal: Journal;
  transport: Transport;
  signer: BatchSigner;
  config?: Partial<SyncConfig>;
  clock?: Clock;
  /** [0, 1) — injected for the jitter. */
  random?: () => number;
  /** Resolves after `ms` or when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called after every acknowledged batch. */
  onProgress?: (s: SyncStatus) => void;
}

export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class Syncer {
  readonly config: SyncConfig;
  private readonly journal: Journal;
  private readonly transport: Transport;
  private readonly signer: BatchSigner;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly onProgress?: (s: SyncStatus) => void;
  private pending: UploadBatch | undefined;
  /** The batch after `pending`, prepared while `pending` was on its way (pipelining). */
  private prepared: UploadBatch | undefined;
  private state: SyncState = 'idle';
  private failures = 0;
  private lastError: SyncFailure | undefined;
  private lastAckAt: number | undefined;
  private nextAttemptAt: number | undefined;
  private wake: AbortController | undefined;
  private counters = { batchesAcked: 0, recordsAcked: 0, duplicates: 0, retries: 0, unknown: 0, refused: 0 };

  constructor(opts: SyncerOptions) {
    if (opts.signer.terminalId !== opts.journal.terminalId) throw new RangeError(`signer is for terminal ${opts.signer.terminalId}, journal for ${opts.journal.terminalId}`);
    this.config = parseSyncConfig(opts.config ?? {});
    this.journal = opts.journal;
    this.transport = opts.transport;
    this.signer = opts.signer;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? realSleep;
    this.onProgress = opts.onProgress;
  }

  /** The batch to send now: the one whose outcome is unknown (same ids), or the next one. */
  private nextBatch(): UploadBatch | undefined {
    const { ackedThrough } = this.journal.syncPosition();
    if (this.pending && BigInt(this.pending.firstSeq) === ackedThrough + 1n) return this.pending;
    this.pending = undefined;
    if (this.prepared && BigInt(this.prepared.firstSeq) === ackedThrough + 1n) {
      this.pending = this.prepared;
      this.prepared = undefined;
      return this.pending;
    }
    this.prepared = undefined;
    const slice = this.journal.nextUpload(this.config.batchRecords);
    if (slice.records.length === 0) return undefined;
    this.pending = signBatch(this.signer, slice.prevHash, slice.records);
    return this.pending;
  }

  private fail(kind: SyncFailure['kind'], message: string): SyncFailure {
    this.failures++;
    this.lastError = { kind, message, at: this.clock.now() };
    if (kind === 'unknown') this.counters.unknown++;
    if (kind === 'refused') this.counters.refused++;
    return this.lastError;
  }

  /**
   * Send batches until everything written is acknowledged or the first failure. Never sleeps.
   * `maxBatches` bounds one round (to interleave with other work).
   */
  async syncOnce(opts: { maxBatches?: number } = {}): Promise<SyncRound> {
    let batches = 0;
    let records = 0;
    const max = opts.maxBatches ?? Infinity;
    while (batches < max) {
      let batch: UploadBatch | undefined;
      try {
        batch = this.nextBatch();
      } catch (e) {
        this.state = 'stopped';
        return { caughtUp: false, batches, records, failure: this.fail('journal', (e as Error).message) };
      }
      if (!batch) {
        this.state = 'idle';
        return { caughtUp: true, batches, records };
      }
      this.state = 'sending';
      const sending = this.transport.send(batch, this.config.requestTimeoutMs);
      await new Promise((r) => setImmediate(r)); // let the request reach the socket first
      this.prepareAfter(batch);
      const r = await sending;
      if (r.kind === 'unknown') {
        this.counters.retries++;
        this.state = 'backoff';
        return { caughtUp: false, batches, records, failure: this.fail('unknown', `outcome of batch ${batch.firstSeq}…${batch.lastSeq} unknown (${r.why}); will retry with the same ids`) };
      }
      if (r.kind === 'refused') {
        this.state = 'refused';
        return {
          caughtUp: false,
          batches,
          records,
          failure: this.fail('refused', `backend refused batch ${batch.firstSeq}…${batch.lastSeq} (HTTP ${r.httpStatus}, ${r.refusal.reason}${r.refusal.seq ? ` at record ${r.refusal.seq}` : ''}): ${r.refusal.message}`),
        };
      }
      if (!ackMatches(r.ack, batch)) {
        // A stale, duplicated or reordered response answering another request: not an answer to this one.
        this.counters.retries++;
        this.state = 'backoff';
        return { caughtUp: false, batches, records, failure: this.fail('unknown', `response acknowledges ${r.ack.firstSeq}…${r.ack.lastSeq}, not batch ${batch.firstSeq}…${batch.lastSeq}; will retry`) };
      }
      try {
        this.journal.acknowledge({ firstSeq: BigInt(batch.firstSeq), lastSeq: BigInt(batch.lastSeq), lastHash: batch.lastHash });
      } catch (e) {
        this.state = 'stopped';
        return { caughtUp: false, batches, records, failure: this.fail('journal', (e as Error).message) };
      }
      this.pending = undefined;
      this.failures = 0;
      this.lastAckAt = this.clock.now();
      this.counters.batchesAcked++;
      this.counters.recordsAcked += batch.records.length;
      this.counters.duplicates += r.ack.duplicates;
      batches++;
      records += batch.records.length;
      this.onProgress?.(this.status());
    }
    return { caughtUp: this.journal.syncPosition().unsent === 0n, batches, records };
  }

  /**
   * Read, verify and sign the batch after `current` while `current` is on its way: the terminal's work
   * overlaps the backend's. It is used only if it still starts right after the watermark.
   */
  private prepareAfter(current: UploadBatch): void {
    if (this.prepared && this.prepared.firstSeq === (BigInt(current.lastSeq) + 1n).toString()) return;
    this.prepared = undefined;
    try {
      const slice = this.journal.uploadSlice(BigInt(current.lastSeq), current.lastHash, this.config.batchRecords);
      if (slice.records.length) this.prepared = signBatch(this.signer, slice.prevHash, slice.records);
    } catch {
      /* a broken chain is reported by nextBatch() when this slice is due */
    }
  }

  /** The backoff before the next attempt after `failures` consecutive failures. */
  backoffMs(): number {
    return fullJitterDelay(Math.max(0, this.failures - 1), this.config.backoffBaseMs, this.config.backoffMaxMs, this.random);
  }

  /** Wake a sleeping run() loop early (e.g. after new records were appended). */
  notify(): void {
    this.wake?.abort();
  }

  /**
   * Run until `signal` aborts: sync, then sleep (backoff after a failure, idlePollMs when caught up).
   * Resolves when stopped; rejects if the journal goes out of service.
   */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const round = await this.syncOnce({ maxBatches: 50 });
      if (round.failure?.kind === 'journal') throw new JournalUnavailableError(this.journal.status().reason ?? 'internal', round.failure.message);
      let delay: number;
      if (round.failure) delay = this.backoffMs();
      else if (round.caughtUp) delay = this.config.idlePollMs;
      else delay = 0; // more to send: give other work a turn, then continue
      this.nextAttemptAt = this.clock.now() + delay;
      this.wake = new AbortController();
      const both = AbortSignal.any([signal, this.wake.signal]);
      if (delay > 0) await this.sleep(delay, round.failure ? signal : both);
      else await new Promise((r) => setImmediate(r));
      this.nextAttemptAt = undefined;
    }
    this.state = 'stopped';
  }

  status(): SyncStatus {
    const pos = this.journal.syncPosition();
    return {
      state: this.state,
      head: pos.head,
      ackedThrough: pos.ackedThrough,
      unconfirmed: pos.unsent,
      consecutiveFailures: this.failures,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.lastAckAt !== undefined ? { lastAckAt: this.lastAckAt } : pos.ackedAt !== null ? { lastAckAt: pos.ackedAt } : {}),
      ...(this.nextAttemptAt !== undefined ? { nextAttemptAt: this.nextAttemptAt } : {}),
      batchesAcked: this.counters.batchesAcked,
      recordsAcked: this.counters.recordsAcked,
      duplicatesReported: this.counters.duplicates,
      retries: this.counters.retries,
    };
  }

  metrics(): Metric[] {
    const s = this.status();
    return [
      { name: 'ykt_sync_unconfirmed_records', help: 'Journal records not yet acknowledged by the backend', type: 'gauge', value: Number(s.unconfirmed) },
      { name: 'ykt_sync_acked_seq', help: 'Highest sequence number acknowledged by the backend', type: 'gauge', value: Number(s.ackedThrough) },
      { name: 'ykt_sync_batches_acked_total', help: 'Batches acknowledged by the backend', type: 'counter', value: s.batchesAcked },
      { name: 'ykt_sync_records_acked_total', help: 'Records acknowledged by the backend', type: 'counter', value: s.recordsAcked },
      { name: 'ykt_sync_duplicates_total', help: 'Records the backend already had when re-sent', type: 'counter', value: s.duplicatesReported },
      { name: 'ykt_sync_failures_total', help: 'Failed sends by kind', type: 'counter', value: this.counters.unknown, labels: { kind: 'unknown' } },
      { name: 'ykt_sync_failures_total', help: 'Failed sends by kind', type: 'counter', value: this.counters.refused, labels: { kind: 'refused' } },
      { name: 'ykt_sync_consecutive_failures', help: 'Failures since the last acknowledgement', type: 'gauge', value: s.consecutiveFailures },
      { name: 'ykt_sync_last_ack_timestamp_seconds', help: 'Wall clock of the last acknowledgement', type: 'gauge', value: s.lastAckAt === undefined ? 0 : s.lastAckAt / 1000 },
      { name: 'ykt_sync_refused', help: '1 while the backend refuses this terminal\'s batches (operator action needed)', type: 'gauge', value: s.state === 'refused' ? 1 : 0 },
    ];
  }
}

export function createSyncer(opts: SyncerOptions): Syncer {
  return new Syncer(opts);
}
