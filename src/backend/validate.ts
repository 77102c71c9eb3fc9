/**
 * Checking an uploaded batch before anything is stored: shape and bounds (untrusted input), the
 * terminal's enrolled key, the signature, consecutive sequence numbers, and the hash chain recomputed
 * from prevHash. Pure apart from the key look-up the caller did.
 */
import { genesisHash, toHexLower, verifyChain } from '../journal/chain';
import { verifyBatchSignature, type BatchRefusal, type UploadBatch } from '../sync/batch';
import type { TerminalInfo, VerifiedBatch } from './store';

// Hand-written checks (not zod) on this path: a batch holds thousands of records and each costs
// a few microseconds less; messages still name the field exactly.
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const SEQ = /^[1-9][0-9]{0,18}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const TYPE = /^[a-z][a-z0-9-]{0,31}$/;
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const TXN = /^[\x21-\x7e]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const TERMINAL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_SEQ = 2n ** 63n - 1n;

const isSeq = (v: unknown): v is string => typeof v === 'string' && SEQ.test(v) && (v.length < 19 || BigInt(v) <= MAX_SEQ);
const isInt = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isText = (v: unknown, max: number) => typeof v === 'string' && v.length <= max && !CONTROL.test(v);
const orNull = (v: unknown, ok: (x: unknown) => boolean) => v === null || ok(v);

/** The first problem with one record, as "field: what was expected", or undefined. */
function recordProblem(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'expected an object';
  const o = r as Record<string, unknown>;
  if (!isSeq(o.seq)) return 'seq: a decimal sequence number 1…2^63-1';
  if (!isInt(o.ts, 0, Number.MAX_SAFE_INTEGER)) return 'ts: epoch ms';
  if (typeof o.type !== 'string' || !TYPE.test(o.type)) return 'type: lower-case letters, digits, dashes (max 32)';
  if (typeof o.service !== 'string' || !SERVICE.test(o.service)) return 'service: letters, digits, . _ : - (max 64)';
  if (!orNull(o.outcome, (x) => isText(x, 32))) return 'outcome: text (max 32, no control characters) or null';
  if (!orNull(o.reason, (x) => isText(x, 128))) return 'reason: text (max 128, no control characters) or null';
  if (!orNull(o.amountFen, (x) => isInt(x, 0, Number.MAX_SAFE_INTEGER))) return 'amountFen: whole fen >= 0 or null';
  if (!orNull(o.currency, (x) => isInt(x, 0, 999))) return 'currency: ISO 4217 numeric or null';
  if (typeof o.offline !== 'boolean') return 'offline: boolean';
  if (!orNull(o.refSeq, isSeq)) return 'refSeq: a decimal sequence number or null';
  if (!orNull(o.txn, (x) => typeof x === 'string' && TXN.test(x))) return 'txn: 1–64 printable ASCII characters or null';
  if (typeof o.tokens !== 'string' || o.tokens.length > 4096) return 'tokens: JSON text (max 4096)';
  if (typeof o.payload !== 'string' || o.payload.length > 64 * 1024) return 'payload: JSON text (max 64 KiB)';
  if (!orNull(o.sealed, (x) => typeof x === 'string' && x.length <= 16 * 1024 && BASE64.test(x))) return 'sealed: base64 (max 16 KiB) or null';
  if (typeof o.hash !== 'string' || !HEX64.test(o.hash)) return 'hash: 64 lower-case hex digits';
  return undefined;
}

