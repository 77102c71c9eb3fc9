/**
 * kill -9 while an artefact is being applied: the terminal restarts on the old version or the new one,
 * complete and verified — never a mixture, never a corrupt list, never the old version refused later.
 *
 * 1. Deterministic: the child stops dead at each stage of an apply (verified → new files written and
 *    fsync'ed → committed) and is SIGKILLed there, for a full hotlist, a hotlist delta, the hotlist's
 *    maintenance (overlay compaction) and a SQLite kind.
 * 2. Random: a 2-million-entry full list (16 MB) applied again and again, killed after a random delay
 *    within the measured apply time (seed printed; replay with YKT_APPLY_KILL_SEED).
 */
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerHotlistKind } from '../hotlist/register';
import { hasKey, keyCount, keysFromBigints, sortUnique, type KeyArray } from '../hotlist/keys';
import { deltaHotlistPayload, fullHotlistPayload } from '../hotlist/payload';
import type { HotlistTable } from '../hotlist/table';
import { bundleEntry } from '../sync/testing/bundle';
import { mulberry32 } from '../sync/testing/prng';
import { ArtefactRegistry } from './registry';
import { ArtefactStore } from './store';
import { json, registerToyKind, testPublisher, type ToyParams } from './testing/index';

const SEED = Number(process.env.YKT_APPLY_KILL_SEED ?? Date.now() % 1_000_000);
const pub = testPublisher({}, Date.now());
const pubHex = Buffer.from(pub.pair.publicKey).toString('hex');
let root: string;
let child: string;

function openStore(dir: string): ArtefactStore {
  const registry = registerToyKind(registerHotlistKind(new ArtefactRegistry(), { dir: join(dir, 'hotlist'), maxEntries: 20_000_000, compactAfterEntries: 1_000_000 }));
  return ArtefactStore.open({ dir, registry, trust: { keys: [pub.key], requiredSignatures: 1 } });
}

interface ChildRun {
  /** Lines the child printed before it died or exited. */
  lines: string[];
  signal: NodeJS.Signals | null;
  code: number | null;
}

/** Run the child; kill it with SIGKILL when `killOn` returns a delay (ms) for a line it printed. */
function runChild(dir: string, artefact: string, blockAt: string, killOn: (line: string) => number | undefined): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, dir, artefact, blockAt, pubHex], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let err = '';
    p.stderr!.on('data', (d) => (err += d));
    createInterface({ input: p.stdout! }).on('line', (l) => {
      lines.push(l);
      const delay = killOn(l);
      if (delay !== undefined) setTimeout(() => p.kill('SIGKILL'), delay);
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`apply child failed (${code}): ${err}`));
      else resolve({ lines, signal, code });
    });
  });
}

function writeArtefact(name: string, bytes: Uint8Array): string {
  const f = join(root, name);
  writeFileSync(f, bytes);
  return f;
}

const hotFiles = (dir: string) => readdirSync(join(dir, 'hotlist')).sort();

beforeAll(async () => {
  console.log(`apply-crash seed ${SEED} (replay with YKT_APPLY_KILL_SEED=${SEED})`);
  root = mkdtempSync(join(tmpdir(), 'ykt-apply-crash-'));
  child = await bundleEntry('src/downloads/testing/apply-child.ts');
}, 60_000);
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(child, { force: true });
});

