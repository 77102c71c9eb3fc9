/**
 * The installer end to end, in process: a real journal (src/journal), the sample runtime started as
 * a child process on trial, the TEST-signed repository. Each refusal leaves the running slot as it
 * was; each failed trial ends on the previous slot; the journal never loses a record.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from '../core/errors';
import { openJournal } from '../journal/index';
import { backendCheck, devicesCheck } from './checks';
import { installUpdate, type InstallOutcome } from './installer';
import { IMAGE_FORMAT, MANIFEST_PATH } from './image';
import { sha256Hex } from './trust';
import { readState, slotDir, writeState } from './slots';
import { writeTar } from './tar';
import { expectFirmwareRejection } from './testing/expect-error';
import { createHarness, TERMINAL_ID, type Harness } from './testing/harness';

let h: Harness;
beforeEach(() => {
  h = createHarness({ records: 25 });
});
afterEach(() => h.cleanup());

/** The journal as the next runtime will find it: every record there and the chain verifying. */
function expectJournalIntact(records: number): void {
  const j = openJournal({ path: h.journalPath, terminalId: TERMINAL_ID, clock: h.clock });
  try {
    expect(j.head).toBe(BigInt(records));
    expect(j.syncPosition().unsent).toBe(BigInt(records));
    expect(j.verify()).toMatchObject({ ok: true, records });
  } finally {
    j.close();
  }
}

function runActive(): string {
  const s = readState(h.root);
  return execFileSync(process.execPath, [join(h.root, 'current', 'dist', 'ykt.js')], { encoding: 'utf8' }).trim() + ` [${s.active}]`;
}

async function installFirst(): Promise<void> {
  h.publish('1.0.0');
  const r = await installUpdate(h.options());
  expect(r.result).toBe('installed');
  await h.gate.resume(); // the new runtime takes over the journal (the test's stand-in)
}

describe('install, commit, up to date', () => {
  it('installs into slot a, then the next version into slot b; the old slot stays as the fallback', async () => {
    h.publish('1.0.0');
    const r1 = await installUpdate(h.options());
    expect(r1).toMatchObject({ result: 'installed', version: '1.0.0', slot: 'a' });
    expect(readlinkSync(join(h.root, 'current'))).toBe(join('slots', 'a'));
    expect(runActive()).toBe('yikatong sample runtime 1.0.0 [a]');
    expect(h.events).toEqual(['journal closed', 'retired']);
    await h.gate.resume();
    h.appendRecords(5);

    h.publish('1.1.0');
    const r2 = (await installUpdate(h.options())) as Extract<InstallOutcome, { result: 'installed' }>;
    expect(r2).toMatchObject({ result: 'installed', version: '1.1.0', slot: 'b' });
    expect(r2.health.results.map((x) => x.name)).toEqual(['runtime']);
    expect(r2.health.results[0]!.detail).toMatch(/ok version: 1\.1\.0 on trial/);
    const s = readState(h.root);
    expect(s).toMatchObject({ active: 'b', trial: null, highestCommitted: '1.1.0', slots: { a: { status: 'good', version: '1.0.0' }, b: { status: 'good', version: '1.1.0' } } });
    expect(runActive()).toBe('yikatong sample runtime 1.1.0 [b]');
    expectJournalIntact(30); // the old runtime was retired, its journal closed: every record is on disk
    expect(await installUpdate(h.options())).toEqual({ result: 'up-to-date', version: '1.1.0' });
  });

  it('refuses an older version than the installed one (versions never go back)', async () => {
    await installFirst();
    h.publish('2.0.0');
    await installUpdate(h.options());
    await h.gate.resume();
    // the repository now offers only 1.5.0 (a rollback attempt with valid, fresh metadata)
    const name = h.publish('1.5.0');
    await expectFirmwareRejection(installUpdate(h.options({ targetName: name })), 'version', /older than the installed 2\.0\.0/);
    expect(readState(h.root).active).toBe('b');
  });
});

