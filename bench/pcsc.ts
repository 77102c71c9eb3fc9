/**
 * bench/pcsc: APDU round trip (connection.transmit → card → answer) in the same run through
 *   1. pcscd + vpcd with the TCP_NODELAY shim (what the stack tests use),
 *   2. pcscd + vpcd without it (Debian bookworm's vpcd as shipped: Nagle + delayed ACK),
 *   3. the in-process virtual reader,
 * all with the same emulated card (SSSE fixture) and the same command (READ RECORD EF05 #7).
 *   npx tsx bench/pcsc.ts [--n 2000]
 * Needs pcscd, vsmartcard-vpcd, gcc and the smartcard addon (like the stack tests); runs its own pcscd.
 */
import { fromHex } from '../apdu/hex';
import { PcscdHarness } from '../drivers/pcsc/harness/pcscd-harness';
import { PcscReaderDriver } from '../drivers/pcsc/pcsc-driver';
import { VpcdBridge } from '../drivers/pcsc/vpcd-bridge';
import { VirtualReaderDriver } from '../drivers/virtual/virtual-driver';
import { loadCardFixture } from '../src/emulator/card-fixture';
import type { CardConnection } from '../src/reader/types';
import { numberArg, report, stats } from './lib';
import { connectWhenPresent } from './stack';

const N = numberArg('--n', 2000);
const N_SLOW = 40; // ≈ 44 ms each without the shim
const SELECT = fromHex('00A404000F7378312E73682EC9E7BBE1B1A3D5CF00');
const READ = fromHex('00B2072C00');

async function measure(c: CardConnection, n: number): Promise<number[]> {
  await c.transmit(SELECT);
  for (let i = 0; i < Math.min(50, n); i++) await c.transmit(READ); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await c.transmit(READ);
    ms.push(performance.now() - t);
    if (r[r.length - 2] !== 0x90) throw new Error('unexpected answer');
  }
  return ms;
}

const h = await PcscdHarness.start({ nodelay: true });
h.useInThisProcess();
const reader = h.slots[0]!.reader;
const bridge = new VpcdBridge({ port: h.slots[0]!.port, reconnectDelayMs: 20 });
const pcsc = new PcscReaderDriver({ config: { apduTimeoutMs: 5000 } });
try {
  await bridge.insert(loadCardFixture('ssc-3rd-zhengzhou'));
  let c = await connectWhenPresent(pcsc, reader);
  const fast = stats(await measure(c, N));
  await c.close();

  await h.restart('stop', { nodelay: false });
  c = await connectWhenPresent(pcsc, reader);
  const slow = stats(await measure(c, N_SLOW));
  await c.close();

  const v = new VirtualReaderDriver({ readers: ['Virtual 00'] });
  v.insertCard('Virtual 00', loadCardFixture('ssc-3rd-zhengzhou'));
  const vc = await v.connect('Virtual 00');
  const virt = stats(await measure(vc, N * 5));
  await v.close();

  const row = (s: ReturnType<typeof stats>) => ({ n: s.n, median_ms: s.median, p99_ms: s.p99, max_ms: s.max, apdus_per_s: 1000 / s.mean });
  report('pcsc.pcscd+vpcd+nodelay', row(fast));
  report('pcsc.pcscd+vpcd (no shim)', { ...row(slow), ratio_vs_shim: slow.median / fast.median });
  report('pcsc.virtual', { ...row(virt), pcscd_over_virtual: fast.median / virt.median });
} finally {
  await pcsc.close();
  await bridge.close();
  await h.dispose();
}
