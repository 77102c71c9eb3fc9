/**
 * Builds TEST-SIGNED sample firmware images and a repository to install them from.
 *
 *   npx tsx firmware-images/build-samples.ts [--out DIR] [--from-dist]
 *
 * Everything is signed with TEST KEYS derived from public strings (src/firmware/testing/test-keys.ts):
 * anyone can recompute them, so NOTHING built here may be pinned on a real terminal. Output (default
 * .var/firmware-samples, git-ignored; nothing large is committed):
 *
 *   keys/*.json                      TEST key files (root-1..3, targets-1, timestamp-1), marked as such
 *   pinned-root.json                 the TEST root (2 of 3 root keys) — firmware.pinnedRootPath
 *   repo/metadata/1.root.json, targets.json, timestamp.json
 *   repo/targets/yikatong-sample-1.0.0.tar, -1.1.0.tar, -1.2.0-unhealthy.tar  (tiny sample runtimes)
 *   repo/targets/yikatong-<version>.tar   with --from-dist: the real built runtime (run `npm run build`)
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packImage } from '../src/firmware/image';
import { keyFileJson, type KeyPair } from '../src/firmware/keys';
import { addTargets, DAY_MS, publishTimestamp } from '../src/firmware/repository';
import { makeTestRepository, sampleImage, testRoles } from '../src/firmware/testing/sample-runtime';
import { TEST_KEY_MARK } from '../src/firmware/testing/test-keys';
import { projectRoot } from '../src/core/paths';

export const SAMPLE_HARDWARE = 'test-validator';

export interface SampleSet {
  out: string;
  repo: string;
  pinnedRootPath: string;
  keysDir: string;
  images: { name: string; version: string; length: number }[];
}

export function buildSamples(out: string, nowMs: number, opts: { fromDist?: boolean } = {}): SampleSet {
  rmSync(out, { recursive: true, force: true });
  const repo = join(out, 'repo');
  const keysDir = join(out, 'keys');
  const work = join(out, 'work');
  mkdirSync(keysDir, { recursive: true });
  const roles = testRoles();
  for (const [role, ks] of Object.entries(roles) as [string, KeyPair[]][]) ks.forEach((k, i) => writeFileSync(join(keysDir, `${role}-${i + 1}.test-key.json`), keyFileJson(k), { mode: 0o600 }));
  const pinned = makeTestRepository(repo, nowMs, roles);
  const pinnedRootPath = join(out, 'pinned-root.json');
  writeFileSync(pinnedRootPath, pinned);
  const images = [
    { name: 'yikatong-sample-1.0.0.tar', bytes: sampleImage(work, '1.0.0', 'healthy', [SAMPLE_HARDWARE]) },
    { name: 'yikatong-sample-1.1.0.tar', bytes: sampleImage(work, '1.1.0', 'healthy', [SAMPLE_HARDWARE]) },
    { name: 'yikatong-sample-1.2.0-unhealthy.tar', bytes: sampleImage(work, '1.2.0', 'unhealthy', ['test-validator-unhealthy']) },
  ];
  if (opts.fromDist) {
    const root = projectRoot();
    if (!existsSync(join(root, 'dist', 'ykt.js'))) throw new Error('--from-dist: dist/ykt.js is missing; run `npm run build` first');
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    images.push({ name: `yikatong-${version}.tar`, bytes: packImage({ projectDir: root, version, hardware: [SAMPLE_HARDWARE, 'generic'] }).bytes });
  }
  addTargets(repo, images, [roles.targets[0]!], nowMs + 30 * DAY_MS);
  publishTimestamp(repo, roles.timestamp, nowMs + DAY_MS);
  rmSync(work, { recursive: true, force: true });
  writeFileSync(join(out, 'README.txt'), `${TEST_KEY_MARK}\nEverything here is signed with TEST keys that anyone can recompute. Never pin this root on a terminal.\n`);
  return { out, repo, pinnedRootPath, keysDir, images: images.map((i) => ({ name: i.name, version: i.name.match(/(\d+\.\d+\.\d+)/)![1]!, length: i.bytes.length })) };
}

if (process.argv[1] && /build-samples\.[cm]?[jt]s$/.test(process.argv[1])) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--out');
  const out = i >= 0 && args[i + 1] ? args[i + 1]! : join(projectRoot(), '.var', 'firmware-samples');
  const t = performance.now();
  const s = buildSamples(out, Date.now(), { fromDist: args.includes('--from-dist') });
  for (const img of s.images) console.log(`${join(s.repo, 'targets', img.name)}  ${img.version}  ${img.length} bytes`);
  console.log(`pinned TEST root: ${s.pinnedRootPath}   (${(performance.now() - t).toFixed(0)} ms)`);
  console.log(`try: npx tsx src/cli/ykt.ts image verify --repo ${s.repo} --pinned-root ${s.pinnedRootPath} --hardware ${SAMPLE_HARDWARE}`);
}
