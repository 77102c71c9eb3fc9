// `ykt image selftest` with the terminal's config: readers (and the PSAM slot), scanners, the backend or
// the offline policy — each check able to fail, with a detail that says what to fix.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/ykt';
import { runHealthChecks } from '../firmware/health';
import { createKeystore, openJournal } from '../journal';
import type { TerminalConfig } from './config';
import { startLocalWorld, type LocalWorld } from './demo/world';
import { runtimeHealthChecks } from './selftest';

let dir: string;
let world: LocalWorld;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ykt-selftest-'));
  world = await startLocalWorld({ dir: join(dir, 'world'), profile: { kind: 'library' } });
});
afterAll(async () => {
  await world?.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function config(sections: Record<string, unknown> = {}, profile: Record<string, unknown> = { kind: 'library' }): TerminalConfig {
  return world.terminalConfig({ id: `T-ST-${++n}`, profile, config: { display: { enabled: false }, reader: { driver: 'virtual', virtual: { readers: [{ name: 'Emulated Reader 00 00' }] } }, ...sections } });
}
const byName = (r: Awaited<ReturnType<typeof runHealthChecks>>) => Object.fromEntries(r.results.map((x) => [x.name, x]));

describe('runtime health checks', () => {
  it('healthy: readers found, no scanner configured, backend reachable', async () => {
    const r = byName(await runHealthChecks(runtimeHealthChecks(config()), 5000));
    expect(r.readers).toMatchObject({ ok: true, detail: 'found 1: Emulated Reader 00 00' });
    expect(r.scanners).toMatchObject({ ok: true, detail: expect.stringMatching(/none configured/) });
    expect(r.backend).toMatchObject({ ok: true, detail: 'reachable' });
  });

  it('no reader selected, PSAM slot empty, a scanner that is not there: each fails and says why', async () => {
    const c = config({
      reader: { driver: 'virtual', exclude: ['Contactless'], virtual: { readers: [{ name: 'Emulated Contactless 00 00' }, { name: 'Emulated SAM 00 01' }] } },
      transit: { samReader: 'SAM' },
      scanners: [{ driver: 'serial', name: 'gate-scanner', path: join(dir, 'no-such-tty') }],
    });
    const r = byName(await runHealthChecks(runtimeHealthChecks(c), 5000));
    expect(r.readers).toMatchObject({ ok: false, detail: 'found 0, need at least 1' });
    expect(r.psam).toMatchObject({ ok: false, detail: 'no PSAM in "Emulated SAM 00 01"' });
    expect(r.scanners).toMatchObject({ ok: false, detail: expect.stringMatching(/^gate-scanner \(serial\): cannot open scanner gate-scanner at .*no-such-tty/) });
  });

  it('PSAM present in its slot (the slot is not counted as a card reader)', async () => {
    const c = config({ reader: { driver: 'virtual', virtual: { readers: [{ name: 'Emulated Reader 00 00' }, { name: 'Emulated SAM 00 01', card: 'ssc-3rd-zhengzhou' }] } }, transit: { samReader: 'SAM' } });
    const r = byName(await runHealthChecks(runtimeHealthChecks(c), 5000));
    expect(r.readers).toMatchObject({ ok: true, detail: 'found 1: Emulated Reader 00 00' });
    expect(r.psam).toMatchObject({ ok: true, detail: 'PSAM present in "Emulated SAM 00 01"' });
  });

  it('backend unreachable: ok while the offline limits allow working offline, failed when they do not', async () => {
    const down = { sync: { backendUrl: 'http://127.0.0.1:9' } };
    const ok = byName(await runHealthChecks(runtimeHealthChecks(config(down)), 8000));
    expect(ok.backend).toMatchObject({ ok: true, detail: expect.stringMatching(/^unreachable.*; offline policy: no journal yet/) });

    const c = config({ ...down, journal: { offline: { maxCount: 1 } } });
    mkdirSync(c.terminal.dataDir, { recursive: true });
    const ks = createKeystore(join(dir, `ks-${n}.json`));
    const j = openJournal({ path: c.journal.path, terminalId: c.terminal.id, dataKey: ks.dataKey, config: c.journal });
    j.append({ type: 'decision', service: 'bus', outcome: 'approved', amountFen: 200, currency: 156, offline: true });
    j.close();
    const full = byName(await runHealthChecks(runtimeHealthChecks(c), 8000));
    expect(full.backend).toMatchObject({ ok: false, detail: expect.stringMatching(/^unreachable.*offline policy: 1 offline payments are waiting to be forwarded \(limit 1\)/) });
  });
});

describe('ykt image selftest --config', () => {
  it('prints one YKT-HEALTH line with the journal, config, readers, scanners and backend checks; exit 0 when healthy', async () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, JSON.stringify(config()));
    const out: string[] = [];
    const code = await main(['image', 'selftest', '--config', path], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(code, out.join('\n')).toBe(0);
    const rep = JSON.parse(out[0]!.replace(/^YKT-HEALTH /, '')) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect(rep.ok).toBe(true);
    expect(rep.checks.map((c) => c.name)).toEqual(['journal', 'config', 'readers', 'scanners', 'backend']);
    expect(rep.checks[1]!.detail).toMatch(/valid \(library terminal T-ST-\d+\)/);
  });

  it('an invalid runtime config fails the health report (exit 1), naming the field', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ ...config(), profile: { kind: 'metro', station: 1, direction: 'up', fareProfile: 'metro-l1' } }));
    const out: string[] = [];
    expect(await main(['image', 'selftest', '--config', path], { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(1);
    const rep = JSON.parse(out[0]!.replace(/^YKT-HEALTH /, '')) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect(rep.checks.find((c) => c.name === 'config')).toMatchObject({ ok: false, detail: expect.stringMatching(/profile\.direction/) });
  });
});
