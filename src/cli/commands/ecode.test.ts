// `ykt ecode …` and `ykt scan`: the whole test-issuing flow through the commands themselves.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, type CliIo } from '../command';
import { ecodeCommands } from './ecode';
import { scanCommand } from './scan';

const HOLDER_KEY = '000102030405060708090a0b0c0d0e0f';

async function ykt(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const cmd = [...ecodeCommands, scanCommand].find((c) => c.path.every((w, i) => args[i] === w))!;
  const code = await cmd.run(args.slice(cmd.path.length), io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('ykt ecode', () => {
  it('keygen → trust-list → issue (from a fixture card) → code → verify → revoke → scan', async () => {
    const d = mkdtempSync(join(tmpdir(), 'ykt-ecode-cli-'));
    const f = (n: string) => join(d, n);
    expect((await ykt(['ecode', 'keygen', '--role', 'root', '--out', f('root.json'), '--public-out', f('root.pub.json')])).code).toBe(EXIT.OK);
    expect(JSON.parse(readFileSync(f('root.pub.json'), 'utf8')).privateKey).toBeUndefined();
    await ykt(['ecode', 'keygen', '--role', 'issuer', '--issuer', 'test platform', '--out', f('issuer.json')]);
    await expect(ykt(['ecode', 'keygen', '--role', 'issuer', '--out', f('issuer.json')])).rejects.toThrow(/exists/);
    expect((await ykt(['ecode', 'trust-list', '--root', f('root.json'), '--issuer', f('issuer.json'), '--version', '1', '--out', f('tl.json')])).out).toMatch(/trust list v1/);
    const issued = await ykt(['ecode', 'issue', '--issuer', f('issuer.json'), '--card', 'ssc-3rd-zhengzhou', '--holder-token-key', HOLDER_KEY, '--categories', 'elderly', '--out', f('wallet.json')]);
    expect(issued.out).toMatch(/region 410100/);
    const wallet = JSON.parse(readFileSync(f('wallet.json'), 'utf8'));
    expect(wallet.holderToken).toMatch(/^[A-Z2-7]{26}$/);

    const made = await ykt(['ecode', 'code', '--wallet', f('wallet.json'), '--scope', 'transit', '--png', f('code.png')]);
    const code = made.out.trim();
    expect(code).toMatch(/^YKE1:/);
    expect(JSON.parse(readFileSync(f('wallet.json'), 'utf8')).counter).toBe(1);

    const base = ['--root', f('root.pub.json'), '--trust-list', f('tl.json')];
    const ok = await ykt(['ecode', 'verify', code, ...base]);
    expect(ok.code).toBe(EXIT.OK);
    expect(ok.out).toMatch(/^VALID/);
    expect(ok.out).toMatch(/categories\s+elderly/);
    expect(ok.out).not.toContain(wallet.holderToken); // masked
    const wrong = await ykt(['ecode', 'verify', '--image', f('code.png'), ...base, '--scope', 'medical']);
    expect(wrong.code).toBe(EXIT.NEGATIVE);
    expect(wrong.out).toMatch(/INVALID .*wrong-scope/);

    const json = JSON.parse((await ykt(['ecode', 'verify', code, ...base, '--json'])).out);
    expect(json).toMatchObject({ outcome: 'valid', credential: { source: 'ecode', region: '410100', categories: ['elderly'] } });

    await ykt(['ecode', 'revocations', '--version', '1', '--wallet', f('wallet.json'), '--revoke-holder', '--out', f('rev.json')]);
    expect((await ykt(['ecode', 'verify', code, ...base, '--revocations', f('rev.json')])).out).toMatch(/revoked/);

    // Durable store: a second verify of the same code is a replay.
    expect((await ykt(['ecode', 'verify', code, ...base, '--data-dir', f('data')])).code).toBe(EXIT.OK);
    expect((await ykt(['ecode', 'verify', code, ...base, '--data-dir', f('data')])).out).toMatch(/replayed/);

    // An expired code, judged at a later time.
    expect((await ykt(['ecode', 'verify', code, ...base, '--at', new Date(Date.now() + 600_000).toISOString()])).out).toMatch(/code-expired/);

    // A tampered trust list is refused as configuration.
    writeFileSync(f('bad-tl.json'), readFileSync(f('tl.json'), 'utf8').replace('"version\\":1', '"version\\":2'));
    const bad = await ykt(['ecode', 'verify', code, '--root', f('root.pub.json'), '--trust-list', f('bad-tl.json')]);
    expect(bad.code).toBe(EXIT.CONFIG);
    expect(bad.err).toMatch(/root signature/);

    const scanned = await ykt(['scan', f('code.png'), f('root.json')]);
    expect(scanned.code).toBe(EXIT.NEGATIVE); // the second "image" is not a PNG
    expect(scanned.out).toContain(`code.png: ${code}`);
    expect(scanned.out).toMatch(/ykt-ecode-v1 .* not verified/);
    expect(scanned.out).toMatch(/root.json: cannot read image/);

    const st = await ykt(['ecode', 'code', '--static', '--card', 'ssc-3rd-zhengzhou']);
    expect(st.out).toMatch(/^YKS1:410100D156000005/);
    const stVerify = await ykt(['ecode', 'verify', st.out.trim(), ...base, '--static', '--holder-token-key', HOLDER_KEY, '--json']);
    expect(JSON.parse(stVerify.out).credential.holderToken).toBe(wallet.holderToken); // 卡码同权
  });

  it('shows what a code claims without verifying', async () => {
    const r = await ykt(['ecode', 'show', 'YKS1:410100D1560000050000000000000001' + '00']);
    expect(r.out).toMatch(/damaged|ykt-static-v1/);
    expect((await ykt(['ecode', 'show', 'hello'])).code).toBe(EXIT.NEGATIVE);
  });
});
