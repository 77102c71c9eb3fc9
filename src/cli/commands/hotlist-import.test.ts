import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateEd25519 } from '../../core/ed25519';
import { ArtefactRegistry } from '../../downloads/registry';
import { ArtefactStore } from '../../downloads/store';
import { publisherKey } from '../../downloads/trust';
import { testPublisher } from '../../downloads/testing/index';
import { keysFromBigints } from '../../hotlist/keys';
import { storeHotlist } from '../../hotlist/lookup';
import { fullHotlistPayload } from '../../hotlist/payload';
import { registerHotlistKind } from '../../hotlist/register';
import { main } from '../ykt';

const pair = generateEd25519();
const pubHex = Buffer.from(pair.publicKey).toString('hex');
let dir: string;
let keyFile: string;

async function ykt(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function lookup() {
  const registry = registerHotlistKind(new ArtefactRegistry(), { dir: join(dir, 'store', 'hotlist'), maxEntries: 1000, compactAfterEntries: 1000 });
  const store = ArtefactStore.open({ dir: join(dir, 'store'), registry, trust: { keys: [publisherKey(pair.publicKey)], requiredSignatures: 1 } });
  return { store, h: storeHotlist(store) };
}

const f = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ykt-hl-import-'));
  keyFile = f('publisher.key', Buffer.from(pair.privateKey).toString('hex') + '\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const CSV = `kind,id
# lost cards reported 2026-11-21
ssc,A12345678
pan,6222021234567890123

tunion,31040000000000123456
ecode-cert,EC-0001-abc
ssc,a12345678
`;

describe('ykt hotlist import', () => {
  it('hashes a CSV of ids, signs it, writes the artefact and applies it — with progress on stderr and no id in any output', async () => {
    const csv = f('lost.csv', CSV);
    const out = join(dir, 'v1.ykta');
    const r = await ykt('hotlist', 'import', csv, '--sign-key', keyFile, '--version', '1', '--out', out, '--data-dir', join(dir, 'store'), '--trust-key', pubHex);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/hotlist v1: 4 entries from 5 ids, written to .*v1\.ykta, applied in/);
    expect(r.err).toMatch(/reading ids\s+\[#{30}\] 100%/);
    expect(r.err).toMatch(/verify and apply\s+\[#{30}\] 100%\s+v1 in force/);
    for (const id of ['A12345678', '6222021234567890123', '31040000000000123456', 'EC-0001-abc']) {
      expect(r.out + r.err).not.toContain(id);
      expect(readFileSync(out).includes(Buffer.from(id))).toBe(false);
    }
    const { store, h } = lookup();
    expect([h.check('ssc', 'A12345678'), h.check('pan', '6222021234567890123'), h.check('tunion', '31040000000000123456'), h.check('ecode-cert', 'EC-0001-abc'), h.check('ssc', 'B12345678')]).toEqual([
      'listed',
      'listed',
      'listed',
      'listed',
      'not-listed',
    ]);
    await store.close();
  });

  it('a plain line file with --kind; then a delta built with --delta-from; then the old full list is refused as a rollback', async () => {
    const v1 = join(dir, 'v1.ykta');
    let r = await ykt('hotlist', 'import', f('pans.txt', '6222021234567890123\n6222021234567890124\n'), '--kind', 'pan', '--sign-key', keyFile, '--version', '1', '--out', v1, '--no-apply', '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ version: 1, entries: 2, ids: 2, invalid: 0 });

    r = await ykt('hotlist', 'import', v1, '--data-dir', join(dir, 'store'), '--trust-key', pubHex);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/hotlist v1 applied: 2 entries/);

    const v2 = join(dir, 'v2.ykta');
    r = await ykt('hotlist', 'import', f('pans2.txt', '6222021234567890124\n6222021234567890125\n'), '--kind', 'pan', '--sign-key', keyFile, '--version', '2', '--delta-from', v1, '--out', v2, '--no-apply');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/hotlist v2 \(delta on v1: \+1 −1\)/);
    r = await ykt('hotlist', 'import', v2, '--data-dir', join(dir, 'store'), '--trust-key', pubHex, '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ outcome: 'applied', version: 2, base: 1, previous: 1, entries: 2 });

    r = await ykt('hotlist', 'import', v1, '--data-dir', join(dir, 'store'), '--trust-key', pubHex);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/refused \(rollback\): artefact hotlist v1: older than v2 in force/);

    const { store, h } = lookup();
    expect(['6222021234567890123', '6222021234567890124', '6222021234567890125'].map((p) => h.check('pan', p))).toEqual(['not-listed', 'listed', 'listed']);
    await store.close();
  });

  it('refuses an artefact signed by a key the terminal does not trust', async () => {
    const stranger = testPublisher({}, Date.now());
    const forged = f('forged.ykta', '');
    writeFileSync(forged, stranger.sign({ kind: 'hotlist', version: 9, payload: fullHotlistPayload(keysFromBigints([1n])) }));
    const r = await ykt('hotlist', 'import', forged, '--data-dir', join(dir, 'store'), '--trust-key', pubHex);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/refused \(unknown-key\).*signed only by unknown keys/);
  });

  it('malformed ids refuse the whole file (line numbers, never the id) unless --skip-invalid', async () => {
    const csv = f('bad.csv', 'pan,6222021234567890123\npan,62220212X4567890123\nbus,123\n');
    let r = await ykt('hotlist', 'import', csv, '--sign-key', keyFile, '--version', '1', '--no-apply');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/2 malformed id line\(s\), nothing imported/);
    expect(r.err).toMatch(/line 2: hotlist pan id: expected 12–19 digits/);
    expect(r.err).toMatch(/line 3: unknown kind/);
    expect(r.err).not.toContain('62220212X4567890123');
    r = await ykt('hotlist', 'import', csv, '--sign-key', keyFile, '--version', '1', '--no-apply', '--skip-invalid', '--out', join(dir, 'x.ykta'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/1 entries from 1 ids/);
  });

  it('usage and config errors', async () => {
    const csv = f('ids.csv', CSV);
    expect((await ykt('hotlist', 'import', csv)).code).toBe(2);
    expect((await ykt('hotlist', 'import')).code).toBe(2);
    const noTrust = await ykt('hotlist', 'import', csv, '--sign-key', keyFile, '--version', '1', '--data-dir', join(dir, 'store'));
    expect(noTrust.code).toBe(3);
    expect(noTrust.err).toMatch(/downloads.publisherKeys: is empty/);
    const cfg = f('cfg.json', JSON.stringify({ downloads: { dataDir: join(dir, 'store'), publisherKeys: [{ publicKey: pubHex }] } }));
    const ok = await ykt('hotlist', 'import', csv, '--sign-key', keyFile, '--version', '3', '--config', cfg, '--out', join(dir, 'v3.ykta'));
    expect(ok.code, ok.err).toBe(0);
  });
});