describe('SIGKILL at each stage of an apply', () => {
  const v1 = [11n, 22n, 33n];
  const v2 = [22n, 33n, 44n];
  const cases = [
    { name: 'full hotlist', make: () => pub.sign({ kind: 'hotlist', version: 2, payload: fullHotlistPayload(keysFromBigints(v2)) }) },
    { name: 'hotlist delta', make: () => pub.sign({ kind: 'hotlist', version: 2, base: 1, payload: deltaHotlistPayload(keysFromBigints(v1), keysFromBigints(v2)) }) },
  ];

  for (const c of cases) {
    for (const stage of ['verified', 'prepared', 'committed'] as const) {
      it(`${c.name}, killed after "${stage}" → ${stage === 'committed' ? 'the new version' : 'the old version'}, intact`, async () => {
        const dir = mkdtempSync(join(root, 'stage-'));
        let s = openStore(dir);
        await s.apply(pub.sign({ kind: 'hotlist', version: 1, payload: fullHotlistPayload(keysFromBigints(v1)) }));
        const before = hotFiles(dir);
        await s.close();

        const run = await runChild(dir, writeArtefact(`a-${c.name}-${stage}.ykta`, c.make()), stage, (l) => (l === `STAGE ${stage}` ? 0 : undefined));
        expect(run.signal).toBe('SIGKILL');
        expect(run.lines).toContain(`STAGE ${stage}`);
        expect(run.lines.some((l) => l.startsWith('DONE'))).toBe(false);

        s = openStore(dir);
        const st = s.status('hotlist');
        expect(st.problem).toBeNull();
        const t = s.get<HotlistTable>('hotlist')!;
        const want = stage === 'committed' ? v2 : v1;
        expect(t.version).toBe(stage === 'committed' ? 2 : 1);
        for (const k of [11n, 22n, 33n, 44n]) expect(t.value.has(k)).toBe(want.includes(k));
        // Files: exactly what the pointer in force names (the dead apply's leftovers are gone).
        if (stage !== 'committed') expect(hotFiles(dir)).toEqual(before);
        else expect(hotFiles(dir).length).toBeLessThanOrEqual(2);
        // And the interrupted artefact can still be applied (or is already in force).
        expect((await s.apply(c.make())).outcome).toBe(stage === 'committed' ? 'unchanged' : 'applied');
        await s.close();
      });
    }
  }

  for (const stage of ['prepared', 'committed'] as const) {
    it(`hotlist maintenance (overlay folded into a new base), killed after "${stage}" → the same list, intact`, async () => {
      const dir = mkdtempSync(join(root, 'maint-'));
      let s = openStore(dir);
      await s.apply(pub.sign({ kind: 'hotlist', version: 1, payload: fullHotlistPayload(keysFromBigints(v1)) }));
      await s.apply(pub.sign({ kind: 'hotlist', version: 2, base: 1, payload: deltaHotlistPayload(keysFromBigints(v1), keysFromBigints(v2)) }));
      const before = hotFiles(dir);
      expect(before.map((x) => x.slice(0, 4))).toEqual(['base', 'ovl-']);
      await s.close();
      const run = await runChild(dir, 'maintain', stage, (l) => (l === `STAGE ${stage}` ? 0 : undefined));
      expect(run.signal).toBe('SIGKILL');
      s = openStore(dir);
      expect(s.status('hotlist')).toMatchObject({ version: 2, problem: null });
      const t = s.get<HotlistTable>('hotlist')!.value;
      for (const k of [11n, 22n, 33n, 44n]) expect(t.has(k)).toBe(v2.includes(k));
      expect(hotFiles(dir).map((x) => x.slice(0, 4))).toEqual(stage === 'committed' ? ['base'] : ['base', 'ovl-']);
      await s.close();
    });
  }

  it('a kind stored in SQLite, killed after "verified" → the old version', async () => {
    const dir = mkdtempSync(join(root, 'toy-'));
    let s = openStore(dir);
    await s.apply(pub.sign({ kind: 'toy-params', version: 1, payload: json({ fares: { adult: 200 } }) }));
    await s.close();
    const run = await runChild(dir, writeArtefact('toy2.ykta', pub.sign({ kind: 'toy-params', version: 2, payload: json({ fares: { adult: 300 } }) })), 'verified', (l) => (l === 'STAGE verified' ? 0 : undefined));
    expect(run.signal).toBe('SIGKILL');
    s = openStore(dir);
    expect(s.get<ToyParams>('toy-params')?.value.fares.adult).toBe(200);
    await s.close();
  });
});

describe('SIGKILL at random moments during large applies', () => {
  const N = 2_000_000;
  const ROUNDS = 10;
  const lists: KeyArray[] = [];
  const files: string[] = [];

  beforeAll(() => {
    // v1 … v(ROUNDS+1): each a fresh random list of N keys (so that any mixture would be visible).
    for (let v = 1; v <= ROUNDS + 1; v++) {
      const raw = new Uint32Array(2 * N);
      randomFillSync(raw);
      const keys = sortUnique(raw);
      lists.push(keys);
      files.push(writeArtefact(`big-${v}.ykta`, pub.sign({ kind: 'hotlist', version: v, payload: fullHotlistPayload(keys) })));
    }
  });

  it(`${ROUNDS} applies of ${N.toLocaleString('en')}-entry lists killed at random: always exactly one complete version`, async () => {
    const rnd = mulberry32(SEED);
    const dir = mkdtempSync(join(root, 'random-'));
    // How long an apply takes here, in a child (start-up excluded: from READY to DONE).
    let t0 = 0;
    const timing = await runChild(dir, files[0]!, 'none', (l) => {
      if (l === 'READY') t0 = performance.now();
      return undefined;
    });
    const applyMs = performance.now() - t0;
    expect(timing.lines.at(-1)).toBe('DONE applied 1');
    let inForce = 1;
    let killedBefore = 0;
    let killedAfter = 0;
    for (let v = 2; v <= ROUNDS + 1; v++) {
      const delay = Math.floor(rnd() * applyMs * 1.2);
      const run = await runChild(dir, files[v - 1]!, 'none', (l) => (l === 'READY' ? delay : undefined));
      const s = openStore(dir);
      const st = s.status('hotlist');
      expect(st.problem, `round ${v} (kill after ${delay} ms of ≈ ${Math.round(applyMs)} ms): ${st.detail}`).toBeNull();
      const now = s.get<HotlistTable>('hotlist')!;
      // The new version if the child finished (or was killed after the commit), else the old one.
      expect([inForce, v]).toContain(now.version);
      if (run.signal === null) expect(now.version).toBe(v);
      const keys = lists[now.version - 1]!;
      expect(now.value.size).toBe(keyCount(keys));
      const other = lists[now.version === v ? inForce - 1 : v - 1]!;
      for (let i = 0; i < 2000; i++) {
        const j = Math.floor(rnd() * keyCount(keys));
        expect(now.value.hasHalves(keys[2 * j + 1]!, keys[2 * j]!)).toBe(true);
        const o = Math.floor(rnd() * keyCount(other));
        expect(now.value.hasHalves(other[2 * o + 1]!, other[2 * o]!)).toBe(hasKey(keys, other[2 * o + 1]!, other[2 * o]!));
      }
      if (now.version === v) killedAfter++;
      else killedBefore++;
      inForce = now.version;
      expect(hotFiles(dir)).toHaveLength(1);
      await s.close();
    }
    console.log(`random kills: ${killedBefore} left the old version, ${killedAfter} the new one (apply ≈ ${Math.round(applyMs)} ms)`);
    expect(killedBefore + killedAfter).toBe(ROUNDS);
  });
});
