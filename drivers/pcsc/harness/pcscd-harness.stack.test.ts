/**
 * The harness itself: a private pcscd that leaves the system's /run/pcscd alone, the TCP_NODELAY shim
 * really loaded (an APDU in well under vpcd's 44 ms Nagle stall), stop/kill/restart, and a loud
 * failure when pcscd is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../apdu/hex';
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

// vpcd keeps its sockets in a process-global array indexed by the slot only (ifd-vpcd.c `ctx[Lun & 0xffff]`):
// with one shared driver, "Virtual PCD 00 00" and "Virtual PCD 1 00 00" both served the second instance's
// port and one of them hung in accept(). The harness gives each instance its own copy of the driver.
it('keeps vpcd instances apart: four cards in four readers, every ATR and APDU reaches its own card', async () => {
  const fixtures = ['ssc-3rd-zhengzhou', 'ssc-2nd-wenzhou-t0', 'ssc-2nd-wenzhou-t0', 'ssc-3rd-zhengzhou'];
  const bridges = h.slots.map((s) => new VpcdBridge({ port: s.port }));
  const d = new PcscReaderDriver();
  const ev = new EventRecorder(d);
  const perSlot: EventRecorder[] = [];
  try {
    // A card taken out by the previous test stays "present" until pcscd's next presence poll.
    for (const r of await d.listReaders()) if (r.cardPresent) await ev.cardRemoved(r.name);
    const from = ev.events.length;
    const cards = fixtures.map((f) => loadCardFixture(f));
    await Promise.all(bridges.map((b, i) => b.insert(cards[i]!)));
    // One recorder per reader: the insertions arrive in any order.
    perSlot.push(...h.slots.map(() => new EventRecorder(d)));
    for (const [i, s] of h.slots.entries()) {
      const e = await perSlot[i]!.cardInserted(s.reader);
      expect(e.type === 'card-inserted' && toHex(e.atr), s.reader).toBe(toHex(cards[i]!.atr));
    }
    for (const [i, s] of h.slots.entries()) {
      const before = bridges.map((b) => b.log.length);
      const c = await d.connect(s.reader);
      await c.transmit(fromHex('00A40000023F00'));
      await c.close();
      expect(bridges.map((b, j) => b.log.length - before[j]!), s.reader).toEqual(bridges.map((_, j) => (j === i ? 1 : 0)));
    }
    const inserted = ev.events.slice(from).filter((e) => e.type === 'card-inserted');
    expect(inserted.map((e) => (e as { reader: string }).reader).sort()).toEqual(h.slots.map((s) => s.reader).sort());
  } finally {
    for (const r of perSlot) r.unsubscribe();
    ev.unsubscribe();
    await d.close();
    await Promise.all(bridges.map((b) => b.close()));
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
