/**
 * Firmware update costs: metadata verification (TUF workflow, 3 files, Ed25519 via node:crypto),
 * image checks before unpacking (SHA-256 of the archive, bounded ustar parse, per-file SHA-256),
 * unpacking into a slot with fsync per file and directory, vs GNU tar extracting the same archive
 * (no fsync — a lower bound, not an equal), and a whole in-process install (trial runtime stubbed).
 *
 *   npx tsx bench/firmware.ts [--mb 8]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../src/core/clock';
import { parseImage, packImage } from '../src/firmware/image';
import { installUpdate } from '../src/firmware/installer';
import { runtimeStopped } from '../src/firmware/quiesce';
import { clearSlot, writeSlot } from '../src/firmware/slot-files';
import { dirSource } from '../src/firmware/source';
import { trustPinnedRoot, updateTrust, sha256Hex } from '../src/firmware/trust';
import { makeTestRepository, publishTestImage, writeSampleProject } from '../src/firmware/testing/sample-runtime';
import { report, stats } from './lib';

const mbArg = process.argv.indexOf('--mb');
const MB = mbArg >= 0 ? Number(process.argv[mbArg + 1]) : 8;
const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);
const d = mkdtempSync(join(tmpdir(), 'ykt-bench-fw-'));

function time(n: number, f: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    f();
    out.push(performance.now() - t);
  }
  return out;
}

try {
  // An image of about MB megabytes: 200 files of compressible-ish JS plus random bytes.
  const proj = join(d, 'proj');
  writeSampleProject(proj, '1.0.0');
  const per = Math.floor((MB * 1024 * 1024) / 200);
  mkdirSync(join(proj, 'dist', 'chunks'), { recursive: true });
  for (let i = 0; i < 200; i++) writeFileSync(join(proj, 'dist', 'chunks', `c${i}.js`), randomBytes(per).toString('base64').slice(0, per));
  const img = packImage({ projectDir: proj, version: '1.0.0', hardware: ['bench'] });
  const repo = join(d, 'repo');
  const pinned = makeTestRepository(repo, T0);
  publishTestImage(repo, 'img.tar', img.bytes, T0);

  const bundle = { roots: [], timestamp: new Uint8Array(readFileSync(join(repo, 'metadata', 'timestamp.json'))), targets: new Uint8Array(readFileSync(join(repo, 'metadata', 'targets.json'))) };
  const s = stats(time(300, () => updateTrust(trustPinnedRoot(pinned, T0), bundle, T0)));
  report('firmware metadata verify (pinned root self-check + timestamp + targets)', { median_ms: s.median, p99_ms: s.p99 });

  const mb = img.bytes.length / 1048576;
  const h = stats(time(10, () => sha256Hex(img.bytes)));
  const p = stats(time(10, () => parseImage(img.bytes)));
  report(`image checks before unpack (${mb.toFixed(1)} MiB, ${img.manifest.files.length} files)`, { sha256_ms: h.median, sha256_MiBps: mb / (h.median / 1000), parse_and_file_hashes_ms: p.median });

  const parsed = parseImage(img.bytes);
  const slot = join(d, 'slot');
  const u = stats(time(5, () => { clearSlot(slot); writeSlot(slot, parsed); }));
  const tarFile = join(d, 'img.tar');
  writeFileSync(tarFile, img.bytes);
  const g = stats(time(5, () => { clearSlot(slot); execFileSync('tar', ['-xf', tarFile, '-C', slot]); }));
  report('unpack into a slot', { ours_fsync_ms: u.median, gnu_tar_no_fsync_ms: g.median, ratio: u.median / g.median });

  const inst: number[] = [];
  for (let i = 0; i < 3; i++) {
    const root = join(d, `fw${i}`);
    const t = performance.now();
    await installUpdate({
      root, hardware: 'bench', pinnedRoot: pinned, source: dirSource(repo), clock: new ManualClock(T0), quiesce: runtimeStopped,
      runtime: { start: async () => ({ checks: [], stop: async () => {} }) },
      healthDeadlineMs: 10_000, quiesceTimeoutMs: 1000, journalSnapshot: false, maxImageBytes: 1 << 30,
    });
    inst.push(performance.now() - t);
  }
  report('whole install in process (verify, unpack, switch, stub trial, commit)', { median_ms: stats(inst).median });
} finally {
  rmSync(d, { recursive: true, force: true });
}