/** The first problem with a batch body, as "batch.field: what was expected", or undefined. */
export function batchProblem(body: unknown, maxRecords: number): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'batch: expected a JSON object';
  const b = body as Record<string, unknown>;
  if (b.v !== 1) return 'batch.v: expected 1';
  if (typeof b.terminalId !== 'string' || !TERMINAL.test(b.terminalId)) return 'batch.terminalId: letters, digits, . _ - (max 64)';
  if (typeof b.keyId !== 'string' || !/^[0-9a-f]{16}$/.test(b.keyId)) return 'batch.keyId: 16 lower-case hex digits';
  if (!isSeq(b.firstSeq)) return 'batch.firstSeq: a decimal sequence number';
  if (!isSeq(b.lastSeq)) return 'batch.lastSeq: a decimal sequence number';
  if (typeof b.prevHash !== 'string' || !HEX64.test(b.prevHash)) return 'batch.prevHash: 64 lower-case hex digits';
  if (typeof b.lastHash !== 'string' || !HEX64.test(b.lastHash)) return 'batch.lastHash: 64 lower-case hex digits';
  if (typeof b.signature !== 'string' || !/^[0-9a-f]{128}$/.test(b.signature)) return 'batch.signature: 128 lower-case hex digits';
  if (!Array.isArray(b.records) || b.records.length < 1 || b.records.length > maxRecords) return `batch.records: 1…${maxRecords} records`;
  for (let i = 0; i < b.records.length; i++) {
    const p = recordProblem(b.records[i]);
    if (p) return `batch.records.${i}.${p}`;
  }
  return undefined;
}

export type BatchCheck = { ok: true; batch: VerifiedBatch } | { ok: false; httpStatus: number; refusal: BatchRefusal };

const refuse = (httpStatus: number, reason: string, message: string, seq?: string): BatchCheck => ({
  ok: false,
  httpStatus,
  refusal: { status: 'refused', reason, message, ...(seq ? { seq } : {}) },
});

export function parseBatch(body: unknown, maxRecords: number): { ok: true; batch: UploadBatch } | { ok: false; httpStatus: number; refusal: BatchRefusal } {
  const problem = batchProblem(body, maxRecords);
  if (problem) return { ok: false, httpStatus: 400, refusal: { status: 'refused', reason: 'malformed', message: problem } };
  return { ok: true, batch: body as UploadBatch };
}

export function verifyBatch(b: UploadBatch, terminal: TerminalInfo | undefined): BatchCheck {
  if (!terminal || !terminal.publicKey || !terminal.keyId) return refuse(401, 'unknown-terminal', `terminal ${b.terminalId} is not enrolled: enrol it first`);
  if (b.keyId !== terminal.keyId) return refuse(401, 'unknown-key', `key ${b.keyId} is not the enrolled key of terminal ${b.terminalId} (${terminal.keyId}): re-enrol the terminal`);
  if (!verifyBatchSignature(new Uint8Array(Buffer.from(terminal.publicKey, 'hex')), b)) return refuse(401, 'bad-signature', 'the batch signature does not verify with the enrolled key');
  const first = BigInt(b.firstSeq);
  const last = BigInt(b.lastSeq);
  if (last - first + 1n !== BigInt(b.records.length)) return refuse(422, 'not-consecutive', `firstSeq…lastSeq spans ${last - first + 1n} records, the batch has ${b.records.length}`);
  if (first === 1n && b.prevHash !== toHexLower(genesisHash(b.terminalId))) return refuse(422, 'bad-genesis', 'the first record does not start from this terminal\'s genesis hash', '1');
  const c = verifyChain(b.terminalId, Buffer.from(b.prevHash, 'hex'), b.records, first);
  if (!c.ok) {
    if (c.problem === 'gap') return refuse(422, 'not-consecutive', `record ${BigInt(c.expectedSeq) - first} has seq ${c.seq}, expected ${c.expectedSeq}`, c.seq);
    return refuse(422, 'chain-invalid', `record ${c.seq}: hash does not match its content and predecessor`, c.seq);
  }
  if (toHexLower(c.lastHash) !== b.lastHash) return refuse(422, 'chain-invalid', 'lastHash is not the hash of the last record', b.lastSeq);
  // The chain verified, so each record's predecessor hash is the stored hash of the record before it.
  const prevHashes = [b.prevHash, ...b.records.slice(0, -1).map((r) => r.hash)];
  return { ok: true, batch: { terminalId: b.terminalId, firstSeq: first, lastSeq: last, prevHash: b.prevHash, lastHash: b.lastHash, records: b.records, prevHashes } };
}
