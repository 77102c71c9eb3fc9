import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirmwareError } from './errors';
import { rotateRoot } from './repository';
import { makeTestRepository, publishTestImage, sampleImage, testRoles } from './testing/sample-runtime';
import { updateTrust } from './trust';
import { loadTrust, saveTrust, trustFile } from './trust-store';

const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);
let d: string;
let repo: string;
let pinned: Uint8Array;
const read = (n: string) => new Uint8Array(readFileSync(join(repo, 'metadata', n)));
beforeEach(() => {
  d = mkdtempSync(join(tmpdir(), 'ykt-ts-'));
  repo = join(d, 'repo');
  pinned = makeTestRepository(repo, T0);
  publishTestImage(repo, 'a.tar', sampleImage(d, '1.0.0'), T0);
});
afterEach(() => rmSync(d, { recursive: true, force: true }));

describe('trust store', () => {
  it('starts from the pinned root, keeps what was verified (versions and time floor) across restarts', () => {
    const fw = join(d, 'fw');
    const first = loadTrust(fw, pinned, T0);
    expect(first.timestamp).toBeUndefined();
    const s = updateTrust(first, { roots: [], timestamp: read('timestamp.json'), targets: read('targets.json') }, T0 + 5000);
    saveTrust(fw, s);
    const again = loadTrust(fw, pinned, T0); // the clock went back: the floor holds
    expect(again.timestamp!.signed.version).toBe(1);
    expect(again.targets!.signed.version).toBe(1);
    expect(again.timeFloor).toBe(T0 + 5000);
  });

  it('a rotated root is what later updates are checked against', () => {
    const fw = join(d, 'fw');
    const r = testRoles();
    const roles = { root: { keys: r.root, threshold: 2 }, targets: { keys: r.targets, threshold: 1 }, timestamp: { keys: r.timestamp, threshold: 1 } };
    rotateRoot(repo, roles, r.root.slice(0, 2), T0 + 400 * 24 * 3600_000);
    saveTrust(fw, updateTrust(loadTrust(fw, pinned, T0), { roots: [read('2.root.json')], timestamp: read('timestamp.json'), targets: read('targets.json') }, T0));
    expect(loadTrust(fw, pinned, T0).root.signed.version).toBe(2);
  });

  it('a damaged store is a typed error naming the way out', () => {
    const fw = join(d, 'fw');
    saveTrust(fw, loadTrust(fw, pinned, T0));
    writeFileSync(trustFile(fw), '{"format":1');
    expect(() => loadTrust(fw, pinned, T0)).toThrow(FirmwareError);
    expect(() => loadTrust(fw, pinned, T0)).toThrow(/delete it to fall back to the pinned root/);
  });
});
