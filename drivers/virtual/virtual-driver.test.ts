import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromHex, toHex } from '../../apdu/hex';
import { transceive, type Transmit } from '../../apdu/transceive';
import { decodeTlvOne } from '../../apdu/tlv';
import { CardError, ReaderError } from '../../src/core/errors';
import { loadCardFixture } from '../../src/emulator/card-fixture';
import { runKernel } from '../../src/kernel/runner';
import { parseEf05 } from '../../src/ssse/parse';
import { readSsse } from '../../src/ssse/read';
import type { ReaderEvent } from '../../src/reader/types';
import { SSSE_DF_NAME } from '../../src/ssse/constants';
import { ssseLikeCard } from '../common/test-cards';
import { VirtualReaderDriver, VirtualScanner, transmitOf } from './index';

const SELECT_SSSE = fromHex('00A404000F' + toHex(SSSE_DF_NAME));
const readEf05Record = (n: number): Uint8Array => Uint8Array.of(0x00, 0xb2, n, (5 << 3) | 4, 0x00);

/** Read EF05 records 1..7 (DOMAIN.md §1.1) and return them by tag. */
async function readEf05(transmit: Transmit): Promise<Map<number, string>> {
  const sel = await transceive(transmit, SELECT_SSSE);
  expect(sel.sw).toBe(0x9000);
  const out = new Map<number, string>();
  for (let n = 1; n <= 7; n++) {
    const r = await transceive(transmit, readEf05Record(n));
    expect(r.sw).toBe(0x9000);
    const t = decodeTlvOne(r.data);
    out.set(t.tag, toHex(t.value ?? new Uint8Array(0)));
  }
  return out;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('VirtualReaderDriver', () => {
  it('lists contact and contactless readers and their cards', async () => {
    const d = new VirtualReaderDriver({ readers: ['Virtual Contact 00', { name: 'Virtual PICC 01', interface: 'contactless' }] });
    d.insertCard('Virtual PICC 01', ssseLikeCard({ label: 'a', cardNumber: 'A00000001' }));
    const readers = await d.listReaders();
    expect(readers.map((r) => [r.name, r.interface, r.cardPresent])).toEqual([
      ['Virtual Contact 00', 'contact', false],
      ['Virtual PICC 01', 'contactless', true],
    ]);
    expect(readers[1]!.atr).toBeInstanceOf(Uint8Array);
  });

  it('reads SSSE EF05 through a connection, then a swapped card', async () => {
    const d = new VirtualReaderDriver({ readers: ['R'] });
    d.insertCard('R', ssseLikeCard({ label: 'first', cardNumber: 'A00000001' }));
    const c1 = await d.connect('R');
    const ef05 = await readEf05((cmd) => c1.transmit(cmd));
    expect(ef05.get(0x03)).toBe(toHex(new TextEncoder().encode('3.00')));
    expect(Buffer.from(fromHex(ef05.get(0x07)!)).toString('ascii')).toBe('A00000001');

    d.removeCard('R');
    await expect(c1.transmit(SELECT_SSSE)).rejects.toMatchObject({ name: 'CardError', kind: 'removed' });
    d.insertCard('R', ssseLikeCard({ label: 'second', cardNumber: 'B00000002' }));
    // The old connection belongs to the first insertion: it never reaches the new card.
    await expect(c1.transmit(SELECT_SSSE)).rejects.toBeInstanceOf(CardError);
    const c2 = await d.connect('R');
    const again = await readEf05((cmd) => c2.transmit(cmd));
    expect(Buffer.from(fromHex(again.get(0x07)!)).toString('ascii')).toBe('B00000002');
    await c1.close();
    await c2.close();
  });

  it('the SSSE read kernel reads the fixture cards (T=1 and T=0) as through pcscd', async () => {
    const d = new VirtualReaderDriver({ readers: ['Virtual 00', { name: 'Virtual PICC 01', interface: 'contactless' }] });
    d.insertCard('Virtual 00', loadCardFixture('ssc-3rd-zhengzhou'));
    d.insertCard('Virtual PICC 01', loadCardFixture('ssc-2nd-wenzhou-t0'));
    const [c0, c1] = [await d.connect('Virtual 00'), await d.connect('Virtual PICC 01')];
    const [r0, r1] = await Promise.all([runKernel(readSsse(), { card: (cmd) => c0.transmit(cmd) }), runKernel(readSsse(), { card: (cmd) => c1.transmit(cmd) })]);
    expect(parseEf05(r0.outcome.ef05).cardNumber).toBe('A41001001');
    expect(parseEf05(r1.outcome.ef05).cardNumber).toBe('C33002002');
    expect(c1.protocol).toBe('T0');
    await d.close();
  });

  it('a T=0 card answers 61xx and transceive fetches the data with GET RESPONSE', async () => {
    const d = new VirtualReaderDriver({ readers: ['R'] });
    d.insertCard('R', ssseLikeCard({ label: 't0', cardNumber: 'C00000003', protocol: 'T0' }));
    const c = await d.connect('R');
    expect(c.protocol).toBe('T0');
    const raw = await c.transmit(SELECT_SSSE);
    expect(raw[0]).toBe(0x61);
    const ef05 = await readEf05((cmd) => c.transmit(cmd));
    expect(ef05.size).toBe(7);
    expect(d.exchanges('R').some((e) => e.command[1] === 0xc0)).toBe(true);
  });

  it('emits the current state on subscribe, then live events, in order', () => {
    const d = new VirtualReaderDriver({ readers: ['A'] });
    d.insertCard('A', ssseLikeCard({ label: 'a', cardNumber: '1' }));
    const events: string[] = [];
    const off = d.subscribe((e: ReaderEvent) => events.push(e.type + ('reader' in e && typeof e.reader === 'string' ? ':' + e.reader : '')));
    d.addReader('B', { interface: 'contactless' });
    d.insertCard('B', ssseLikeCard({ label: 'b', cardNumber: '2' }));
    d.removeCard('A');
    d.removeReader('B');
    off();
    d.addReader('C');
    expect(events).toEqual(['reader-added', 'card-inserted:A', 'reader-added', 'card-inserted:B', 'card-removed:A', 'card-removed:B', 'reader-removed:B']);
  });

  it('refuses unknown readers, empty readers and exclusive conflicts with ReaderErrors', async () => {
    const d = new VirtualReaderDriver({ readers: ['R'] });
    await expect(d.connect('nope')).rejects.toMatchObject({ kind: 'no-reader' });
    await expect(d.connect('R')).rejects.toMatchObject({ kind: 'no-card' });
    d.insertCard('R', ssseLikeCard({ label: 'a', cardNumber: '1' }));
    const shared = await d.connect('R');
    await expect(d.connect('R', { share: 'exclusive' })).rejects.toMatchObject({ kind: 'sharing-violation' });
    await shared.close();
    const excl = await d.connect('R', { share: 'exclusive' });
    await expect(d.connect('R')).rejects.toBeInstanceOf(ReaderError);
    await excl.close();
    await expect(d.connect('R', { protocols: ['T0'] })).rejects.toMatchObject({ kind: 'transport' });
    expect(() => d.insertCard('R', ssseLikeCard({ label: 'b', cardNumber: '2' }))).toThrow(/already holds/);
  });

  it('serialises concurrent transmits on one connection', async () => {
    vi.useFakeTimers();
    const d = new VirtualReaderDriver({ readers: ['R'] });
    d.insertCard('R', ssseLikeCard({ label: 'a', cardNumber: '1' }));
    d.setLatency('R', 10);
    const c = await d.connect('R');
    const all = Promise.all([c.transmit(SELECT_SSSE), c.transmit(readEf05Record(7)), c.transmit(readEf05Record(3))]);
    // One at a time: after one latency period only the first has reached the card (all three if sent at once).
    await vi.advanceTimersByTimeAsync(10);
    expect(d.exchanges('R')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(d.exchanges('R')).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(10);
    const results = await all;
    expect(results.map((r) => toHex(r.subarray(-2)))).toEqual(['9000', '9000', '9000']);
    expect(d.exchanges('R').map((e) => e.command[1])).toEqual([0xa4, 0xb2, 0xb2]);
  });

  describe('faults', () => {
    it('silent card: the per-APDU deadline fires (CardError mute) and the connection stays wedged', async () => {
      vi.useFakeTimers();
      const d = new VirtualReaderDriver({ readers: ['R'], apduTimeoutMs: 500 });
      d.insertCard('R', ssseLikeCard({ label: 'a', cardNumber: '1' }));
      const c = await d.connect('R');
      d.setFault('R', { kind: 'silent', after: 1 });
      expect(toHex(await c.transmit(SELECT_SSSE))).toMatch(/9000$/);
      const p = c.transmit(readEf05Record(1));
      const settled = expect(p).rejects.toMatchObject({ name: 'CardError', kind: 'mute' });
      await vi.advanceTimersByTimeAsync(499);
      let done = false;
      void p.catch(() => (done = true));
      await Promise.resolve();
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await settled;
      // No second command is stacked behind the hanging one.
      await expect(c.transmit(readEf05Record(1), { timeoutMs: 10_000 })).rejects.toMatchObject({ kind: 'mute' });
      // Removing the card ends the hang; close() then releases at once.
      d.removeCard('R');
      await c.close();
      await d.close();
    });

    it('silent with executes: the card changed state but the answer was lost (torn)', async () => {
      vi.useFakeTimers();
      const d = new VirtualReaderDriver({ readers: ['R'], apduTimeoutMs: 100 });
      const card = ssseLikeCard({ label: 'a', cardNumber: '1' });
      d.insertCard('R', card);
      const c = await d.connect('R');
      d.setFault('R', { kind: 'silent', executes: true });
      const p = expect(c.transmit(SELECT_SSSE)).rejects.toMatchObject({ kind: 'mute' });
      await vi.advanceTimersByTimeAsync(100);
      await p;
      expect(card.currentDf.name && toHex(card.currentDf.name)).toBe(toHex(SSSE_DF_NAME));
    });

    it('card vanishes after N APDUs: CardError removed, a card-removed event, the reader is empty', async () => {
      const d = new VirtualReaderDriver({ readers: ['R'] });
      d.insertCard('R', ssseLikeCard({ label: 'a', cardNumber: '1' }));
      const events: ReaderEvent[] = [];
      d.subscribe((e) => events.push(e));
      const c = await d.connect('R');
      d.setFault('R', { kind: 'vanish', after: 2 });
      await c.transmit(SELECT_SSSE);
      await c.transmit(readEf05Record(1));
      await expect(c.transmit(readEf05Record(2))).rejects.toMatchObject({ name: 'CardError', kind: 'removed' });
      expect(events.at(-1)).toEqual({ type: 'card-removed', reader: 'R' });
      expect((await d.listReaders())[0]!.cardPresent).toBe(false);
      await expect(c.transmit(readEf05Record(2))).rejects.toMatchObject({ kind: 'removed' });
      await expect(d.connect('R')).rejects.toMatchObject({ kind: 'no-card' });
    });

    it.each([0, 1] as const)('a %i-byte answer is CardError short-response', async (bytes) => {
      const d = new VirtualReaderDriver({ readers: ['R'] });
      d.insertCard('R', ssseLikeCard({ label: 'a', cardNumber: '1' }));
      const c = await d.connect('R');
      d.setFault('R', { kind: 'short-response', bytes });
      await expect(c.transmit(SELECT_SSSE)).rejects.toMatchObject({ name: 'CardError', kind: 'short-response' });
      // through transceive the error carries no fabricated exchange
      await expect(transceive((cmd) => c.transmit(cmd), SELECT_SSSE)).rejects.toBeInstanceOf(CardError);
      d.setFault('R', undefined);
      expect(toHex(await c.transmit(SELECT_SSSE))).toMatch(/9000$/);
    });

    it('fixed latency delays every answer; longer than the deadline means mute', async () => {
      vi.useFakeTimers();
      const d = new VirtualReaderDriver({ readers: ['R'], apduTimeoutMs: 50 });
      d.insertCard('R', ssseLikeCard({ label: 'a', cardNumber: '1' }));
      d.setLatency('R', 20);
      const c = await d.connect('R');
      const p = c.transmit(SELECT_SSSE);
      await vi.advanceTimersByTimeAsync(20);
      expect(toHex(await p)).toMatch(/9000$/);
      const slow = c.transmit(SELECT_SSSE, { timeoutMs: 10 });
      const check = expect(slow).rejects.toMatchObject({ kind: 'mute' });
      await vi.advanceTimersByTimeAsync(10);
      await check;
    });

    it('rejects malformed faults', () => {
      const d = new VirtualReaderDriver({ readers: ['R'] });
      expect(() => d.setFault('R', { kind: 'vanish', after: -1 })).toThrow(/after/);
      expect(() => d.setFault('R', { kind: 'short-response', bytes: 2 as 0 })).toThrow(/bytes/);
    });
  });

  it('close() is idempotent, waits for the in-flight APDU, and refuses later transmits', async () => {
    vi.useFakeTimers();
    const d = new VirtualReaderDriver({ readers: ['R'] });
    d.insertCard('R', ssseLikeCard({ label: 'a', cardNumber: '1' }));
    d.setLatency('R', 30);
    const c = await d.connect('R');
    const p = c.transmit(SELECT_SSSE);
    const closing = c.close();
    let closed = false;
    void closing.then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(29);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(toHex(await p)).toMatch(/9000$/);
    await closing;
    expect(closed).toBe(true);
    await c.close();
    await expect(c.transmit(SELECT_SSSE)).rejects.toMatchObject({ name: 'ReaderError', kind: 'transport' });
    await d.close();
    await expect(d.listReaders()).rejects.toBeInstanceOf(ReaderError);
  });
});

describe('transmitOf', () => {
  it('runs transceive directly on an emulated card (T=0 included)', async () => {
    const t = transmitOf(ssseLikeCard({ label: 't0', cardNumber: 'D00000004', protocol: 'T0' }), { powerOn: true });
    const ef05 = await readEf05(t);
    expect(Buffer.from(fromHex(ef05.get(0x07)!)).toString('ascii')).toBe('D00000004');
  });

  it('turns a short answer into CardError short-response', async () => {
    const card = { atr: new Uint8Array(2), protocol: 'T1' as const, label: 'mute', powerOn() {}, powerOff() {}, transmit: () => Uint8Array.of(0x90) };
    await expect(transmitOf(card)(SELECT_SSSE)).rejects.toMatchObject({ kind: 'short-response' });
  });
});

describe('VirtualScanner', () => {
  it('delivers presented codes in order, counts what a full queue dropped, and ends on close', async () => {
    const s = new VirtualScanner('window', 2);
    const statuses: string[] = [];
    s.onStatus((st) => statuses.push(st));
    for (const t of ['A', 'B', 'C']) s.present(t);
    await s.close();
    const got: string[] = [];
    for await (const p of s) got.push(`${p.source}:${p.text}`);
    expect(got).toEqual(['window:B', 'window:C']);
    expect(s.stats()).toEqual({ payloads: 3, dropped: { 'queue-full': 1 }, reconnects: 0 });
    expect(statuses).toEqual(['open', 'closed']);
  });
});
