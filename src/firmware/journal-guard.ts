/**
 * The journal across an update: its schema is never migrated irreversibly before commit.
 *
 * The rule (the runtime's side): a runtime started on trial (env YKT_FIRMWARE_TRIAL=1, see
 * runtime-host.ts) opens the journal READ-ONLY — `openJournal({ readonly: true })` runs no migration
 * and writes nothing — and takes no transactions. Only after commit does the new version start in
 * normal mode, open the journal read-write and run its migrations (src/journal/migrate.ts). So the
 * old version, if we roll back, finds the schema it knows.
 *
 * The installer's side (this file): it records the journal's facts (schema version = SQLite
 * user_version, head sequence and hash, unsent count) before the trial, optionally copies the journal
 * (VACUUM INTO, a consistent copy even with a WAL), and compares after the health check. A changed
 * schema or head fails the trial. On rollback, a journal whose schema the trial changed is restored
 * from the copy — but only when its records are exactly those of the copy (same head and head hash),
 * so the restore loses nothing; otherwise it is left alone and the failure says so.
 */
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { openJournal } from '../journal/index';
import { fsyncDir } from './fsutil';
import type { JournalFacts } from './slots';

export type { JournalFacts } from './slots';

export interface JournalGuard {
  readonly path: string;
  inspect(): JournalFacts;
  verify(): { ok: boolean; records: number; problems: string[] };
  /** A consistent copy of the journal at `dest` (overwrites). */
  snapshot(dest: string): void;
  /** Put the copy back (nobody may have the journal open). */
  restore(snapshot: string): void;
}

export interface SqliteJournalGuardOptions {
  path: string;
  terminalId: string;
}

const NONE: JournalFacts = { exists: false, schemaVersion: 0, head: '0', headHash: '', unsent: '0' };

/** The guard for the real journal (src/journal). */
export function sqliteJournalGuard(o: SqliteJournalGuardOptions): JournalGuard {
  const open = () => openJournal({ path: o.path, terminalId: o.terminalId, readonly: true, create: false, config: { integrityCheck: 'off', verifyTailOnOpen: 0 } });
  return {
    path: o.path,
    inspect() {
      if (!existsSync(o.path)) return NONE;
      const db = new Database(o.path, { readonly: true, fileMustExist: true });
      let schemaVersion: number;
      try {
        schemaVersion = db.pragma('user_version', { simple: true }) as number;
      } finally {
        db.close();
      }
      const j = open();
      try {
        const pos = j.syncPosition();
        const head = j.get(pos.head);
        return { exists: true, schemaVersion, head: pos.head.toString(), headHash: head?.hash ?? '', unsent: pos.unsent.toString() };
      } finally {
        j.close();
      }
    },
    verify() {
      if (!existsSync(o.path)) return { ok: true, records: 0, problems: [] };
      try {
        const j = openJournal({ path: o.path, terminalId: o.terminalId, readonly: true, create: false });
        try {
          return j.verify();
        } finally {
          j.close();
        }
      } catch (e) {
        return { ok: false, records: 0, problems: [(e as Error).message] };
      }
    },
    snapshot(dest) {
      rmSync(dest, { force: true });
      const db = new Database(o.path, { readonly: true, fileMustExist: true });
      try {
        db.prepare('VACUUM INTO ?').run(dest);
      } finally {
        db.close();
      }
      fsyncDir(dirname(dest));
    },
    restore(snapshot) {
      rmSync(o.path + '-wal', { force: true });
      rmSync(o.path + '-shm', { force: true });
      renameSync(snapshot, o.path);
      fsyncDir(dirname(o.path));
    },
  };
}

export interface TrialJournalVerdict {
  ok: boolean;
  detail: string;
  /** Roll back the journal from the snapshot (safe: nothing recorded since). */
  restore: boolean;
}

/** Compare the journal before and after a trial (pure). */
export function judgeTrialJournal(before: JournalFacts | null, after: JournalFacts): TrialJournalVerdict {
  if (!before || !before.exists) {
    return after.exists ? { ok: false, detail: 'the trial runtime created the journal; on trial it must open it read-only', restore: false } : { ok: true, detail: 'no journal', restore: false };
  }
  if (!after.exists) return { ok: false, detail: 'the journal disappeared during the trial', restore: false };
  const sameRecords = after.head === before.head && after.headHash === before.headHash;
  if (after.schemaVersion !== before.schemaVersion) {
    return {
      ok: false,
      detail: `the trial runtime changed the journal schema v${before.schemaVersion} → v${after.schemaVersion} before commit (migrations may run only after commit)`,
      restore: sameRecords,
    };
  }
  if (!sameRecords) return { ok: false, detail: `the trial runtime wrote to the journal (head ${before.head} → ${after.head}); on trial it must open it read-only`, restore: false };
  return { ok: true, detail: `unchanged: schema v${after.schemaVersion}, head ${after.head}, ${after.unsent} unsent`, restore: false };
}
