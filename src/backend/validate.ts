/**
 * Checking an uploaded batch before anything is stored: shape and bounds (untrusted input), the
 * terminal's enrolled key, the signature, consecutive sequence numbers, and the hash chain recomputed
 * from prevHash. Pure apart from the key look-up the caller did.
 */
import { z } from 'zod';
import { genesisHash, recordHash, toHexLower, type WireRecord } from '../journal/chain';
import { verifyBatchSignature, type BatchRefusal, type UploadBatch } from '../sync/batch';
import type { TerminalInfo, VerifiedBatch } from './store';

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
const seqStr = z.string().regex(/^[1-9][0-9]{0,18}$/, 'a decimal sequence number >= 1').refine((s) => BigInt(s) < 2n ** 63n, 'at most 2^63-1');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits');
const text = (max: number) => z.string().max(max).regex(NO_CONTROL, 'no control characters');

const recordSchema = z.object({
  seq: seqStr,
  ts: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  type: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
  service: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/),
  outcome: text(32).nullable(),
  reason: text(128).nullable(),
  amountFen: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
  currency: z.number().int().min(0).max(999).nullable(),
  offline: z.boolean(),
  refSeq: seqStr.nullable(),
  txn: z.string().regex(/^[\x21-\x7e]{1,64}$/).nullable(),
  tokens: z.string().max(4096),
  payload: z.string().max(64 * 1024),
  sealed: z.string().max(16 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64').nullable(),
  hash: hex64,
});

const schemas = new Map<number, ReturnType<typeof makeBatchSchema>>();

/** The batch schema for a record limit (built once: zod compiles a schema on first use). */
export function batchSchema(maxRecords: number): ReturnType<typeof makeBatchSchema> {
  let s = schemas.get(maxRecords);
  if (!s) schemas.set(maxRecords, (s = makeBatchSchema(maxRecords)));
  return s;
}

function makeBatchSchema(maxRecords: number) {
  return z.object({
    v: z.literal(1),
    terminalId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
    keyId: z.string().regex(/^[0-9a-f]{16}$/),
    firstSeq: seqStr,
    lastSeq: seqStr,
    prevHash: hex64,
    lastHash: hex64,
    records: z.array(recordSchema).min(1).max(maxRecords),
    signature: z.string().regex(/^[0-9a-f]{128}$/),
  });
}

export type BatchCheck = { ok: true; batch: VerifiedBatch } | { ok: false; httpStatus: number; refusal: BatchRefusal };

const refuse = (httpStatus: number, reason: string, message: string, seq?: string): BatchCheck => ({
  ok: false,
  httpStatus,
  refusal: { status: 'refused', reason, message, ...(seq ? { seq } : {}) },
});

export function parseBatch(body: unknown, maxRecords: number): { ok: true; batch: UploadBatch } | { ok: false; httpStatus: number; refusal: BatchRefusal } {
  const r = batchSchema(maxRecords).safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0]!;
    return { ok: false, httpStatus: 400, refusal: { status: 'refused', reason: 'malformed', message: `batch.${i.path.join('.')}: ${i.message}` } };
  }
  return { ok: true, batch: r.data as UploadBatch };
}

export function verifyBatch(b: UploadBatch, terminal: TerminalInfo | undefined): BatchCheck {
  if (!terminal || !terminal.publicKey || !terminal.keyId) return refuse(401, 'unknown-terminal', `terminal ${b.terminalId} is not enrolled: enrol it first`);
  if (b.keyId !== terminal.keyId) return refuse(401, 'unknown-key', `key ${b.keyId} is not the enrolled key of terminal ${b.terminalId} (${terminal.keyId}): re-enrol the terminal`);
  if (!verifyBatchSignature(new Uint8Array(Buffer.from(terminal.publicKey, 'hex')), b)) return refuse(401, 'bad-signature', 'the batch signature does not verify with the enrolled key');
  const first = BigInt(b.firstSeq);
  const last = BigInt(b.lastSeq);
  if (last - first + 1n !== BigInt(b.records.length)) return refuse(422, 'not-consecutive', `firstSeq…lastSeq spans ${last - first + 1n} records, the batch has ${b.records.length}`);
  if (first === 1n && b.prevHash !== toHexLower(genesisHash(b.terminalId))) return refuse(422, 'bad-genesis', 'the first record does not start from this terminal\'s genesis hash', '1');
  const prevHashes: string[] = [];
  let h = Buffer.from(b.prevHash, 'hex') as Uint8Array;
  for (let i = 0; i < b.records.length; i++) {
    const r: WireRecord = b.records[i]!;
    const seq = first + BigInt(i);
    if (r.seq !== seq.toString()) return refuse(422, 'not-consecutive', `record ${i} has seq ${r.seq}, expected ${seq}`, r.seq);
    prevHashes.push(toHexLower(h));
    h = recordHash(b.terminalId, h, r);
    if (toHexLower(h) !== r.hash) return refuse(422, 'chain-invalid', `record ${r.seq}: hash does not match its content and predecessor`, r.seq);
  }
  if (toHexLower(h) !== b.lastHash) return refuse(422, 'chain-invalid', 'lastHash is not the hash of the last record', b.lastSeq);
  return { ok: true, batch: { terminalId: b.terminalId, firstSeq: first, lastSeq: last, prevHash: b.prevHash, lastHash: b.lastHash, records: b.records, prevHashes } };
}
