/**
 * The terminal's metadata checks, after the TUF 1.0 client workflow (§5.3 root, §5.4 timestamp,
 * §5.6 targets): signatures and thresholds, rotation, rollback, freeze, mix-and-match.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addSignatures, formatExpires, parseMetadata, signMetadata } from './metadata';
import { addTargets, publishTimestamp, rotateRoot, DAY_MS } from './repository';
import { sampleImage, makeTestRepository, publishTestImage, testRoles } from './testing/sample-runtime';
import { expectFirmwareError } from './testing/expect-error';
import { testKey } from './testing/test-keys';
import { trustPinnedRoot, updateTrust, type MetadataBundle, type TrustedState } from './trust';

const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);
let dir: string;
let repo: string;
let pinned: Uint8Array;
const roles = testRoles();

const read = (name: string) => new Uint8Array(readFileSync(join(repo, 'metadata', name)));
const bundle = (roots: string[] = []): MetadataBundle => ({ roots: roots.map(read), timestamp: read('timestamp.json'), targets: read('targets.json') });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ykt-trust-'));
  repo = join(dir, 'repo');
  pinned = makeTestRepository(repo, T0);
  publishTestImage(repo, 'ykt-1.0.0.tar', sampleImage(dir, '1.0.0'), T0);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const trusted = (): TrustedState => trustPinnedRoot(pinned, T0);

describe('a good update', () => {
  it('verifies and returns the new trusted state, time floor moved to trusted time', () => {
    const s = updateTrust(trusted(), bundle(), T0 + 1000);
    expect(s.targets!.signed.targets['ykt-1.0.0.tar']!.custom.version).toBe('1.0.0');
    expect(s.timestamp!.signed.version).toBe(1);
    expect(s.timeFloor).toBe(T0 + 1000);
  });
  it('accepts metadata re-serialised with other whitespace and key order (canonical signing)', () => {
    const b = bundle();
    const j = JSON.parse(new TextDecoder().decode(b.timestamp));
    const reordered = { signatures: j.signatures, signed: Object.fromEntries(Object.entries(j.signed).reverse()) };
    expect(() => updateTrust(trusted(), { ...b, timestamp: new TextEncoder().encode(JSON.stringify(reordered)) }, T0)).not.toThrow();
  });
});

describe('signatures and thresholds', () => {
  it('a tampered targets.json (re-hashed into a forged timestamp) fails the signature check', () => {
    const j = JSON.parse(readFileSync(join(repo, 'metadata', 'targets.json'), 'utf8'));
    j.signed.targets['ykt-1.0.0.tar'].hashes.sha256 = 'ab'.repeat(32);
    writeFileSync(join(repo, 'metadata', 'targets.json'), JSON.stringify(j));
    // the attacker also controls the timestamp key here: only the targets signature stands in the way
    publishTimestamp(repo, roles.timestamp, T0 + DAY_MS);
    expectFirmwareError(() => updateTrust(trusted(), bundle(), T0), 'signature', /targets\.json: 0 valid signature/);
  });

  it('targets signed by a key that is not in the targets role (wrong key) is refused', () => {
    addTargets(repo, [{ name: 'ykt-1.0.0.tar', bytes: sampleImage(dir, '1.0.0') }], [testKey('mallory')], T0 + DAY_MS, { replace: true });
    publishTimestamp(repo, roles.timestamp, T0 + DAY_MS);
    expectFirmwareError(() => updateTrust(trusted(), bundle(), T0), 'signature', /targets\.json/);
  });

  it('a timestamp signed by the targets key instead of the timestamp key is refused', () => {
    publishTimestamp(repo, roles.targets, T0 + DAY_MS);
    expectFirmwareError(() => updateTrust(trusted(), bundle(), T0), 'signature', /timestamp\.json/);
  });

  it('a root below its threshold (1 of 2 required) is refused; the same signature twice counts once', () => {
    const signed = parseMetadata('root', pinned).signed;
    const one = signMetadata(signed, [roles.root[0]!.privateKey]);
    expectFirmwareError(() => trustPinnedRoot(one, T0), 'signature', /1 valid signature.*2 required/);
    const j = JSON.parse(new TextDecoder().decode(one));
    j.signatures.push(j.signatures[0]);
    expectFirmwareError(() => trustPinnedRoot(new TextEncoder().encode(JSON.stringify(j)), T0), 'signature', /1 valid/);
    expect(() => trustPinnedRoot(addSignatures(one, 'root', [roles.root[2]!.privateKey]), T0)).not.toThrow();
  });
});

describe('root rotation (§5.3)', () => {
  const newRoles = { root: [testKey('root-new-1'), testKey('root-new-2')], targets: [testKey('targets-new')], timestamp: [testKey('timestamp-new')] };
  const rolesOf = (r: typeof newRoles, th = 2) => ({ root: { keys: r.root, threshold: th }, targets: { keys: r.targets, threshold: 1 }, timestamp: { keys: r.timestamp, threshold: 1 } });
  const republish = () => {
    addTargets(repo, [{ name: 'ykt-1.0.0.tar', bytes: sampleImage(dir, '1.0.0') }], newRoles.targets, T0 + 30 * DAY_MS);
    publishTimestamp(repo, newRoles.timestamp, T0 + DAY_MS);
  };

  it('v2 signed by a threshold of the old AND the new root keys is accepted; new role keys apply', () => {
    const old = updateTrust(trusted(), bundle(), T0);
    rotateRoot(repo, rolesOf(newRoles), [roles.root[0]!, roles.root[1]!, ...newRoles.root], T0 + 365 * DAY_MS);
    republish();
    const s = updateTrust(old, bundle(['2.root.json']), T0 + 1000);
    expect(s.root.signed.version).toBe(2);
    expect(s.targets!.signed.version).toBe(2);
  });

  it('v2 signed only by the new keys is refused', () => {
    rotateRoot(repo, rolesOf(newRoles), newRoles.root, T0 + 365 * DAY_MS);
    republish();
    expectFirmwareError(() => updateTrust(trusted(), bundle(['2.root.json']), T0), 'signature', /trusted root's keys/);
  });

  it('v2 signed only by the old keys is refused', () => {
    rotateRoot(repo, rolesOf(newRoles), roles.root.slice(0, 2), T0 + 365 * DAY_MS);
    republish();
    expectFirmwareError(() => updateTrust(trusted(), bundle(['2.root.json']), T0), 'signature', /its own keys/);
  });

  it('a root that skips a version, and an old root replayed, are refused', () => {
    const all = [...roles.root, ...newRoles.root];
    rotateRoot(repo, rolesOf({ ...roles, root: roles.root } as typeof newRoles), roles.root, T0 + 365 * DAY_MS); // v2, same keys
    rotateRoot(repo, rolesOf({ ...roles, root: roles.root } as typeof newRoles), all, T0 + 365 * DAY_MS); // v3
    expectFirmwareError(() => updateTrust(trusted(), bundle(['3.root.json']), T0), 'mismatch', /skips v2/);
    const at2 = updateTrust(trusted(), bundle(['2.root.json']), T0);
    expectFirmwareError(() => updateTrust(at2, bundle(['2.root.json']), T0), 'rollback', /not newer/);
  });

  it('an expired final root is refused even when correctly signed', () => {
    rotateRoot(repo, rolesOf({ ...roles } as typeof newRoles), roles.root, T0 - 1000);
    expectFirmwareError(() => updateTrust(trusted(), bundle(['2.root.json']), T0), 'expired', /root\.json v2 expired/);
  });
});

describe('rollback, freeze and mix-and-match (§5.4, §5.6)', () => {
  it('an older timestamp than the trusted one is refused', () => {
    const saved = { ts: read('timestamp.json'), tg: read('targets.json') };
    publishTestImage(repo, 'ykt-1.1.0.tar', sampleImage(dir, '1.1.0'), T0);
    const s = updateTrust(trusted(), bundle(), T0);
    expect(s.timestamp!.signed.version).toBe(2);
    expectFirmwareError(() => updateTrust(s, { roots: [], timestamp: saved.ts, targets: saved.tg }, T0), 'rollback', /timestamp\.json: version 1 is older than the trusted v2/);
  });

  it('a newer timestamp naming an older targets version is refused', () => {
    const oldTargets = read('targets.json');
    publishTestImage(repo, 'ykt-1.1.0.tar', sampleImage(dir, '1.1.0'), T0);
    const s = updateTrust(trusted(), bundle(), T0);
    writeFileSync(join(repo, 'metadata', 'targets.json'), oldTargets);
    publishTimestamp(repo, roles.timestamp, T0 + DAY_MS); // v3 naming targets v1 (signed by the real timestamp key)
    expectFirmwareError(() => updateTrust(s, bundle(), T0), 'rollback', /names targets\.json v1, older than the trusted v2/);
  });

  it('mix-and-match: a fresh timestamp with targets.json from another release is refused', () => {
    const v1 = read('targets.json');
    publishTestImage(repo, 'ykt-1.1.0.tar', sampleImage(dir, '1.1.0'), T0);
    expectFirmwareError(() => updateTrust(trusted(), { roots: [], timestamp: read('timestamp.json'), targets: v1 }, T0), 'mismatch', /mix-and-match/);
  });

  it('expired timestamp and expired targets are refused (freeze)', () => {
    expectFirmwareError(() => updateTrust(trusted(), bundle(), T0 + DAY_MS), 'expired', /timestamp\.json v1 expired/);
    addTargets(repo, [], [roles.targets[0]!], T0 + 2000);
    publishTimestamp(repo, roles.timestamp, T0 + DAY_MS);
    expectFirmwareError(() => updateTrust(trusted(), bundle(), T0 + 5000), 'expired', /targets\.json v2 expired/);
  });

  it('rewinding the clock does not revive expired metadata: the time floor holds', () => {
    const s = updateTrust(trusted(), bundle(), T0 + DAY_MS - 1000); // floor = T0 + 1 day - 1 s
    const afterTimestampExpiry = { ...s, timeFloor: T0 + DAY_MS + 5000 };
    // RTC reset to T0 (e.g. a dead battery): trusted time is still the floor
    expectFirmwareError(() => updateTrust(afterTimestampExpiry, bundle(), T0), 'expired', /timestamp\.json v1 expired/);
  });

  it('checks the expiry format strictly', () => {
    expect(formatExpires(Date.UTC(2027, 0, 1))).toBe('2027-01-01T00:00:00Z');
  });
});
