/**
 * Child process for apply-crash.stack.test.ts: opens the store, applies one artefact file, and — when
 * asked — stops dead at a stage of the apply (prints "STAGE <name>" and blocks) so that the parent can
 * SIGKILL it exactly there. Prints READY just before the apply starts, DONE after it. The test runs
 * it bundled (src/sync/testing/bundle.ts):
 *
 *   node apply-child.mjs <dir> <artefact file | "maintain"> <block-at: verified|prepared|committed|none> <publisher public key hex>
 *
 * "maintain" runs store.maintain('hotlist') instead of an apply (the overlay compaction), with a
 * compaction threshold of 1 entry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerHotlistKind } from '../../hotlist/register';
import { ArtefactRegistry } from '../registry';
import { ArtefactStore } from '../store';
import { publisherKey } from '../trust';
import { registerToyKind } from './index';

const [dir, file, blockAt, pubHex] = process.argv.slice(2);
if (!dir || !file || !blockAt || !pubHex) throw new Error('usage: apply-child <dir> <artefact> <stage|none> <pubkey hex>');
const maintain = file === 'maintain';
const registry = registerToyKind(registerHotlistKind(new ArtefactRegistry(), { dir: join(dir, 'hotlist'), maxEntries: 20_000_000, compactAfterEntries: maintain ? 1 : 1_000_000 }));
const store = ArtefactStore.open({
  dir,
  registry,
  trust: { keys: [publisherKey(new Uint8Array(Buffer.from(pubHex, 'hex')))], requiredSignatures: 1 },
  onStage: (stage) => {
    if (stage !== blockAt) return;
    process.stdout.write(`STAGE ${stage}\n`); // pipes are synchronous on Linux: written before we block
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // block forever; the parent kills us
  },
});
if (maintain) {
  process.stdout.write('READY\n');
  const r = await store.maintain('hotlist');
  process.stdout.write(`DONE maintain ${r.map((x) => `${x.kind}:${x.changed}`).join(',')}\n`);
} else {
  const bytes = new Uint8Array(readFileSync(file));
  process.stdout.write('READY\n');
  const r = await store.apply(bytes);
  process.stdout.write(`DONE ${r.outcome} ${r.version}\n`);
}
await store.close();
