/**
 * bench/sync — upload a 1,000,000-record backlog to the clearing backend over loopback (goal ≤ 60 s).
 *
 *   npx tsx bench/sync.ts [--backlog 1000000] [--batch 1000] [--store sqlite|postgres]
 *
 * The backend runs as its own process (src/backend/main.ts, bundled), with the SQLite store (default)
 * or PostgreSQL (a throw-away cluster started here). The terminal side is the real syncer: read the
 * unsent slice, re-verify its chain, sign, POST, wait for the acknowledgement, move the watermark
 * (a durable commit). Prints the total time, records/s and the per-batch round trip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openJournal } from '../src/journal/journal';
import { createKeystore } from '../src/journal/keystore';
import { createTokeniser } from '../src/journal/tokenise';
import { createSyncer } from '../src/sync/syncer';
import { httpTransport } from '../src/sync/transport';
import { bundleEntry } from '../src/sync/testing/bundle';
import { startPgCluster, type PgCluster } from '../src/backend/testing/pg-cluster';
import { stats } from './lib';

const { values } = parseArgs({ options: { backlog: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '1000' }, store: { type: 'string', default: 'sqlite' } } });
const BACKLOG = Number(values.backlog);
const BATCH = Number(values.batch);
const ADMIN = 'bench-admin-token-0123456789';
const base = mkdtempSync(join(tmpdir(), 'ykt-bench-sync-'));
let backend: ChildProcess | undefined;
let cluster: PgCluster | undefined;
let bundle = '';

/** utime + stime of a process, seconds (Linux /proc; 0 elsewhere). */
function procCpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // clock ticks, USER_HZ = 100 on Linux
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const ks = createKeystore(join(base, 'keystore.json'));
  const tok = createTokeniser(ks.tokenKey);
  const journal = openJournal({ path: join(base, 'journal.sqlite'), terminalId: 'BENCH-SYNC', dataKey: ks.dataKey });
  let t = performance.now();
  for (let i = 0; i < BACKLOG; i += 10_000) {
    journal.appendMany(
      Array.from({ length: Math.min(10_000, BACKLOG - i) }, (_, k) => ({
        type: 'decision',
        service: 'metro-gate',
        outcome: 'approved',
        reason: 'ok',
        amountFen: 200 + ((i + k) % 300),
        offline: (i + k) % 3 === 0,
        txn: `bench-${i + k}`,
        tokens: { card: tok('tunion-serial', `31${(i + k) % 100_000}`) },
        payload: { line: 2, station: 17, atc: (i + k) % 65536, tac: 'A1B2C3D4', balanceAfter: 5000 },
      })),
    );
  }
  console.log(`backlog of ${BACKLOG.toLocaleString('en')} records written in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  bundle = await bundleEntry('src/backend/main.ts', 'bench-backend');
  const storeArgs: string[] = [];
  if (values.store === 'postgres') {
    cluster = await startPgCluster();
    storeArgs.push('--pg', await cluster.createDatabase('ykt_bench'));
  } else storeArgs.push('--sqlite', join(base, 'backend.sqlite'));
  backend = spawn(process.execPath, [bundle, ...storeArgs, '--port', '0', '--admin-token', ADMIN], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => createInterface({ input: backend!.stdout! }).once('line', (l) => resolve((JSON.parse(l) as { listening: string }).listening)));
  const reg = await fetch(`${url}/v1/admin/terminals/BENCH-SYNC/key`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ publicKey: Buffer.from(ks.publicKey).toString('hex') }) });
  if (reg.status !== 200) throw new Error(`registering the key failed: HTTP ${reg.status}`);

  const transport = httpTransport(url);
  const rtt: number[] = [];
  let last = performance.now();
  const syncer = createSyncer({
    journal,
    transport,
    signer: { terminalId: 'BENCH-SYNC', keyId: ks.keyId, signingKey: ks.signingKey },
    config: { batchRecords: BATCH, requestTimeoutMs: 60_000 },
    onProgress: () => {
      const now = performance.now();
      rtt.push(now - last);
      last = now;
    },
  });
  console.log(`uploading to ${url} (${values.store} store), ${BATCH} records per batch …`);
  const cpu0 = process.cpuUsage();
  const backendCpu0 = procCpuSeconds(backend.pid!);
  t = performance.now();
  last = t;
  for (;;) {
    const r = await syncer.syncOnce();
    if (r.failure) throw new Error(r.failure.message);
    if (r.caughtUp) break;
  }
  const secs = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const terminalCpu = (cpu.user + cpu.system) / 1e6;
  const backendCpu = procCpuSeconds(backend.pid!) - backendCpu0;
  transport.close?.();
  const batch = stats(rtt);
  const report = (await (await fetch(`${url}/v1/admin/terminals/BENCH-SYNC`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { records: number; gapCount: number; contiguousThrough: string };
  console.log(`uploaded ${BACKLOG.toLocaleString('en')} records in ${secs.toFixed(1)} s (${(BACKLOG / secs).toFixed(0)} records/s, goal ≤ 60 s)`);
  console.log(`${rtt.length} batches; per batch (read+verify+sign+POST+ingest+ack commit): median ${batch.median.toFixed(1)} ms, p99 ${batch.p99.toFixed(1)} ms`);
  console.log(`CPU: terminal ${terminalCpu.toFixed(1)} s (${((terminalCpu / BACKLOG) * 1e6).toFixed(1)} µs/record), backend ${backendCpu.toFixed(1)} s (${((backendCpu / BACKLOG) * 1e6).toFixed(1)} µs/record); load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
  console.log(`backend: ${report.records.toLocaleString('en')} records, contiguous through ${report.contiguousThrough}, ${report.gapCount} gaps; terminal unconfirmed: ${journal.syncPosition().unsent}`);
  journal.close();
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(async () => {
    backend?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await cluster?.stop();
    if (bundle) rmSync(bundle, { force: true });
    rmSync(base, { recursive: true, force: true });
  });
