/**
 * The PC/SC driver over the real stack: our own pcscd (harness), vsmartcard's vpcd, emulated cards
 * plugged in through the vpcd bridge, the smartcard addon. No skipping: a missing pcscd, vpcd, gcc or
 * addon fails this file with the command that installs it.
 *
 * Real time is unavoidable here: pcscd polls vpcd's card presence ≈ every 0.4 s. Events are awaited
 * with deadlines, never slept for.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../apdu/hex';
import { transceive } from '../../apdu/transceive';
import { CardError, ReaderError } from '../../src/core/errors';
import { loadCardFixture } from '../../src/emulator/card-fixture';
import { runKernel } from '../../src/kernel/runner';
import type { CardConnection } from '../../src/reader/types';
import { parseEf05 } from '../../src/ssse/parse';
import { readSsse } from '../../src/ssse/read';
import { EventRecorder } from './harness/event-recorder';
import { PcscdHarness } from './harness/pcscd-harness';
import { PcscReaderDriver } from './pcsc-driver';
import { VpcdBridge } from './vpcd-bridge';

const SELECT_SSSE = fromHex('00A404000F7378312E73682EC9E7BBE1B1A3D5CF00');

let h: PcscdHarness;
let driver: PcscReaderDriver;
let events: EventRecorder;
let R0: string;
let R1: string;
const bridges: VpcdBridge[] = [];

async function readCardNumber(c: CardConnection): Promise<string> {
  const run = await runKernel(readSsse(), { card: (cmd) => c.transmit(cmd) });
  expect(run.outcome.present).toBe(true);
  return parseEf05(run.outcome.ef05).cardNumber;
}

beforeAll(async () => {
  h = await PcscdHarness.start({ vpcdInstances: 1 });
  h.useInThisProcess();
  [R0, R1] = [h.slots[0]!.reader, h.slots[1]!.reader];
  bridges.push(new VpcdBridge({ port: h.slots[0]!.port }), new VpcdBridge({ port: h.slots[1]!.port }));
  driver = new PcscReaderDriver({
    config: { apduTimeoutMs: 1500, closeGraceMs: 300, interfaces: [{ match: R1, interface: 'contactless' }], watch: { waitTimeoutMs: 1000, backoffInitialMs: 50, backoffMaxMs: 400 } },
  });
  events = new EventRecorder(driver);
  await events.waitFor((e) => e.type === 'reader-added' && e.reader.name === R1, 'reader-added');
});

afterAll(async () => {
  events?.unsubscribe();
  await driver?.close();
  for (const b of bridges) await b.close();
  await h?.dispose();
});

describe('PC/SC driver over pcscd + vpcd', () => {
  it('lists both vpcd readers, contact and (configured) contactless, with no card', async () => {
    const readers = await driver.listReaders();
    expect(readers.map((r) => r.name)).toEqual([R0, R1]);
    expect(readers.find((r) => r.name === R1)!.interface).toBe('contactless');
    expect(readers.every((r) => !r.cardPresent)).toBe(true);
    await expect(driver.connect(R0)).rejects.toMatchObject({ name: 'ReaderError', kind: 'no-card' });
    await expect(driver.connect('No Such Reader 00 00')).rejects.toMatchObject({ kind: 'no-reader' });
  });

  it('reads SSSE EF05 of an inserted card, then of another card after a swap', async () => {
    events.mark();
    await bridges[0]!.insert(loadCardFixture('ssc-3rd-zhengzhou'));
    const ins = await events.cardInserted(R0);
    expect(ins.type === 'card-inserted' && toHex(ins.atr)).toBe('3B88800153534320335244004F');
    expect((await driver.listReaders())[0]!.cardPresent).toBe(true);
    const c = await driver.connect(R0);
    expect(c.protocol).toBe('T1');
    expect(await readCardNumber(c)).toBe('A41001001');
    await c.close();

    await bridges[0]!.remove();
    await events.cardRemoved(R0);
    await bridges[0]!.insert(loadCardFixture('ssc-3rd-guangzhou-elderly'));
    await events.cardInserted(R0);
    const c2 = await driver.connect(R0);
    expect(await readCardNumber(c2)).toBe('G44003003');
    await c2.close();
  });

  it('reads a T=0 card that answers 61xx, while the other reader is busy too', async () => {
    events.mark();
    await bridges[1]!.insert(loadCardFixture('ssc-2nd-wenzhou-t0'));
    await events.cardInserted(R1);
    const t0 = await driver.connect(R1);
    expect(t0.protocol).toBe('T0');
    const raw = await t0.transmit(SELECT_SSSE);
    expect(raw.length).toBe(2);
    expect(raw[0]).toBe(0x61);
    const sel = await transceive((cmd) => t0.transmit(cmd), SELECT_SSSE);
    expect(sel.sw).toBe(0x9000);
    expect(sel.exchanges.map((e) => e.command[1])).toEqual([0xa4, 0xc0]);
    // Both readers at once: the T=1 card in R0 and the T=0 card in R1.
    const t1 = await driver.connect(R0);
    const [a, b] = await Promise.all([readCardNumber(t1), readCardNumber(t0)]);
    expect([a, b]).toEqual(['G44003003', 'C33002002']);
    await Promise.all([t0.close(), t1.close()]);
  });

  it('a card killed mid-APDU is a CardError at once (0-byte answer), then the reader is empty', async () => {
    const c = await driver.connect(R1);
    await c.transmit(SELECT_SSSE);
    events.mark();
    bridges[1]!.killOnApdu();
    const started = performance.now();
    const err = await c.transmit(fromHex('00B2012C00')).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(CardError);
    expect((err as CardError).kind).toMatch(/short-response|removed/);
    // pcscd may still report the card for up to one presence poll: the driver does not.
    await expect(driver.connect(R1)).rejects.toMatchObject({ name: 'ReaderError', kind: 'no-card' });
    expect((await driver.listReaders()).find((r) => r.name === R1)!.cardPresent).toBe(false);
    await expect(c.transmit(SELECT_SSSE)).rejects.toBeInstanceOf(CardError);
    await events.cardRemoved(R1);
    await c.close();
  });

  it('a silent card: the APDU deadline fires, close() returns, the disconnect waits for the native call', async () => {
    events.mark();
    await bridges[1]!.insert(loadCardFixture('ssc-3rd-zhengzhou'));
    await events.cardInserted(R1);
    const c = await driver.connect(R1);
    await c.transmit(SELECT_SSSE);
    bridges[1]!.silenceOnApdu();
    const started = performance.now();
    await expect(c.transmit(SELECT_SSSE, { timeoutMs: 400 })).rejects.toMatchObject({ name: 'CardError', kind: 'mute' });
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(c.transmit(SELECT_SSSE)).rejects.toMatchObject({ kind: 'mute' });
    await c.close(); // bounded by closeGraceMs even though SCardTransmit is still inside pcscd
    await bridges[1]!.remove();
    await events.cardRemoved(R1);
  });

  it('scriptor (pcsc-tools) talks to the emulated card through our pcscd', async () => {
    events.mark();
    await bridges[1]!.insert(loadCardFixture('ssc-3rd-zhengzhou'));
    await events.cardInserted(R1);
    // Async: the emulated card answers from this process's event loop.
    const out = await new Promise<string>((resolve, reject) => {
      const child = execFile('scriptor', ['-r', R1], { env: h.clientEnv, encoding: 'utf8', timeout: 10_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`scriptor failed (apt-get install pcsc-tools?): ${err.message}\n${stderr}`));
        else resolve(stdout);
      });
      child.stdin!.end('00A404000F7378312E73682EC9E7BBE1B1A3D5CF00\n00B2072C00\n');
    });
    const answers = out.replace(/\n(?![<>])/g, ' ').split('\n').filter((l) => l.startsWith('<')).map((l) => l.replace(/[<\s]|:.*$/g, ''));
    expect(answers).toEqual(['6F13840F7378312E73682EC9E7BBE1B1A3D5CFA5009000', '0709' + toHex(new TextEncoder().encode('A41001001')) + '9000']);
  });

  it('shared by default; an exclusive connection locks others out until it closes', async () => {
    const shared = await driver.connect(R1);
    const shared2 = await driver.connect(R1);
    await shared.close();
    await expect(driver.connect(R1, { share: 'exclusive' })).rejects.toMatchObject({ kind: 'sharing-violation' });
    await shared2.close();
    const excl = await driver.connect(R1, { share: 'exclusive' });
    await expect(driver.connect(R1)).rejects.toMatchObject({ name: 'ReaderError', kind: 'sharing-violation' });
    await excl.close();
    const again = await driver.connect(R1);
    await again.close();
  });

  it('recovers after pcscd restarts: an error event, readers leave and return, the card is seen again', async () => {
    const before = await driver.connect(R1);
    events.mark();
    await h.restart('kill');
    const err = await events.waitFor((e) => e.type === 'error', 'error');
    expect(err.type === 'error' && err.error).toBeInstanceOf(ReaderError);
    await events.waitFor((e) => e.type === 'reader-removed' && e.reader === R1, 'reader-removed');
    await events.waitFor((e) => e.type === 'reader-added' && e.reader.name === R1, 'reader-added', 8000);
    await events.cardInserted(R1, 8000); // the bridge reconnected to the new vpcd by itself
    await expect(before.transmit(SELECT_SSSE)).rejects.toBeInstanceOf(ReaderError);
    await before.close();
    const after = await driver.connect(R1);
    expect(await readCardNumber(after)).toBe('A41001001');
    await after.close();
  });
});
