/** `ykt journal ls|export|verify` and `ykt sync` end to end (journal file + real backend on loopback). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { main } from '../ykt';
import { tempDir } from '../../journal/testing/tmp';
import { testTerminal } from '../../backend/testing/terminal';
import { createBackend } from '../../backend/server';
import { createSqliteStore, type SqliteStore } from '../../backend/sqlite-store';
import { genesisHash, verifyChain, type WireRecord } from '../../journal/chain';
import { createTokeniser } from '../../journal/tokenise';

async function ykt(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let tmp: ReturnType<typeof tempDir>;
let db: string;
beforeEach(() => {
  tmp = tempDir('ykt-cli-journal-');
  db = tmp.path('journal.sqlite');
  const t = testTerminal('T-CLI', db);
  t.write(30);
  const tok = createTokeniser(new Uint8Array(32).fill(1));
  t.journal.append({ type: 'decision', service: 'hospital-registration', outcome: 'approved', personal: { name: '张三' }, tokens: { pan: tok('pan', '6222021234567894') } });
  t.journal.close();
});
afterEach(() => tmp.cleanup());

describe('ykt journal', () => {
  it('ls shows the newest records, what is unsent, and no personal data', async () => {
    const r = await ykt('journal', 'ls', '--db', db, '--limit', '5');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/terminal T-CLI/);
    expect(r.out).toMatch(/last seq 31, acknowledged through 0, unconfirmed 31/);
    expect(r.out.split('\n').filter((l) => /UNSENT/.test(l))).toHaveLength(5);
    expect(r.out).toMatch(/\[sealed\]/);
    expect(r.out).not.toMatch(/张三|6222021234567894/);
    const j = JSON.parse((await ykt('journal', 'ls', '--db', db, '--after', '10', '--limit', '3', '--json')).out);
    expect(j.records.map((x: { seq: string }) => x.seq)).toEqual(['11', '12', '13']);
    expect((await ykt('journal', 'ls', '--db', tmp.path('none.sqlite'))).code).toBe(3);
  });

  it('export writes the upload form; the chain verifies from the header', async () => {
    const r = await ykt('journal', 'export', '--db', db, '--after', '5');
    expect(r.code).toBe(0);
    const [head, ...lines] = r.out.split('\n').map((l) => JSON.parse(l));
    expect(head).toMatchObject({ kind: 'ykt-journal-export', terminalId: 'T-CLI', prevSeq: '5' });
    expect(lines).toHaveLength(26);
    expect(verifyChain('T-CLI', new Uint8Array(Buffer.from(head.prevHash, 'hex')), lines as WireRecord[]).ok).toBe(true);
    const all = (await ykt('journal', 'export', '--db', db)).out.split('\n').slice(1).map((l) => JSON.parse(l));
    expect(verifyChain('T-CLI', genesisHash('T-CLI'), all).ok).toBe(true);
    await ykt('journal', 'export', '--db', db, '--out', tmp.path('x.jsonl'));
    expect(readFileSync(tmp.path('x.jsonl'), 'utf8').trim().split('\n')).toHaveLength(32);
  });

  it('verify: intact (0), tampered (1, names the record), corrupt file (1)', async () => {
    expect(await ykt('journal', 'verify', '--db', db)).toMatchObject({ code: 0, out: expect.stringMatching(/intact — 31 records/) });
    const d = new Database(db);
    d.prepare("UPDATE records SET outcome = 'approved' WHERE seq = 8").run();
    d.close();
    const bad = await ykt('journal', 'verify', '--db', db);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/NOT intact[\s\S]*record 8 was altered/);
    writeFileSync(db, Buffer.alloc(8192, 0x41));
    const corrupt = await ykt('journal', 'verify', '--db', db);
    expect(corrupt.code).toBe(1);
    expect(corrupt.out).toMatch(/corrupt/);
  });
});

describe('ykt sync', () => {
  let store: SqliteStore;
  let app: FastifyInstance;
  let url: string;
  const ADMIN = 'cli-test-admin-token-0000';
  beforeEach(async () => {
    store = createSqliteStore(tmp.path('backend.sqlite'));
    await store.migrate();
    app = createBackend({ store, adminToken: ADMIN });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterEach(async () => {
    await app.close();
    await store.close();
  });

  it('enrols with a code, uploads everything, reports status; unreachable backend is exit 6', async () => {
    const ks = tmp.path('keystore.json');
    const opts = ['--db', db, '--keystore', ks, '--backend', url];
    const code = ((await app.inject({ method: 'POST', url: '/v1/admin/terminals/T-CLI/enrolment-code', headers: { authorization: `Bearer ${ADMIN}` } })).json() as { code: string }).code;
    expect((await ykt('sync', ...opts, '--enrol', code)).code).toBe(3); // no keystore yet
    const en = await ykt('sync', ...opts, '--enrol', code, '--create-keystore');
    expect(en).toMatchObject({ code: 0, out: expect.stringMatching(/enrolled/) });
    const up = await ykt('sync', ...opts, '--batch', '7');
    expect(up.code).toBe(0);
    expect(up.out).toMatch(/31 records sent in 5 batches; all acknowledged/);
    expect(JSON.parse((await ykt('sync', ...opts, '--status', '--json')).out)).toMatchObject({ head: '31', ackedThrough: '31', unconfirmed: '0' });
    expect(await store.report('T-CLI')).toMatchObject({ records: 31, gaps: [] });
    const t = testTerminal('T-CLI', db);
    t.write(2);
    t.journal.close();
    const down = await ykt('sync', '--db', db, '--keystore', ks, '--backend', 'http://127.0.0.1:9');
    expect(down.code).toBe(6);
    expect(down.err).toMatch(/unknown.*ECONNREFUSED/);
  });
});
