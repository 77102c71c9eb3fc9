/**
 * Versioned, transactional schema migrations for SQLite databases (the journal, the backend's SQLite
 * store). The version is SQLite's `PRAGMA user_version`, which lives in the database header and is
 * written inside the same transaction as the migration: a failed migration leaves both the schema
 * and the version as they were. A database newer than the code is refused, never "downgraded".
 */
import type Database from 'better-sqlite3';

export interface SqliteMigration {
  /** 1, 2, 3, … in order, no gaps. */
  version: number;
  /** What it does, for logs. */
  name: string;
  up(db: Database.Database): void;
}

export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(`database schema version ${found} is newer than this software supports (${supported})`);
  }
}

export function checkMigrations(migrations: readonly SqliteMigration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new RangeError(`migration "${m.name}": expected version ${i + 1}, got ${m.version}`);
  });
}

/** Apply the pending migrations, each in its own transaction. Returns the versions before and after. */
export function migrateSqlite(db: Database.Database, migrations: readonly SqliteMigration[]): { from: number; to: number } {
  checkMigrations(migrations);
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > migrations.length) throw new SchemaTooNewError(from, migrations.length);
  for (const m of migrations.slice(from)) {
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return { from, to: migrations.length };
}
