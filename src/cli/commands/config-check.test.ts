// ykt config check: the example configs are valid; a bad file gets EVERY problem with its field and why
// (exit 3); the cross-field rules ykt start needs; unreadable and non-JSON files.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../../core/paths';
import { parseTerminalConfig } from '../../runtime/config';
import { main } from '../ykt';

const dir = mkdtempSync(join(tmpdir(), 'ykt-config-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function ykt(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

const EXAMPLES = readdirSync(fixturesDir('config')).filter((f) => f.endsWith('.json'));

describe('ykt config check', () => {
  it('has an example config for every profile kind', () => {
    expect(EXAMPLES.sort()).toEqual(['bus.json', 'canteen.json', 'hospital.json', 'identity.json', 'library.json', 'metro-entry.json', 'metro-exit.json', 'museum.json']);
  });

  it.each(EXAMPLES)('fixtures/config/%s is valid and parses into the runtime config', async (name) => {
    const path = fixturesDir('config', name);
    const r = await ykt('config', 'check', path);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`${name}: valid`));
    const kind = name.replace(/\.json$/, '').replace(/-(entry|exit)$/, '');
    expect(r.out).toMatch(new RegExp(`profile ${kind}`));
    expect(parseTerminalConfig(JSON.parse(readFileSync(path, 'utf8'))).profile.kind).toBe(kind);
  });

  it('prints every problem with its field and why, exit 3', async () => {
    const bad = file('bad.json', {
      terminal: { id: 'bad id!', dataDir: '' },
      profile: { kind: 'metro', direction: 'sideways' },
      reader: { driver: 'usb' },
      display: { host: '0.0.0.0' },
      sync: { backendUrl: 'ftp://x' },
      colour: 'red',
    });
    const r = await ykt('config', 'check', bad);
    expect(r.code).toBe(3);
    const fields = r.out.split('\n').slice(1).map((l) => l.trim().split(': ')[0]);
    for (const f of ['terminal.id', 'terminal.dataDir', 'profile.station', 'profile.direction', 'profile.fareProfile', 'reader.driver', 'sync.backendUrl', 'display.host', '(top level)']) expect(fields).toContain(f);
    expect(r.out).toMatch(/profile\.station: required \(number\), missing/);
    expect(r.out).toMatch(/terminal\.dataDir: must not be empty/);
    expect(r.out).toMatch(/display\.host: "0\.0\.0\.0" is not a loopback address/);
    expect(r.out).toMatch(/\(top level\): Unrecognized key: "colour"/);
    expect(r.out).toMatch(/^.*bad\.json: \d+ problems$/m);
  });

  it('the rules ykt start needs beyond the schema: holderTokenKey, the e-code profile, publisher keys', async () => {
    const cfg = { profile: { kind: 'library', ecodeProfile: 'culture' }, downloads: { backendUrl: 'http://127.0.0.1:1' } };
    const r = await ykt('config', 'check', file('cross.json', cfg), '--json');
    expect(r.code).toBe(3);
    const rep = JSON.parse(r.out) as { ok: boolean; problems: { field: string; why: string }[]; warnings: { field: string }[] };
    expect(rep.ok).toBe(false);
    expect(rep.problems.map((p) => p.field).sort()).toEqual(['downloads.publisherKeys', 'holderTokenKey', 'profile.ecodeProfile']);
    expect(rep.problems.find((p) => p.field === 'profile.ecodeProfile')!.why).toMatch(/"culture" is not in ecode\.profiles \(default\)/);
    expect(rep.warnings.map((w) => w.field)).toContain('ecode.trustRoots');
  });

  it('an unreadable or non-JSON file is a problem of the file (exit 3); no file is a usage error (exit 2)', async () => {
    const notJson = await ykt('config', 'check', file('broken.json', '{ "terminal": '));
    expect(notJson.code).toBe(3);
    expect(notJson.out).toMatch(/\(file\): not valid JSON/);
    const missing = await ykt('config', 'check', join(dir, 'nope.json'));
    expect(missing.code).toBe(3);
    expect(missing.out).toMatch(/\(file\): cannot read the config file/);
    expect((await ykt('config', 'check')).code).toBe(2);
    expect((await ykt('config', 'check', 'a.json', 'b.json')).code).toBe(2);
  });
});

describe('commands that read part of the config file (one reader: runtime/config readConfigSections)', () => {
  const commands: [string, string[]][] = [
    ['journal ls', ['journal', 'ls']],
    ['sync', ['sync', '--status']],
    ['image status', ['image', 'status']],
    ['pay', ['pay', '--amount', '1.00']],
    ['ride', ['ride', '--fare-profile', 'bus-26']],
  ];
  it.each(commands)('%s: a missing, non-JSON or non-object --config file is a config error naming the file (exit 3)', async (_name, argv) => {
    const missing = join(dir, 'absent.json');
    const r1 = await ykt(...argv, '--config', missing);
    expect(r1.code).toBe(3);
    expect(r1.err).toContain(`${missing}: cannot read the config file`);
    const broken = file('sections-broken.json', '{ "journal": ');
    const r2 = await ykt(...argv, '--config', broken);
    expect(r2.code).toBe(3);
    expect(r2.err).toContain(`${broken}: not valid JSON`);
    const list = file('sections-array.json', [{ journal: {} }]);
    const r3 = await ykt(...argv, '--config', list);
    expect(r3.code).toBe(3);
    expect(r3.err).toContain(`${list}: expected a JSON object at the top level`);
  });
});