describe('refused images leave the terminal as it was', () => {
  const unchanged = (before: string) => expect(readFileSync(join(h.root, 'state.json'), 'utf8')).toBe(before);

  it('tampered image (same length, other bytes) → image-hash, nothing unpacked', async () => {
    await installFirst();
    const name = h.publish('1.1.0');
    const before = readFileSync(join(h.root, 'state.json'), 'utf8');
    const p = join(h.repo, 'targets', name);
    const b = readFileSync(p);
    b[b.length - 2000] = b[b.length - 2000]! ^ 0x01;
    writeFileSync(p, b);
    await expectFirmwareRejection(installUpdate(h.options()), 'image-hash', /tampered or corrupt/);
    unchanged(before);
    expect(existsSync(slotDir(h.root, 'b'))).toBe(false);
    expectJournalIntact(25);
  });

  it('an image longer than signed is refused before it is read', async () => {
    await installFirst();
    const name = h.publish('1.1.0');
    writeFileSync(join(h.repo, 'targets', name), Buffer.concat([readFileSync(join(h.repo, 'targets', name)), Buffer.alloc(512)]));
    await expectFirmwareRejection(installUpdate(h.options()), 'image-size', /before reading/);
  });

  it('an image over the terminal limit is refused', async () => {
    h.publish('1.0.0');
    await expectFirmwareRejection(installUpdate(h.options({ maxImageBytes: 1024 })), 'image-size', /maxImageBytes/);
  });

  const hostile = (entries: { path: string; data: Uint8Array }[], types?: Map<string, { type: string; linkname?: string }>) => {
    const files = entries.map((e) => ({ path: e.path, size: e.data.length, sha256: sha256Hex(e.data) }));
    const manifest = { format: IMAGE_FORMAT, version: '1.1.0', hardware: ['test-validator'], entry: 'dist/ykt.js', files };
    return writeTar([{ path: MANIFEST_PATH, data: new TextEncoder().encode(JSON.stringify(manifest)) }, ...entries], types);
  };
  const js = new TextEncoder().encode('console.log(1)\n');

  it('a validly signed image with path traversal is refused before anything is written', async () => {
    await installFirst();
    h.publishRaw('evil.tar', hostile([{ path: 'dist/ykt.js', data: js }, { path: 'dist/../../../outside.js', data: js }]), '1.1.0');
    await expectFirmwareRejection(installUpdate(h.options({ targetName: 'evil.tar' })), 'archive', /traversal/);
    expect(existsSync(join(h.dir, 'outside.js'))).toBe(false);
    expect(existsSync(slotDir(h.root, 'b'))).toBe(false);
    expect(readState(h.root).active).toBe('a');
  });

  it('a validly signed image with a symlink or a device is refused', async () => {
    await installFirst();
    h.publishRaw('link.tar', hostile([{ path: 'dist/ykt.js', data: js }, { path: 'dist/key', data: new Uint8Array(0) }], new Map([['dist/key', { type: '2', linkname: '/etc/shadow' }]])), '1.1.0');
    await expectFirmwareRejection(installUpdate(h.options({ targetName: 'link.tar' })), 'archive', /symbolic link/);
    h.publishRaw('dev.tar', hostile([{ path: 'dist/ykt.js', data: js }, { path: 'dist/mem', data: new Uint8Array(0) }], new Map([['dist/mem', { type: '3' }]])), '1.1.0');
    await expectFirmwareRejection(installUpdate(h.options({ targetName: 'dev.tar' })), 'archive', /character device/);
    expect(existsSync(slotDir(h.root, 'b'))).toBe(false);
  });

  it('an image for other hardware is not chosen', async () => {
    h.publish('1.0.0', 'healthy', { hardware: ['canteen-pos'] });
    await expectFirmwareRejection(installUpdate(h.options()), 'no-target', /no image for hardware "test-validator"/);
  });

  it('the journal may not live inside the firmware root', async () => {
    h.publish('1.0.0');
    await expect(installUpdate(h.options({ root: join(h.dir, 'data') }))).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('failed trials roll back to the previous slot', () => {
  async function expectRolledBack(r: InstallOutcome, re: RegExp): Promise<void> {
    expect(r.result).toBe('rolled-back');
    if (r.result === 'rolled-back') expect(r.reason).toMatch(re);
    const s = readState(h.root);
    expect(s).toMatchObject({ active: 'a', trial: null, highestCommitted: '1.0.0', slots: { a: { status: 'good' }, b: { status: 'bad', version: '1.1.0' } } });
    expect(runActive()).toBe('yikatong sample runtime 1.0.0 [a]');
    expect(h.events.at(-1)).toBe('journal reopened'); // the old runtime serves again
    expect(h.gate.draining).toBe(false);
    h.appendRecords(1);
    expectJournalIntact(26);
  }

  it('the new runtime reports unhealthy', async () => {
    await installFirst();
    h.publish('1.1.0', 'unhealthy');
    await expectRolledBack(await installUpdate(h.options()), /FAIL readers: no reader found/);
  });

  it('the new runtime crashes at start', async () => {
    await installFirst();
    h.publish('1.1.0', 'crash');
    await expectRolledBack(await installUpdate(h.options()), /exited \(code 1\) before reporting health.*simulated crash/);
  });

  it('the new runtime never answers: the deadline passes', async () => {
    await installFirst();
    h.publish('1.1.0', 'silent');
    const timePasses = { name: 'clock', run: async () => h.timer.fireAll() };
    await expectRolledBack(await installUpdate(h.options({ checks: [timePasses] })), /runtime: no answer within the 20000 ms deadline/);
  });

  it('an injected check fails: no scanner found', async () => {
    await installFirst();
    h.publish('1.1.0');
    await expectRolledBack(await installUpdate(h.options({ checks: [devicesCheck('scanners', async () => [])] })), /scanners: found 0, need at least 1/);
  });

  it('backend unreachable: committed if the offline policy allows, rolled back if not', async () => {
    await installFirst();
    h.publish('1.1.0');
    const down = async () => false;
    const noOffline = backendCheck(down, () => ({ ok: false, detail: 'this profile cannot work offline' }));
    await expectRolledBack(await installUpdate(h.options({ checks: [noOffline] })), /backend: unreachable; offline policy: this profile cannot work offline/);
    await h.gate.resume().catch(() => {});
    h.publish('1.1.1');
    const offlineOk = backendCheck(down, () => ({ ok: true, detail: '0 of 2000 offline approvals used' }));
    expect(await installUpdate(h.options({ checks: [offlineOk] }))).toMatchObject({ result: 'installed', version: '1.1.1', slot: 'b' });
  });

  it('a trial that migrates the journal is rolled back and the journal restored from its copy', async () => {
    await installFirst();
    h.publish('1.1.0', 'migrates');
    const r = await installUpdate(h.options());
    expect(r.result).toBe('rolled-back');
    if (r.result === 'rolled-back') expect(r.reason).toMatch(/changed the journal schema v1 → v2.*journal restored from its pre-trial copy/);
    const db = new Database(h.journalPath, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
    await expectRolledBack(r, /schema/);
  });
});

describe('quiesce', () => {
  it('waits for the transaction in progress; if it does not end in time, nothing is switched', async () => {
    await installFirst();
    h.publish('1.1.0');
    h.gate.enter(); // a tap is being processed
    const p = installUpdate(h.options({ at: (point) => { if (point === 'unpacked') setImmediate(() => h.timer.fireAll()); } }));
    await expectFirmwareRejection(p, 'busy', /1 transaction\(s\) still in progress/);
    expect(readState(h.root)).toMatchObject({ active: 'a', trial: null, slots: { b: { status: 'installed' } } });
    h.gate.leave();
    expect(() => h.gate.enter()).not.toThrow(); // still serving
    h.gate.leave();
  });

  it('a transaction that ends during the drain lets the update go on, and new ones are refused meanwhile', async () => {
    await installFirst();
    h.publish('1.1.0');
    h.gate.enter();
    const p = installUpdate(
      h.options({
        at: (point) => {
          if (point === 'unpacked')
            setImmediate(() => {
              expect(() => h.gate.enter()).toThrow(/firmware update/);
              h.gate.leave(); // its result is durable
            });
        },
      }),
    );
    expect(await p).toMatchObject({ result: 'installed', version: '1.1.0' });
  });
});

describe('one install at a time', () => {
  it('refuses while another live installer holds the lock; takes over a dead one\'s', async () => {
    h.publish('1.0.0');
    mkdirSync(h.root, { recursive: true });
    writeFileSync(join(h.root, 'install.lock'), String(process.ppid));
    await expectFirmwareRejection(installUpdate(h.options()), 'state', /another install is running/);
    writeFileSync(join(h.root, 'install.lock'), '2147483646'); // no such process
    expect((await installUpdate(h.options())).result).toBe('installed');
    expect(existsSync(join(h.root, 'install.lock'))).toBe(false);
  });
});


describe('a trial left pending by a killed installer', () => {
  it('is rolled back by the next install (runtime drained around it), which then installs', async () => {
    await installFirst();
    h.publish('1.1.0');
    const s = readState(h.root);
    writeState(h.root, { ...s, slots: { ...s.slots, b: { status: 'trial', version: '1.0.5' } }, trial: { slot: 'b', previous: 'a', version: '1.0.5', startedAt: 0, journalBefore: null, journalSnapshot: null } });
    h.events.length = 0;
    const logs: string[] = [];
    const r = await installUpdate(h.options({ log: (l) => logs.push(l) }));
    expect(logs[0]).toMatch(/recovered: slot b \(1\.0\.5\) was on trial and never committed: rolled back to a/);
    expect(h.events.slice(0, 2)).toEqual(['journal closed', 'journal reopened']);
    expect(r).toMatchObject({ result: 'installed', version: '1.1.0', slot: 'b' });
  });
});
