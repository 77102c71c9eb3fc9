/**
 * The harness itself: a private pcscd that leaves the system's /run/pcscd alone, the TCP_NODELAY shim
 * really loaded (an APDU in well under vpcd's 44 ms Nagle stall), stop/kill/restart, and a loud
 * failure when pcscd is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fromHex } from '../../../apdu/hex';
import { loadCardFixture } from '../../../src/emulator/card-fixture';
import { PcscReaderDriver } from '../pcsc-driver';
import { VpcdBridge } from '../vpcd-bridge';
import { EventRecorder } from './event-recorder';
import { PcscdHarness } from './pcscd-harness';

let h: PcscdHarness;
const pidFileBefore = existsSync('/run/pcscd/pcscd.pid') ? readFileSync('/run/pcscd/pcscd.pid', 'utf8') : undefined;

beforeAll(async () => {
  h = await PcscdHarness.start({ vpcdInstances: 2 });
  h.useInThisProcess();
});

afterAll(async () => {
  await h?.dispose();
});

it('runs pcscd on a private socket with four vpcd readers, without touching /run/pcscd', async () => {
  expect(h.running).toBe(true);
  expect(existsSync(h.socketPath)).toBe(true);
  expect(h.slots.map((s) => s.reader)).toEqual(['Virtual PCD 00 00', 'Virtual PCD 00 01', 'Virtual PCD 1 00 00', 'Virtual PCD 1 00 01']);
  const d = new PcscReaderDriver();
  expect((await d.listReaders()).map((r) => r.name)).toEqual(h.slots.map((s) => s.reader));
  await d.close();
  if (h.isolated) {
    const now = existsSync('/run/pcscd/pcscd.pid') ? readFileSync('/run/pcscd/pcscd.pid', 'utf8') : undefined;
    expect(now).toBe(pidFileBefore);
    expect(h.log).toMatch(/Started by systemd/); // the socket we passed, not /run/pcscd/pcscd.comm
  }
});

it('the TCP_NODELAY shim is in effect: APDUs take far less than the 44 ms Nagle stall', async () => {
  expect(h.nodelay).toBe(true);
  const bridge = new VpcdBridge({ port: h.slots[2]!.port });
  const d = new PcscReaderDriver();
  const ev = new EventRecorder(d);
  try {
    await bridge.insert(loadCardFixture('ssc-3rd-zhengzhou'));
    await ev.cardInserted(h.slots[2]!.reader);
    const c = await d.connect(h.slots[2]!.reader);
    const times: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      await c.transmit(fromHex('00A404000F7378312E73682EC9E7BBE1B1A3D5CF00'));
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    expect(times[10]).toBeLessThan(20);
    await c.close();
  } finally {
    ev.unsubscribe();
    await d.close();
    await bridge.close();
  }
});

it('restarts on the same socket and ports, and stops', async () => {
  const pid = h.pid;
  await h.restart('kill');
  expect(h.pid).not.toBe(pid);
  expect(h.running).toBe(true);
  const d = new PcscReaderDriver();
  expect(await d.listReaders()).toHaveLength(4);
  await d.close();
  await h.stop();
  expect(h.running).toBe(false);
  await expect(new PcscReaderDriver().listReaders()).rejects.toMatchObject({ name: 'ReaderError', kind: 'service-down' });
});

it('fails loudly, naming the package, when pcscd is missing', async () => {
  await expect(PcscdHarness.start({ pcscdPath: '/nonexistent/pcscd', readyTimeoutMs: 2000 })).rejects.toThrow(/cannot start pcscd|exited before it was ready/);
});
