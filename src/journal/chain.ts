/**
 * The journal's record form on the wire and its hash chain (pure: no SQLite, no I/O). The terminal
 * computes the chain when it appends; the backend recomputes it from the uploaded records, so both
 * sides must serialise a record identically. The canonical form is a JSON array of strings, safe
 * integers and nulls in a fixed order: JSON.stringify is deterministic for exactly those values.
 * Nested data (tokens, kernel payload) is carried as the JSON *text* stored on the terminal, never
 * re-serialised, so key order and number formatting cannot drift between the two sides.
 *
 *   hash(n) = SHA-256(hash(n-1) ‖ UTF-8(canonical(record n)))
 *   hash(0) = SHA-256("ykt-chain-v1" ‖ 0x00 ‖ terminal id)      (genesis: a chain cannot be moved to
 *                                                                 another terminal)
 */
import { createHash } from 'node:crypto';

export const CHAIN_VERSION = 'ykt-rec-v1';
export const HASH_BYTES = 32;

/** A journal record as uploaded: 64-bit numbers as decimal strings, bytes as hex/base64. */
export interface WireRecord {
  /** Sequence number, decimal (64-bit). 1 for the first record of a terminal. */
  seq: string;
  /** Wall-clock epoch ms when the record was appended (terminal clock). */
  ts: number;
  type: string;
  service: string;
  outcome: string | null;
  reason: string | null;
  amountFen: number | null;
  currency: number | null;
  offline: boolean;
  refSeq: string | null;
  txn: string | null;
  /** JSON object text of tokenised identifiers (exactly as stored). */
  tokens: string;
  /** JSON text of kernel data (exactly as stored). */
  payload: string;
  /** AES-256-GCM sealed personal data, base64, or null. */
  sealed: string | null;
  /** This record's chain hash, hex (64 chars). */
  hash: string;
}

/** Everything of a record that the hash covers (all but the hash itself). */
export type RecordBody = Omit<WireRecord, 'hash'>;

export function canonicalRecord(terminalId: string, r: RecordBody): string {
  return JSON.stringify([
    CHAIN_VERSION,
    terminalId,
    r.seq,
    r.ts,
    r.type,
    r.service,
    r.outcome,
    r.reason,
    r.amountFen,
    r.currency,
    r.offline ? 1 : 0,
    r.refSeq,
    r.txn,
    r.tokens,
    r.payload,
    r.sealed,
  ]);
}

export function genesisHash(terminalId: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update('ykt-chain-v1').update(new Uint8Array([0])).update(terminalId, 'utf8').digest());
}

export function chainHash(prev: Uint8Array, canonical: string): Uint8Array {
  if (prev.length !== HASH_BYTES) throw new RangeError(`prev hash: expected Uint8Array of length ${HASH_BYTES}, got length=${prev.length}`);
  return new Uint8Array(createHash('sha256').update(prev).update(canonical, 'utf8').digest());
}

export function recordHash(terminalId: string, prev: Uint8Array, r: RecordBody): Uint8Array {
  return chainHash(prev, canonicalRecord(terminalId, r));
}

export type ChainCheck =
  | { ok: true; lastHash: Uint8Array }
  | {
      ok: false;
      /** The first record that does not verify. */
      seq: string;
      /** 'gap': it is not the expected sequence number; 'hash': its content or predecessor changed. */
      problem: 'gap' | 'hash';
      /** The sequence number expected at that place. */
      expectedSeq: string;
      why: string;
    };

/**
 * Recompute the chain over consecutive records starting from `prev` (the hash of the record before
 * the first). Checks that sequence numbers are consecutive (starting at `firstSeq` when given) and
 * every stored hash matches. The one chain check of the upload path: the terminal before it sends
 * (Journal.uploadSlice), the backend before it stores (backend/validate.ts).
 */
export function verifyChain(terminalId: string, prev: Uint8Array, records: readonly WireRecord[], firstSeq?: bigint): ChainCheck {
  let h = prev;
  let expectSeq = firstSeq;
  for (const r of records) {
    const seq = BigInt(r.seq);
    if (expectSeq !== undefined && seq !== expectSeq) return { ok: false, seq: r.seq, problem: 'gap', expectedSeq: expectSeq.toString(), why: `sequence jumps from ${expectSeq - 1n} to ${seq}` };
    expectSeq = seq + 1n;
    h = recordHash(terminalId, h, r);
    if (toHexLower(h) !== r.hash) return { ok: false, seq: r.seq, problem: 'hash', expectedSeq: r.seq, why: 'hash does not match the record content and its predecessor' };
  }
  return { ok: true, lastHash: h };
}

export function toHexLower(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
