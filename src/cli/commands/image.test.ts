/** `ykt image …` end to end, as an operator and a publisher would use it (TEST keys, sample runtimes). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJournal } from '../../journal/index';
import { writeSampleProject } from '../../firmware/testing/sample-runtime';
import { main } from '../ykt';

async function ykt(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let d: string;
const p = (...x: string[]) => join(d, ...x);
beforeAll(() => {
  d = mkdtempSync(join(tmpdir(), 'ykt-image-cli-'));
});
afterAll(() => rmSync(d, { recursive: true, force: true }));

describe('ykt image', () => {
  it('keygen, pack, sign, verify, install, status, rollback, boot', async () => {
    for (const k of ['root1', 'root2', 'targets', 'timestamp']) expect((await ykt('image', 'keygen', '--out', p(`${k}.json`), '--note', 'TEST KEY')).code).toBe(0);
    expect((await ykt('image', 'keygen', '--out', p('root1.json'))).code).toBe(2); // never overwrites a key

    const repo = p('repo');
    const init = await ykt('image', 'sign', 'init', '--repo', repo, '--root-key', `${p('root1.json')},${p('root2.json')}`, '--root-threshold', '2', '--targets-key', p('targets.json'), '--timestamp-key', p('timestamp.json'));
    expect(init.code).toBe(0);

    for (const v of ['1.0.0', '1.1.0']) {
      writeSampleProject(p(`proj-${v}`), v);
      const pack = await ykt('image', 'pack', '--project', p(`proj-${v}`), '--hardware', 'gate-v2', '--out', p(`ykt-${v}.tar`));
      expect(pack.code).toBe(0);
      expect(pack.out).toMatch(new RegExp(`version ${v.replaceAll('.', '\\.')} for \\[gate-v2\\], 4 files`));
      expect(JSON.parse(readFileSync(p(`ykt-${v}.tar.json`), 'utf8'))).toMatchObject({ version: v, hardware: ['gate-v2'] });
    }
    const check = await ykt('image', 'verify', '--image', p('ykt-1.0.0.tar'));
    expect(check.out).toMatch(/archive and manifest OK \(signatures not checked\)/);

    expect((await ykt('image', 'sign', 'targets', '--repo', repo, '--key', p('targets.json'), '--add', p('ykt-1.0.0.tar'))).code).toBe(0);
    expect((await ykt('image', 'sign', 'timestamp', '--repo', repo, '--key', p('timestamp.json'))).code).toBe(0);

    const journalPath = p('data', 'journal.sqlite');
    mkdirSync(p('data'));
    const j = openJournal({ path: journalPath, terminalId: 'T-CLI-1' });
    j.append({ type: 'decision', service: 'metro-gate', outcome: 'approved', amountFen: 200 });
    j.close();
    const config = { terminal: { id: 'T-CLI-1' }, journal: { path: journalPath }, firmware: { root: p('fw'), hardware: 'gate-v2', pinnedRootPath: join(repo, 'metadata', '1.root.json'), repositoryDir: repo, healthDeadlineMs: 20000 } };
    writeFileSync(p('config.json'), JSON.stringify(config));
    const cfg = ['--config', p('config.json')];

    const ver = await ykt('image', 'verify', ...cfg);
    expect(ver.code).toBe(0);
    expect(ver.out).toMatch(/^OK ykt-1\.0\.0\.tar: version 1\.0\.0/);

    const inst = await ykt('image', 'install', ...cfg, '--runtime-stopped');
    expect(inst).toMatchObject({ code: 0, out: 'installed 1.0.0 in slot a and committed' });
    expect((await ykt('image', 'install', ...cfg, '--runtime-stopped')).out).toBe('up to date: 1.0.0');

    await ykt('image', 'sign', 'targets', '--repo', repo, '--key', p('targets.json'), '--add', p('ykt-1.1.0.tar'));
    // a new targets.json without a new timestamp: mix-and-match, refused with exit 1
    const mix = await ykt('image', 'install', ...cfg, '--runtime-stopped');
    expect(mix.code).toBe(1);
    expect(mix.err).toMatch(/refused \(mismatch\).*mix-and-match/);
    await ykt('image', 'sign', 'timestamp', '--repo', repo, '--key', p('timestamp.json'));
    expect((await ykt('image', 'install', ...cfg, '--runtime-stopped')).out).toBe('installed 1.1.0 in slot b and committed');

    const st = await ykt('image', 'status', ...cfg);
    expect(st.out).toMatch(/active slot b; highest committed 1\.1\.0/);
    expect(st.out).toMatch(/slot a: good +1\.0\.0/);

    const rb = await ykt('image', 'rollback', ...cfg, '--reason', 'test');
    expect(rb).toMatchObject({ code: 0, out: 'active: slot a (1.0.0); restart the runtime to use it' });
    expect((await ykt('image', 'rollback', ...cfg)).code).toBe(1); // slot b is bad now

    const boot = await ykt('image', 'boot', ...cfg);
    expect(boot).toMatchObject({ code: 0, out: join(p('fw'), 'current', 'dist', 'ykt.js') });
  });

  it('selftest opens the journal read-only and reports a YKT-HEALTH line', async () => {
    const path = p('st.sqlite');
    const j = openJournal({ path, terminalId: 'T-ST-1' });
    j.append({ type: 'event', service: 'boot' });
    j.close();
    const r = await ykt('image', 'selftest', '--journal', path, '--terminal-id', 'T-ST-1');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out.replace(/^YKT-HEALTH /, ''));
    expect(rep).toMatchObject({ ok: true, checks: [{ name: 'journal', ok: true, detail: expect.stringMatching(/opens and verifies: 1 records, schema v1/) }] });
  });

  it('a wrong-key signature is refused with exit 1', async () => {
    const repo = p('repo2');
    await ykt('image', 'keygen', '--out', p('mallory.json'));
    await ykt('image', 'sign', 'init', '--repo', repo, '--root-key', p('root1.json'), '--targets-key', p('targets.json'), '--timestamp-key', p('timestamp.json'));
    await ykt('image', 'sign', 'targets', '--repo', repo, '--key', p('mallory.json'), '--add', p('ykt-1.0.0.tar'));
    await ykt('image', 'sign', 'timestamp', '--repo', repo, '--key', p('timestamp.json'));
    const r = await ykt('image', 'verify', '--repo', repo, '--pinned-root', join(repo, 'metadata', '1.root.json'), '--hardware', 'gate-v2');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/refused \(signature\): targets\.json: 0 valid signature/);
  });
});
