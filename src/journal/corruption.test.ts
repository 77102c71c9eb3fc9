/** A corrupt or altered journal is detected, and the terminal goes out of service with the reason. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, openSync, statSync, truncateSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ManualClock } from '../core/clock';
import { openJournal } from './journal';
import { JournalUnavailableError } from './errors';
import { migrateSqlite, SchemaTooNewError, type SqliteMigration } from './migrate';
import { JOURNAL_MIGRATIONS } from './schema';
import { tempDir } from './testing/tmp';

let tmp: ReturnType<typeof tempDir>;
const clock = new ManualClock();
const path = () => tmp.path('j.sqlite');
const open = (config = {}) => openJournal({ path: path(), terminalId: 'T-7', clock, config });

function fill(n: number): void {
  const j = open();
  j.appendMany(Array.from({ length: n }, (_, i) => ({ type: 'decision', service: 'canteen', outcome: 'approved', amountFen: 1000 + i, payload: { menu: 'rice', i } })));
  j.close(); // checkpoints the WAL into the main file
}

function reasonOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof JournalUnavailableError) return e.reason;
    throw e;
  }
  return 'opened';
}

beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('a corrupt database file', () => {
  it('garbage over the header: refused at open as corrupt', () => {
    fill(10);
    const fd = openSync(path(), 'r+');
    writeSync(fd, Buffer.from('this is not a database file!!!!!'), 0, 32, 0);
    closeSync(fd);
    expect(reasonOf(() => open())).toBe('corrupt');
  });

  it('garbage over a page in the middle: refused at open by the integrity check', () => {
    fill(3000);
    const size = statSync(path()).size;
    const fd = openSync(path(), 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, Math.floor(size / 4096 / 2) * 4096);
    closeSync(fd);
    expect(reasonOf(() => open())).toBe('corrupt');
  });

  it('a truncated file: refused', () => {
    fill(3000);
    truncateSync(path(), Math.floor(statSync(path()).size / 3));
    expect(reasonOf(() => open())).toBe('corrupt');
  });
});

describe('an altered record (valid SQLite, wrong content)', () => {
  it('an amount changed in place breaks the chain: out of service at open, and verify names the record', () => {
    fill(50);
    const db = new Database(path());
    db.prepare('UPDATE records SET amount_fen = 1 WHERE seq = 45').run();
    db.close();
    let err: unknown;
    try {
      open();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JournalUnavailableError);
    expect((err as JournalUnavailableError).reason).toBe('tampered');
    expect((err as Error).message).toMatch(/record 45 was altered/);
    // The full verify (ykt journal verify) sees it with the tail check disabled.
    const j = open({ verifyTailOnOpen: 0 });
    const report = j.verify();
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/record 45 was altered/);
    j.close();
  });

  it('an old record altered beyond the open-time tail check is caught by verify and before upload', () => {
    fill(50);
    const db = new Database(path());
    db.prepare("UPDATE records SET outcome = 'declined' WHERE seq = 3").run();
    db.close();
    const j = open({ verifyTailOnOpen: 10 });
    expect(j.status().inService).toBe(true);
    expect(j.verify().problems).toEqual(['record 3 was altered: its hash does not match its content and predecessor']);
    expect(() => j.nextUpload(100)).toThrow(/record 3 was altered/);
    expect(j.status()).toMatchObject({ inService: false, reason: 'tampered' });
    expect(() => j.append({ type: 'decision', service: 'x' })).toThrow(/tampered/);
    j.close();
  });

  it('a deleted record is missing', () => {
    fill(20);
    const db = new Database(path());
    db.prepare('DELETE FROM records WHERE seq = 18').run();
    db.close();
    expect(reasonOf(() => open())).toBe('tampered');
    const j = open({ verifyTailOnOpen: 0 });
    expect(j.verify().problems[0]).toMatch(/records 18…18 are missing/);
    expect(() => j.nextUpload(100)).toThrow(/record 18 is missing/); // never uploaded with a hole
    expect(j.status()).toMatchObject({ inService: false, reason: 'tampered' });
    j.close();
  });
});

describe('schema migrations', () => {
  it('a database from newer software is refused', () => {
    fill(1);
    const db = new Database(path());
    db.pragma('user_version = 99');
    db.close();
    expect(reasonOf(() => open())).toBe('schema-too-new');
  });

  it('apply in order, each in a transaction; a failing one leaves schema and version untouched', () => {
    const db = new Database(':memory:');
    expect(migrateSqlite(db, JOURNAL_MIGRATIONS)).toEqual({ from: 0, to: 1 });
    const extra: SqliteMigration[] = [
      ...JOURNAL_MIGRATIONS,
      { version: 2, name: 'add a column', up: (d) => d.exec('ALTER TABLE records ADD COLUMN lane TEXT') },
      {
        version: 3,
        name: 'fails half-way',
        up: (d) => {
          d.exec('CREATE TABLE half (x)');
          throw new Error('boom');
        },
      },
    ];
    expect(() => migrateSqlite(db, extra)).toThrow('boom');
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    expect(() => migrateSqlite(db, JOURNAL_MIGRATIONS)).toThrow(SchemaTooNewError);
    expect(() => migrateSqlite(db, [{ version: 2, name: 'gap', up: () => {} }])).toThrow(/expected version 1/);
  });
});
