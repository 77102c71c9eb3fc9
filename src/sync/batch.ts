/**
 * The upload batch: consecutive journal records of one terminal, signed with the terminal's Ed25519
 * key. The idempotency key of each record is (terminal id, seq); a batch is identified by (terminal
 * id, firstSeq, lastSeq) and its lastHash. Pure — shared by the terminal (sync) and the backend.
 *
 * The signature covers a short header, not the records themselves: the hash chain binds every record
 * into lastHash (and prevHash links the batch to what came before), so signing
 *   "ykt-batch-v1" ‖ terminal id ‖ key id ‖ firstSeq ‖ lastSeq ‖ count ‖ prevHash ‖ lastHash
 * authenticates them all, and the backend recomputes the chain before trusting lastHash.
 */
import { ed25519Sign, ed25519Verify } from '../core/ed25519';
import type { WireRecord } from '../journal/chain';

export interface UploadBatch {
  v: 1;
  terminalId: string;
  /** ed25519KeyId of the signing key (the enrolled key the backend must use). */
  keyId: string;
  firstSeq: string;
  lastSeq: string;
  /** Chain hash of record firstSeq-1 (the genesis hash when firstSeq = 1), hex. */
  prevHash: string;
  /** Chain hash of record lastSeq, hex. */
  lastHash: string;
  records: WireRecord[];
  /** Ed25519 signature over batchSigningMessage, hex (128 chars). */
  signature: string;
}

/** The backend's acknowledgement: the only thing that marks records sent on the terminal. */
export interface BatchAck {
  status: 'ok';
  terminalId: string;
  firstSeq: string;
  lastSeq: string;
  lastHash: string;
  /** Records stored for the first time by this batch. */
  accepted: number;
  /** Records of this batch the backend already had (same hash): an earlier attempt got through. */
  duplicates: number;
  /** True when the backend does not have record firstSeq-1 (a gap it reports for this terminal). */
  gapBefore: boolean;
  /** Backend wall clock, epoch ms, of the first ingestion. */
  receivedAt: number;
}

/** A refusal: the batch was not stored. `reason` is stable, `message` says what to do. */
export interface BatchRefusal {
  status: 'refused' | 'conflict';
  reason: string;
  message: string;
  seq?: string;
}

export function batchSigningMessage(b: Pick<UploadBatch, 'terminalId' | 'keyId' | 'firstSeq' | 'lastSeq' | 'prevHash' | 'lastHash'> & { count: number }): Uint8Array {
  return new TextEncoder().encode(['ykt-batch-v1', b.terminalId, b.keyId, b.firstSeq, b.lastSeq, String(b.count), b.prevHash, b.lastHash].join('\n'));
}

export interface BatchSigner {
  terminalId: string;
  keyId: string;
  signingKey: Uint8Array;
}

export function signBatch(signer: BatchSigner, prevHash: string, records: WireRecord[]): UploadBatch {
  if (records.length === 0) throw new RangeError('signBatch: expected at least one record');
  const first = records[0]!;
  const last = records[records.length - 1]!;
  const header = { terminalId: signer.terminalId, keyId: signer.keyId, firstSeq: first.seq, lastSeq: last.seq, prevHash, lastHash: last.hash };
  const signature = Buffer.from(ed25519Sign(signer.signingKey, batchSigningMessage({ ...header, count: records.length }))).toString('hex');
  return { v: 1, ...header, records, signature };
}

export function verifyBatchSignature(publicKey: Uint8Array, b: UploadBatch): boolean {
  if (!/^[0-9a-f]{128}$/.test(b.signature)) return false;
  return ed25519Verify(publicKey, batchSigningMessage({ ...b, count: b.records.length }), new Uint8Array(Buffer.from(b.signature, 'hex')));
}

/** Does this acknowledgement answer exactly this batch? (A stale or reordered response does not.) */
export function ackMatches(ack: BatchAck, b: UploadBatch): boolean {
  return ack.status === 'ok' && ack.terminalId === b.terminalId && ack.firstSeq === b.firstSeq && ack.lastSeq === b.lastSeq && ack.lastHash === b.lastHash;
}

/** Enrolment proof of possession: the terminal signs this with the key it enrols. */
export function enrolmentMessage(terminalId: string, publicKeyHex: string, code: string): Uint8Array {
  return new TextEncoder().encode(['ykt-enrol-v1', terminalId, publicKeyHex, code].join('\n'));
}
