/** `ykt pay` on emulated cards and on a recorded transcript. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../../core/paths';
import { EXIT, UsageError } from '../command';
import { payCommand } from './pay';

async function pay(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await payCommand.run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const AT = ['--at', '2026-11-22T12:30:00+08:00', '--un', '12345678'];

describe('ykt pay', () => {
  it('approves on the emulated RSA card: outcome, cryptogram, EC balance, PAN masked (never in clear)', async () => {
    const r = await pay(['--amount', '12.34', '--card', 'pboc-rsa', ...AT]);
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toMatch(/outcome\s+APPROVED/);
    expect(r.out).toMatch(/cryptogram\s+TC [0-9A-F]{16}\s+ATC 0011\s+\(Y1\)/);
    expect(r.out).toMatch(/EC balance\s+487\.66 CNY/);
    expect(r.out).toMatch(/PAN\s+623100\*+\d{4}/);
    const pan = JSON.parse(readFileSync(fixturesDir('pboc', 'cards', 'pboc-rsa.json'), 'utf8')).sections.pboc.pan as string;
    expect(r.out).not.toContain(pan);
    expect(r.err).toMatch(/TEST CA public keys/);
  });

  it('declines with a reason a person can read (contact, SM2 card not needed): EC balance too low', async () => {
    const r = await pay(['--amount', '4.00', '--card', 'pboc-rsa-low-balance', '--interface', 'contact', ...AT]);
    expect(r.code).toBe(EXIT.NEGATIVE);
    expect(r.out).toMatch(/DECLINED\s+ec-balance-low/);
    expect(r.out).toMatch(/EC balance 3\.20 < amount 4\.00/);
  });

  it('--json gives the decision and the journal records', async () => {
    const r = await pay(['--amount', '1.00', '--card', 'pboc-sm2', '--json', ...AT]);
    const j = JSON.parse(r.out);
    expect(j.decision).toMatchObject({ outcome: 'approved', cryptogramType: 'TC', oda: { algorithm: 'sm2', result: 'ok' }, ecBalanceFen: 49_900 });
    expect(j.journal.map((x: { type: string }) => x.type)).toEqual(['intent', 'result']);
  });

  it('replays a recorded transcript to the same approval; another UN does not match it', async () => {
    const file = fixturesDir('pboc', 'transcripts', 'qpboc-rsa-approved.txt');
    const ok = await pay(['--amount', '12.34', '--transcript', file, ...AT]);
    expect(ok.code).toBe(EXIT.OK);
    expect(ok.out).toMatch(/APPROVED/);
    const other = await pay(['--amount', '12.34', '--transcript', file, '--at', '2026-11-22T12:30:00+08:00', '--un', '00000001']);
    expect(other.code).toBe(EXIT.NEGATIVE);
    expect(other.out).toMatch(/gpo-failed|DECLINED/);
  });

  it('contact SM2 transcript (DDA with SM2, GENERATE AC) replays', async () => {
    const r = await pay(['--amount', '25.00', '--interface', 'contact', '--transcript', fixturesDir('pboc', 'transcripts', 'pboc-sm2-contact-approved.txt'), '--at', '2026-11-22T12:31:00+08:00', '--un', '0A0B0C0D']);
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toMatch(/dda SM2 ok/);
  });

  it('usage errors name the option', async () => {
    await expect(pay(['--card', 'pboc-rsa'])).rejects.toThrow(UsageError);
    await expect(pay(['--amount', '1.234', '--card', 'pboc-rsa'])).rejects.toThrow(/--amount/);
    await expect(pay(['--amount', '1', '--interface', 'nfc'])).rejects.toThrow(/--interface/);
    await expect(pay(['--amount', '1', '--un', 'XYZ'])).rejects.toThrow(/--un/);
    await expect(pay(['--amount', '1', '--card', 'a', '--reader', 'b'])).rejects.toThrow(/choose one/);
  });
});
