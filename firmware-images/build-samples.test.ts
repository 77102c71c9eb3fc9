/** The sample build runs quickly and its output verifies and installs through the CLI (TEST keys). */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/ykt';
import { TEST_KEY_MARK } from '../src/firmware/testing/test-keys';
import { buildSamples, SAMPLE_HARDWARE } from './build-samples';

const out = mkdtempSync(join(tmpdir(), 'ykt-samples-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function ykt(...argv: string[]) {
  const o: string[] = [];
  const e: string[] = [];
  const code = await main(argv, { out: (l) => o.push(l), err: (l) => e.push(l) });
  return { code, out: o.join('\n'), err: e.join('\n') };
}

describe('firmware-images/build-samples', () => {
  it('builds TEST-signed samples, marked as such, that verify and install', async () => {
    const t = performance.now();
    const s = buildSamples(join(out, 's'), Date.now());
    expect(performance.now() - t).toBeLessThan(5000);
    expect(s.images.map((i) => i.version)).toEqual(['1.0.0', '1.1.0', '1.2.0']);
    expect(readFileSync(join(s.out, 'README.txt'), 'utf8')).toContain(TEST_KEY_MARK);
    expect(JSON.parse(readFileSync(join(s.keysDir, 'root-1.test-key.json'), 'utf8')).note).toContain('NOT FOR PRODUCTION');

    const common = ['--repo', s.repo, '--pinned-root', s.pinnedRootPath];
    const v = await ykt('image', 'verify', ...common, '--hardware', SAMPLE_HARDWARE);
    expect(v.out).toMatch(/^OK yikatong-sample-1\.1\.0\.tar/);
    const root = join(out, 'fw');
    const inst = await ykt('image', 'install', ...common, '--hardware', SAMPLE_HARDWARE, '--root', root, '--journal', join(out, 'none.sqlite'), '--runtime-stopped');
    expect(inst).toMatchObject({ code: 0, out: 'installed 1.1.0 in slot a and committed' });
    // the unhealthy sample is for its own hardware id: installing it rolls back
    const bad = await ykt('image', 'install', ...common, '--hardware', 'test-validator-unhealthy', '--root', join(out, 'fw2'), '--journal', join(out, 'none.sqlite'), '--runtime-stopped');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/ROLLED BACK: 1\.2\.0 .*no reader found/);
  });
});
