/** `ykt readers --driver pcsc` against our own pcscd with vpcd and an emulated card in one slot. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PcscdHarness } from '../../../drivers/pcsc/harness/pcscd-harness';
import { VpcdBridge } from '../../../drivers/pcsc/vpcd-bridge';
import { loadCardFixture } from '../../emulator/card-fixture';
import { main } from '../ykt';

let h: PcscdHarness;
let bridge: VpcdBridge;

beforeAll(async () => {
  h = await PcscdHarness.start();
  h.useInThisProcess();
  bridge = new VpcdBridge({ port: h.slots[1]!.port });
  await bridge.insert(loadCardFixture('ssc-2nd-wenzhou-t0'));
});

afterAll(async () => {
  await bridge?.close();
  await h?.dispose();
});

it('lists the vpcd readers and the card pcscd sees', async () => {
  let readers: Array<{ name: string; cardPresent: boolean; atr: string | null }> = [];
  // pcscd notices the card at its next presence poll (≈ 0.4 s)
  for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
    const out: string[] = [];
    expect(await main(['readers', '--driver', 'pcsc', '--json'], { out: (l) => out.push(l), err: () => {} })).toBe(0);
    readers = JSON.parse(out.join('\n'));
    if (readers[1]?.cardPresent) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(readers.map((r) => [r.name, r.cardPresent, r.atr])).toEqual([
    [h.slots[0]!.reader, false, null],
    [h.slots[1]!.reader, true, '3B6800000073C84012009000'],
  ]);
});
