import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './ykt';

async function ykt(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('ykt', () => {
  it('prints usage with exit 2 when called bare, 0 for --help, 2 for an unknown command', async () => {
    expect((await ykt()).code).toBe(2);
    const h = await ykt('--help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/card read/);
    const u = await ykt('fly');
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/unknown command "fly"/);
  });

  it('help for one command', async () => {
    const r = await ykt('help', 'card', 'read');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--transcript FILE/);
    expect((await ykt('card', 'read', '--help')).out).toMatch(/exit codes/);
  });

  it('card read on an emulated card prints masked data only', async () => {
    const r = await ykt('card', 'read', '--card', 'ssc-3rd-zhengzhou');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/A\*{6}01/);
    expect(r.out).not.toMatch(/A41001001/);
    expect(r.out).toMatch(/2034-03-15/);
  });

  it('holder data needs --holder and authentication, and is masked', async () => {
    const refused = await ykt('card', 'read', '--card', 'ssc-3rd-zhengzhou', '--holder', '--json');
    expect(JSON.parse(refused.out).ssse.holderRefused).toMatch(/authentication/);
    const r = await ykt('card', 'read', '--card', 'ssc-3rd-zhengzhou', '--holder', '--auth-key', '5445535420534D34204B455920303031', '--json');
    const j = JSON.parse(r.out);
    expect(j.ssse.holder).toEqual({ name: '张**', idNumber: '4101************10', sex: 'male', birthYear: 1950 });
    expect(r.out).not.toMatch(/410102195003070010|张测试/);
  });

  it('card read replays a transcript', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ykt-'));
    const f = join(dir, 't.txt');
    writeFileSync(
      f,
      [
        '# an SSSE card that only answers the SSSE SELECT and EF05',
        'send: 00A404000F7378312E73682EC9E7BBE1B1A3D5CF*',
        'resp: 6F 11 84 0F 7378312E73682EC9E7BBE1B1A3D5CF 9000',
        '# card read selects it twice: once to list applications, once to read',
        'send: 00A404000F7378312E73682EC9E7BBE1B1A3D5CF*',
        'resp: 6F 11 84 0F 7378312E73682EC9E7BBE1B1A3D5CF 9000',
        'send: 00B2012C*', 'resp: 0110 440100 D156000005 0000000000003003 9000',
        'send: 00B2022C*', 'resp: 020133 9000',
        'send: 00B2032C*', 'resp: 0304332E3030 9000',
        'send: 00B2042C*', 'resp: 040C440100000000000000000003 9000',
        'send: 00B2052C*', 'resp: 050420230901 9000',
        'send: 00B2062C*', 'resp: 060420330901 9000',
        'send: 00B2072C*', 'resp: 0709 473434303033303033 9000',
      ].join('\n'),
    );
    const r = await ykt('card', 'read', '--transcript', f, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).ssse.card).toMatchObject({ region: '440100', cardNumber: 'G******03', expiry: '2033-09-01' });
  });

  it('a malformed card exits 5 with the reason; bad options exit 2', async () => {
    const r = await ykt('card', 'read', '--card', 'ssc-malformed');
    expect(r.code).toBe(5);
    expect(r.out).toMatch(/EF05 record 1/);
    expect((await ykt('card', 'read', '--driver', 'x')).code).toBe(2);
    expect((await ykt('card', 'read', '--bogus')).err).toMatch(/unknown option --bogus/);
    expect((await ykt('card', 'read', '--card', 'a', '--transcript', 'b')).code).toBe(2);
  });
});
