/**
 * Idempotent ingestion of one verified batch, written once for both stores. Runs inside a store
 * transaction that serialises batches of the same terminal (SQLite: one writer; PostgreSQL: the
 * terminal's row locked FOR UPDATE).
 *
 * 1. The same batch seen before (terminal, firstSeq, lastSeq) → the first result again, verbatim
 *    (or a conflict if its lastHash differs: the terminal rewrote history).
 * 2. Continuity with neighbours already stored: record firstSeq-1 must hash to prevHash, record
 *    lastSeq+1 must name lastHash as its predecessor; a missing neighbour is a gap, reported, not an error.
 * 3. Each record by its idempotency key (terminal, seq): new → stored; present with the same hash →
 *    a duplicate (counted); present with another hash → conflict, nothing stored.
 */
import type { BatchAck } from '../sync/batch';
import type { Gap, IngestOutcome, TerminalInfo, TerminalReport, VerifiedBatch } from './store';

export interface NeighbourRow {
  seq: bigint;
  hash: string;
  prevHash: string;
}

export interface IngestTx {
  findBatch(terminalId: string, firstSeq: bigint, lastSeq: bigint): Promise<{ lastHash: string; result: string } | undefined>;
  /** Stored records with from <= seq <= to (hash and predecessor hash). */
  rowsInRange(terminalId: string, from: bigint, to: bigint): Promise<NeighbourRow[]>;
  insertRecords(batch: VerifiedBatch, indexes: number[], receivedAt: number): Promise<void>;
  bumpTerminal(terminalId: string, accepted: number, duplicates: number, lastSeq: bigint): Promise<void>;
  saveBatch(terminalId: string, firstSeq: bigint, lastSeq: bigint, lastHash: string, result: string, receivedAt: number): Promise<void>;
}

export async function ingestInTx(tx: IngestTx, b: VerifiedBatch, receivedAt: number): Promise<IngestOutcome> {
  const seen = await tx.findBatch(b.terminalId, b.firstSeq, b.lastSeq);
  if (seen) {
    if (seen.lastHash !== b.lastHash) {
      return { kind: 'conflict', reason: 'batch-differs', seq: b.lastSeq.toString(), message: `batch ${b.firstSeq}…${b.lastSeq} was received before with different content` };
    }
    return { kind: 'ok', ack: JSON.parse(seen.result) as BatchAck, replayed: true };
  }
  const rows = await tx.rowsInRange(b.terminalId, b.firstSeq - 1n, b.lastSeq + 1n);
  const bySeq = new Map(rows.map((r) => [r.seq, r]));
  const before = bySeq.get(b.firstSeq - 1n);
  if (before && before.hash !== b.prevHash) {
    return { kind: 'conflict', reason: 'chain-break-before', seq: b.firstSeq.toString(), message: `record ${b.firstSeq - 1n} stored here has another hash than this batch's predecessor` };
  }
  const after = bySeq.get(b.lastSeq + 1n);
  if (after && after.prevHash !== b.lastHash) {
    return { kind: 'conflict', reason: 'chain-break-after', seq: b.lastSeq.toString(), message: `record ${b.lastSeq + 1n} stored here does not follow this batch's last record` };
  }
  const fresh: number[] = [];
  let duplicates = 0;
  for (let i = 0; i < b.records.length; i++) {
    const seq = b.firstSeq + BigInt(i);
    const have = bySeq.get(seq);
    if (!have) fresh.push(i);
    else if (have.hash === b.records[i]!.hash) duplicates++;
    else return { kind: 'conflict', reason: 'record-differs', seq: seq.toString(), message: `record ${seq} is stored with different content` };
  }
  if (fresh.length) await tx.insertRecords(b, fresh, receivedAt);
  await tx.bumpTerminal(b.terminalId, fresh.length, duplicates, b.lastSeq);
  const ack: BatchAck = {
    status: 'ok',
    terminalId: b.terminalId,
    firstSeq: b.firstSeq.toString(),
    lastSeq: b.lastSeq.toString(),
    lastHash: b.lastHash,
    accepted: fresh.length,
    duplicates,
    gapBefore: b.firstSeq > 1n && !before,
    receivedAt,
  };
  await tx.saveBatch(b.terminalId, b.firstSeq, b.lastSeq, b.lastHash, JSON.stringify(ack), receivedAt);
  return { kind: 'ok', ack, replayed: false };
}

/** How many gaps a terminal report lists (the count is always complete). */
export const GAPS_LISTED = 100;

/** Gaps below the highest stored record, as SQL both stores run (window function LEAD). */
export const GAPS_SQL = `
  SELECT seq + 1 AS gap_from, next_seq - 1 AS gap_to FROM (
    SELECT seq, LEAD(seq) OVER (ORDER BY seq) AS next_seq FROM records WHERE terminal_id = ?
  ) t WHERE next_seq > seq + 1 ORDER BY seq`;

/**
 * Assemble a terminal report from a store's counters, its lowest stored seq and its GAPS_SQL answers
 * (the first GAPS_LISTED gaps and their count). GAPS_SQL only sees holes between stored records; the
 * hole before the lowest one (records 1…minSeq-1 never received) is added here, for both stores.
 */
export function reportOf(info: TerminalInfo, counters: { records: number; duplicates: number; batches: number; lastSeq: bigint }, minSeq: bigint | null, listed: Gap[], gapCount: number): TerminalReport {
  const gaps = minSeq !== null && minSeq > 1n ? [{ from: '1', to: (minSeq - 1n).toString() }, ...listed].slice(0, GAPS_LISTED) : listed;
  const count = gaps === listed ? gapCount : gapCount + 1;
  const lastSeq = minSeq === null ? 0n : counters.lastSeq;
  const contiguousThrough = gaps.length > 0 ? BigInt(gaps[0]!.from) - 1n : lastSeq;
  return { ...info, records: counters.records, duplicatesReceived: counters.duplicates, batches: counters.batches, lastSeq: lastSeq.toString(), contiguousThrough: contiguousThrough.toString(), gaps, gapCount: count };
}
