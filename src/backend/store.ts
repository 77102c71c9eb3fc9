/**
 * What the clearing backend keeps, behind one interface with two implementations: SQLite (default,
 * sqlite-store.ts) and PostgreSQL (pg-store.ts, the scale path). The same test suite runs against both
 * (store-suite.ts). The ingestion algorithm itself is shared (ingest.ts); a store supplies the
 * transactional primitives it needs.
 */
import type { WireRecord } from '../journal/chain';
import type { BatchAck } from '../sync/batch';

export interface TerminalInfo {
  terminalId: string;
  /** Enrolled Ed25519 public key, hex; null while only an enrolment code exists. */
  publicKey: string | null;
  keyId: string | null;
  enrolledAt: number | null;
}

export interface Gap {
  /** First missing sequence number (decimal). */
  from: string;
  /** Last missing sequence number (decimal). */
  to: string;
}

export interface TerminalReport extends TerminalInfo {
  /** Distinct records stored. */
  records: number;
  /** Records received again after they were stored (retries after unknown outcomes). */
  duplicatesReceived: number;
  batches: number;
  /** Highest sequence number stored ("0" if none). */
  lastSeq: string;
  /** Every record 1…contiguousThrough is stored. */
  contiguousThrough: string;
  /** Missing ranges below lastSeq (at most 100 listed). */
  gaps: Gap[];
  gapCount: number;
}

/** A batch whose signature and chain were verified (validate.ts); prevHashes[i] is record i's predecessor hash. */
export interface VerifiedBatch {
  terminalId: string;
  firstSeq: bigint;
  lastSeq: bigint;
  prevHash: string;
  lastHash: string;
  records: WireRecord[];
  prevHashes: string[];
}

export type IngestOutcome =
  | { kind: 'ok'; ack: BatchAck; replayed: boolean }
  | { kind: 'conflict'; reason: 'batch-differs' | 'record-differs' | 'chain-break-before' | 'chain-break-after'; seq: string; message: string };

export type EnrolOutcome = 'ok' | 'invalid-code' | 'expired';

export interface StoredRecord extends WireRecord {
  prevHash: string;
  receivedAt: number;
}

export interface BackendStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Create or upgrade the schema (versioned, transactional). */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /** Register (or re-key) a terminal directly: operator tooling and tests. */
  registerTerminal(terminalId: string, publicKeyHex: string, keyId: string, now: number): Promise<void>;
  /** Store an enrolment code (its SHA-256, hex) for a terminal, replacing any earlier one. */
  putEnrolmentCode(terminalId: string, codeHash: string, expiresAt: number): Promise<void>;
  /** Consume the code and bind the key, atomically. */
  enrol(terminalId: string, codeHash: string, publicKeyHex: string, keyId: string, now: number): Promise<EnrolOutcome>;
  getTerminal(terminalId: string): Promise<TerminalInfo | undefined>;
  listTerminals(): Promise<TerminalInfo[]>;

  /** Store a verified batch idempotently (see ingest.ts). */
  ingest(batch: VerifiedBatch, receivedAt: number): Promise<IngestOutcome>;
  report(terminalId: string): Promise<TerminalReport | undefined>;
  /** Stored records of a terminal in sequence order after `afterSeq`. */
  records(terminalId: string, afterSeq: bigint, limit: number): Promise<StoredRecord[]>;
}
