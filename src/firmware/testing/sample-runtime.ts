/**
 * TEST-ONLY sample "runtimes" and repositories: a tiny project (dist/ykt.js, package.json,
 * package-lock.json) whose entry point answers `image selftest` with a YKT-HEALTH line, packed into
 * real images and published in a repository signed with TEST keys (test-keys.ts). Used by the
 * firmware tests and by firmware-images/build-samples.ts. Nothing here is for production.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packImage } from '../image';
import { addTargets, initRepository, publishTimestamp, DAY_MS } from '../repository';
import { testKey } from './test-keys';
import type { KeyPair } from '../keys';

/**
 * healthy: reports ok. unhealthy: reports a failed check. crash: exits 1 before reporting.
 * silent: never reports (hangs until stopped). migrates: bumps the journal's user_version (breaking
 * the read-only rule; needs YKT_TEST_SQLITE = path of better-sqlite3) then reports ok.
 */
export type SampleBehaviour = 'healthy' | 'unhealthy' | 'crash' | 'silent' | 'migrates';

export function sampleRuntimeSource(version: string, behaviour: SampleBehaviour): string {
  return `#!/usr/bin/env node
// TEST RUNTIME — yikatong firmware sample ${version} (${behaviour}). Not the real runtime.
import { createRequire } from 'node:module';
const version = ${JSON.stringify(version)};
const behaviour = ${JSON.stringify(behaviour)};
const [cmd, sub] = process.argv.slice(2);
if (cmd === 'image' && sub === 'selftest') {
  const trial = process.env.YKT_FIRMWARE_TRIAL === '1';
  if (behaviour === 'crash') { console.error('sample runtime: simulated crash at start'); process.exit(1); }
  if (behaviour === 'silent') { setInterval(() => {}, 1000); }
  else {
    if (behaviour === 'migrates') {
      const Database = createRequire(import.meta.url)(process.env.YKT_TEST_SQLITE);
      const db = new Database(process.env.YKT_TEST_JOURNAL);
      db.pragma('user_version = ' + (db.pragma('user_version', { simple: true }) + 1));
      db.close();
    }
    const ok = behaviour !== 'unhealthy';
    console.log('YKT-HEALTH ' + JSON.stringify({ ok, checks: [
      { name: 'version', ok: true, detail: version + (trial ? ' on trial' : '') },
      { name: 'readers', ok, detail: ok ? '1 reader' : 'no reader found' },
    ] }));
  }
} else {
  console.log('yikatong sample runtime ' + version);
}
`;
}

/** Write a sample project (dist/ykt.js, dist/chunk.js, package.json, package-lock.json) into dir. */
export function writeSampleProject(dir: string, version: string, behaviour: SampleBehaviour = 'healthy', extraFiles = 0): void {
  mkdirSync(join(dir, 'dist', 'lib'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'ykt.js'), sampleRuntimeSource(version, behaviour));
  writeFileSync(join(dir, 'dist', 'lib', 'chunk.js'), `export const built = ${JSON.stringify(version)};\n`);
  for (let i = 0; i < extraFiles; i++) writeFileSync(join(dir, 'dist', 'lib', `part-${i}.js`), `export const part${i} = ${JSON.stringify('x'.repeat(200))};\n`);
  const pkg = { name: 'yikatong', version, type: 'module', private: true, bin: { ykt: 'dist/ykt.js' }, dependencies: {} };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  const lock = { name: 'yikatong', version, lockfileVersion: 3, requires: true, packages: { '': { name: 'yikatong', version } } };
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2) + '\n');
}

export function sampleImage(workDir: string, version: string, behaviour: SampleBehaviour = 'healthy', hardware = ['test-validator'], extraFiles = 0): Uint8Array {
  const proj = join(workDir, `project-${version}-${behaviour}`);
  writeSampleProject(proj, version, behaviour, extraFiles);
  return packImage({ projectDir: proj, version, hardware }).bytes;
}

export interface TestRoles {
  root: KeyPair[];
  targets: KeyPair[];
  timestamp: KeyPair[];
}

export function testRoles(): TestRoles {
  return {
    root: [testKey('root-1'), testKey('root-2'), testKey('root-3')],
    targets: [testKey('targets-1'), testKey('targets-2')],
    timestamp: [testKey('timestamp-1')],
  };
}

/** A repository with a 2-of-3 root, 1-of-2 targets, 1-of-1 timestamp; returns the pinned root bytes. */
export function makeTestRepository(repo: string, nowMs: number, roles: TestRoles = testRoles()): Uint8Array {
  return initRepository(
    repo,
    { root: { keys: roles.root, threshold: 2 }, targets: { keys: roles.targets, threshold: 1 }, timestamp: { keys: roles.timestamp, threshold: 1 } },
    roles.root.slice(0, 2),
    nowMs,
  );
}

export function publishTestImage(repo: string, name: string, bytes: Uint8Array, nowMs: number, roles: TestRoles = testRoles()): void {
  addTargets(repo, [{ name, bytes }], [roles.targets[0]!], nowMs + 30 * DAY_MS);
  publishTimestamp(repo, roles.timestamp, nowMs + DAY_MS);
}
