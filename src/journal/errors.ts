/**
 * Journal errors. Two kinds only:
 * - JournalUnavailableError: the journal cannot record (disk full, corrupt file, I/O error, broken
 *   chain, locked by another process, closed). The terminal is OUT OF SERVICE: it must not approve
 *   anything, because an approval without a durable record is money or data lost.
 * - JournalInputError: the caller passed a record the journal refuses (clear personal data, bad link,
 *   oversized payload). A programming error in a kernel or profile; the transaction must be declined.
 */
import { YktError } from '../core/errors';

export type OutOfServiceReason =
  | 'disk-full'
  | 'corrupt'
  | 'tampered'
  | 'io-error'
  | 'read-only'
  | 'locked'
  | 'schema-too-new'
  | 'closed'
  | 'internal';

const ADVICE: Record<OutOfServiceReason, string> = {
  'disk-full': 'the journal storage is full: free space (sync, then prune sent records) and restart',
  corrupt: 'the journal database file is corrupt: keep the file for analysis, restore from the backend, replace the storage',
  tampered: 'the journal hash chain is broken (records altered or removed): keep the file for analysis and report it',
  'io-error': 'the journal storage reported an I/O error: check the storage medium',
  'read-only': 'the journal storage is read-only: check the mount and permissions',
  locked: 'the journal is locked by another process: stop the other process',
  'schema-too-new': 'the journal was written by a newer software version: install that version',
  closed: 'the journal was closed',
  internal: 'the journal failed unexpectedly',
};

export class JournalUnavailableError extends YktError {
  constructor(
    readonly reason: OutOfServiceReason,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`journal out of service (${reason}): ${detail} — ${ADVICE[reason]}`, `journal/${reason}`, options);
  }
}

export class JournalInputError extends YktError {
  constructor(
    readonly field: string,
    why: string,
  ) {
    super(`journal record ${field}: ${why}`, 'journal/input');
  }
}

/** Map a better-sqlite3 SqliteError (or anything thrown by it) to an out-of-service reason. */
export function reasonOfSqliteError(e: unknown): OutOfServiceReason {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  if (code === 'SQLITE_FULL') return 'disk-full';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  if (code.startsWith('SQLITE_IOERR')) return 'io-error';
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') return 'read-only';
  if (code.startsWith('SQLITE_CANTOPEN')) return 'io-error';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
  return 'internal';
}
