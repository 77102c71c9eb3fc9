/**
 * kill -9 the terminal at random moments during 10,000 transactions and during sync; restart it until
 * it finishes. Then: every decision that was shown is in the journal unchanged, the chain is intact,
 * every transaction has exactly one result, and the backend holds exactly the journal's records, each
 * once, without gaps. The backend process itself is killed once too (an acknowledgement is only sent
 * after its commit is durable). The kill schedule comes from a printed seed (YKT_KILL_SEED to replay).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { rmSync } from 'node:fs';
import { tempDir } from '../journal/testing/tmp';
import { createKeystore } from '../journal/keystore';
import { openJournal } from '../journal/journal';
import { bundleEntry } from './testing/bundle';
import { mulberry32 } from './testing/prng';

const SEED = Number(process.env.YKT_KILL_SEED ?? Date.now() % 1_000_000);
const TOTAL = 10_000;
const KILLS_IN_TRANSACTIONS = 9;
const KILLS_IN_SYNC = 3;
const ADMIN = 'kill-test-admin-token-000000';
const TERMINAL = 'T-KILL-01';

let tmp: ReturnType<typeof tempDir>;
let childJs: string;
let backendJs: string;
let backend: ChildProcess | undefined;
let backendPort = 0;

function startBackend(port: number): Promise<{ proc: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [backendJs, '--sqlite', tmp.path('backend.sqlite'), '--host', '127.0.0.1', '--port', String(port), '--admin-token', ADMIN], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr!.on('data', (d) => (err += d));
    proc.on('exit', (code) => reject(new Error(`backend exited (${code}) before listening: ${err}`)));
    createInterface({ input: proc.stdout! }).once('line', (l) => resolve({ proc, url: (JSON.parse(l) as { listening: string }).listening }));
  });
}

beforeAll(async () => {
  console.log(`kill test seed ${SEED} (replay with YKT_KILL_SEED=${SEED})`);
  tmp = tempDir('ykt-kill-');
  [childJs, backendJs] = await Promise.all([bundleEntry('src/sync/testing/terminal-child.ts', 'terminal-child'), bundleEntry('src/backend/main.ts', 'backend')]);
  const b = await startBackend(0);
  backend = b.proc;
  backendPort = Number(new URL(b.url).port);
  const ks = createKeystore(tmp.path('keystore.json'));
  const res = await fetch(`${b.url}/v1/admin/terminals/${TERMINAL}/key`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ publicKey: Buffer.from(ks.publicKey).toString('hex') }) });
  expect(res.status).toBe(200);
}, 60_000);

afterAll(() => {
  backend?.kill('SIGKILL');
  rmSync(childJs, { force: true });
  rmSync(backendJs, { force: true });
  tmp.cleanup();
});

describe('kill -9 during transactions and sync', () => {
  it(`every shown decision of ${TOTAL} transactions is in the journal and exactly once at the backend`, async () => {
    const rnd = mulberry32(SEED);
    const uniform = (a: number, b: number) => a + Math.floor(rnd() * (b - a + 1));
    const shown = new Map<number, { seq: string; hash: string }>();
    const killed = { transactions: 0, inFlight: 0, syncOnly: 0, backend: 0 };
    let txDone = false;
    const backlogAtTxDone: number[] = [];
    const url = `http://127.0.0.1:${backendPort}`;
    const cfg = JSON.stringify({ journal: tmp.path('journal.sqlite'), terminalId: TERMINAL, keystore: tmp.path('keystore.json'), backendUrl: url, total: TOTAL, batchRecords: 100, yieldEvery: 100 });

    for (let run = 0; run < 200; run++) {
      const child = spawn(process.execPath, [childJs, cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const budgetLeft = txDone ? killed.syncOnly < KILLS_IN_SYNC : killed.transactions < KILLS_IN_TRANSACTIONS;
      const trigger = !budgetLeft ? 'none' : txDone ? 'acked' : (['time', 'sending', 'acked'] as const)[uniform(0, 2)]!;
      const nth = uniform(1, 8);
      let sendings = 0;
      let acks = 0;
      let inFlight = false;
      let synced = false;
      let killedThis = false;
      let errorLine = '';
      let armedAt: number | undefined;
      const kill = () => {
        if (killedThis || child.exitCode !== null) return;
        killedThis = true;
        if (inFlight) killed.inFlight++;
        if (txDone) killed.syncOnly++;
        else killed.transactions++;
        child.kill('SIGKILL');
      };
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (l) => {
        const [what, a, b, c] = l.split(' ');
        if (what === 'SHOWN') {
          const k = Number(a);
          const prev = shown.get(k);
          if (prev && (prev.seq !== b || prev.hash !== c)) throw new Error(`transaction ${k} shown twice with different records`);
          shown.set(k, { seq: b!, hash: c! });
        } else if (what === 'SENDING') {
          inFlight = true;
          if (trigger === 'sending' && ++sendings === nth) setTimeout(kill, uniform(0, 3));
          if (run >= 2 && killed.backend === 0) {
            // kill the backend once while a batch is on its way; bring it back on the same port
            killed.backend++;
            backend!.kill('SIGKILL');
            setTimeout(() => void startBackend(backendPort).then((b) => (backend = b.proc)), 150);
          }
        } else if (what === 'ACKED') {
          inFlight = false;
          acks++;
          if ((trigger === 'acked' && acks === nth) || (armedAt !== undefined && acks === armedAt)) kill();
        } else if (what === 'READY') {
          if (trigger === 'time') setTimeout(kill, uniform(20, 600));
        } else if (what === 'TX-DONE') {
          txDone = true;
          backlogAtTxDone.push(Number(a));
          // kill again while the backlog drains (sync only, no transactions)
          if (!killedThis && killed.syncOnly < KILLS_IN_SYNC) armedAt = acks + uniform(1, 5);
        }
        else if (what === 'SYNCED') synced = true;
        else if (what === 'ERROR') errorLine = l;
      });
      const t0 = Date.now();
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      if (process.env.YKT_KILL_DEBUG) console.log(`run ${run}: ${trigger}/${nth} ${Date.now() - t0} ms, shown ${shown.size}, acks ${acks}, killed ${killedThis}`);
      await new Promise((r) => setImmediate(r));
      if (errorLine || (code !== 0 && !killedThis)) throw new Error(`terminal failed (exit ${code}): ${errorLine}\n${stderr}`);
      if (synced && code === 0) break;
    }
    console.log('kills', killed, 'shown', shown.size, 'backlog when the transactions ended', backlogAtTxDone);
    expect(killed.transactions).toBeGreaterThanOrEqual(KILLS_IN_TRANSACTIONS);
    expect(killed.inFlight).toBeGreaterThanOrEqual(1);
    expect(killed.syncOnly).toBeGreaterThanOrEqual(1);
    expect(killed.backend).toBe(1);

    // 1. every shown decision is in the journal, unchanged; every transaction has exactly one result
    const j = openJournal({ path: tmp.path('journal.sqlite'), terminalId: TERMINAL, create: false });
    expect(j.verify()).toMatchObject({ ok: true, problems: [] });
    expect(j.openIntents()).toEqual([]);
    const results = new Map<string, number>();
    const wire = j.wire(0n, 1_000_000);
    const bySeq = new Map(wire.map((w) => [w.seq, w]));
    for (const w of wire) if (w.type === 'result') results.set(w.txn!, (results.get(w.txn!) ?? 0) + 1);
    for (const [k, s] of shown) {
      const rec = bySeq.get(s.seq);
      expect(rec, `shown transaction ${k}`).toBeDefined();
      expect(rec!.hash).toBe(s.hash);
      expect(rec).toMatchObject({ type: 'result', outcome: 'approved', txn: `tx-${k}` });
    }
    for (let k = 0; k < TOTAL; k++) expect(results.get(`tx-${k}`), `results of tx-${k}`).toBe(1);
    expect(shown.size).toBeGreaterThan(TOTAL - KILLS_IN_TRANSACTIONS - 1); // at most one torn per kill
    expect(j.syncPosition().unsent).toBe(0n);

    // 2. the backend holds exactly the journal's records, each once, no gaps
    const report = (await (await fetch(`${url}/v1/admin/terminals/${TERMINAL}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as Record<string, unknown>;
    console.log('backend report', { ...report, publicKey: undefined });
    expect(report).toMatchObject({ records: wire.length, lastSeq: String(j.head), contiguousThrough: String(j.head), gaps: [], gapCount: 0 });
    const atBackend: string[] = [];
    for (let after = '0'; ; ) {
      const page = ((await (await fetch(`${url}/v1/admin/terminals/${TERMINAL}/records?after=${after}&limit=10000`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { records: Array<{ seq: string; hash: string }> }).records;
      if (!page.length) break;
      atBackend.push(...page.map((r) => `${r.seq}:${r.hash}`));
      after = page[page.length - 1]!.seq;
    }
    expect(atBackend).toEqual(wire.map((w) => `${w.seq}:${w.hash}`));
    j.close();
  }, 180_000);
});
