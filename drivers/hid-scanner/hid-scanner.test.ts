// HID scanners: recorded report streams replayed through node-hid's device interface (no /dev/uhid here).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { ManualClock } from '../../src/core/clock';
import { ReaderError } from '../../src/core/errors';
import type { ScanPayload, Scanner } from '../../src/scanner/types';
import { makeWorld } from '../../src/ecode/test-world';
import { openHidScanner, type HidScannerMode } from './index';
import { KeyboardDecoder } from './keyboard';
import { POS_LAYOUTS, PosReportDecoder } from './pos';
import { formatHidRecording, loadHidRecording, parseHidRecording, RecordedHidDevice } from './recorded-device';
import { keyboardReports, posReports } from './synthesise';

const td = new TextDecoder();
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

async function collect(scanner: Scanner): Promise<{ payloads: ScanPayload[]; error?: unknown }> {
  const payloads: ScanPayload[] = [];
  try {
    for await (const p of scanner) payloads.push(p);
    return { payloads };
  } catch (error) {
    return { payloads, error };
  }
}

async function replay(name: string, decode: HidScannerMode): Promise<{ payloads: ScanPayload[]; error?: unknown; scanner: Scanner; meta: Record<string, string[]> }> {
  const rec = loadHidRecording(fixture(name));
  const clock = new ManualClock();
  const dev = new RecordedHidDevice(rec);
  const scanner = await openHidScanner({ name: 'hid-test', open: async () => dev, decode, monotonic: () => clock.monotonic() });
  const done = collect(scanner);
  dev.play(clock);
  if (!rec.meta['expect-error']) await scanner.close();
  const r = await done;
  return { ...r, scanner, meta: rec.meta };
}

describe('keyboard-wedge decoding (HID Usage Tables §10, hand-written reports)', () => {
  // Reports are written short; the rest of the 8 bytes is zero.
  const type = (reports: number[][], layout: 'us' | 'cn' = 'us') => {
    const d = new KeyboardDecoder({ layout });
    return reports.map((r) => td.decode(d.push(Uint8Array.from([...r, 0, 0, 0, 0, 0, 0, 0, 0].slice(0, 8))))).join('');
  };
  it('letters, Shift, digits and their shifted symbols', () => {
    expect(type([[0, 0, 0x04], [0], [0x02, 0, 0x04], [0], [0x20, 0, 0x1e], [0], [0, 0, 0x27], [0, 0, 0, 0, 0, 0, 0, 0]])).toBe('aA!0');
  });
  it('keys held across reports type once; a second press needs a release', () => {
    expect(type([[0, 0, 0x05], [0, 0, 0x05], [0, 0, 0x05, 0x06], [0, 0, 0], [0, 0, 0x05]])).toBe('bcb');
  });
  it('Enter, Tab, keypad digits, Ctrl+] (GS), and phantom-state reports', () => {
    expect(type([[0, 0, 0x62], [0], [0, 0, 0x59], [0], [0x01, 0, 0x30], [0], [0, 0, 1, 1, 1, 1, 1, 1], [0, 0, 0x2b], [0], [0, 0, 0x28]])).toBe('01\x1d\t\r');
  });
  it('CN layout: Alt + keypad decimal GBK code (Alt+45217 = 0xB0A1 = 啊); US reads Alt codes < 256 as Windows-1252', () => {
    const alt = (digits: string) => [...digits].flatMap((d) => [[0x04, 0, d === '0' ? 0x62 : 0x58 + Number(d)], [0x04, 0, 0]]).concat([[0, 0, 0]]);
    expect(type(alt('45217'), 'cn')).toBe('啊');
    expect(type(alt('0233'), 'us')).toBe('é');
    expect(type(alt('65'), 'us')).toBe('A');
  });
  it('types back any printable ASCII text (property, synthesised reports)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }), (s) => {
        const d = new KeyboardDecoder();
        const typed = keyboardReports(s).map((e) => ('report' in e ? td.decode(d.push(e.report)) : '')).join('');
        expect(typed).toBe(s);
      }),
      { numRuns: 500 },
    );
  });
});

describe('HID POS decoding', () => {
  it('reassembles continued reports and keeps the AIM symbology id (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), (data) => {
        const d = new PosReportDecoder(POS_LAYOUTS.honeywell);
        const evs = posReports(data, POS_LAYOUTS.honeywell).map((e) => ('report' in e ? d.push(e.report) : undefined));
        expect(evs.slice(0, -1).every((e) => e === undefined)).toBe(true);
        expect(evs.at(-1)).toEqual({ kind: 'code', bytes: data, symbology: ']Q1' });
      }),
      { numRuns: 300 },
    );
  });
  it('refuses overruns and bounds the size of a code', () => {
    const d = new PosReportDecoder(POS_LAYOUTS.honeywell, 100);
    expect(d.push(Uint8Array.of(2, 57))).toMatchObject({ kind: 'bad-report' });
    const big = posReports(new Uint8Array(200).fill(0x41), POS_LAYOUTS.honeywell);
    const out = big.map((e) => ('report' in e ? d.push(e.report) : undefined));
    expect(out).toContainEqual({ kind: 'overflow' });
    expect(out.some((e) => e?.kind === 'code')).toBe(false);
  });
});

describe('.hidrec recordings', () => {
  it('round-trip through the text format; bad lines are named', () => {
    const events = [...keyboardReports('A1'), { dtMs: 7, error: 'could not read from HID device' }];
    expect(parseHidRecording(formatHidRecording(events, ['expect: A1']))).toEqual({ events, meta: { expect: ['A1'] } });
    expect(() => parseHidRecording('+1 00 04 0')).toThrow(/line 1: bad hex/);
    expect(() => parseHidRecording('# x\n+1 zz')).toThrow(/line 2: bad hex/);
    expect(() => parseHidRecording('1 0004')).toThrow(/line 1: expected/);
    expect(() => keyboardReports('\u{1F600}', { gbkAltCodes: true })).toThrow(/GBK/);
  });
});

describe('HID scanner driver replaying recordings', () => {
  it('finds every fixture used here', () => {
    expect(readdirSync(new URL('./fixtures/', import.meta.url)).filter((f) => f.endsWith('.hidrec')).sort()).toEqual([
      'cn-keyboard-gbk.hidrec',
      'pos-honeywell-ecode.hidrec',
      'pos-newland-static.hidrec',
      'us-keyboard-ecode.hidrec',
      'us-keyboard-noise-unplug.hidrec',
      'us-keyboard-repeats.hidrec',
    ]);
  });

  it('keyboard wedge, US: the golden e-code, which then verifies', async () => {
    const { payloads, meta } = await replay('us-keyboard-ecode.hidrec', { mode: 'keyboard', layout: 'us' });
    expect(payloads.map((p) => p.text)).toEqual(meta.expect);
    expect(payloads[0]).toMatchObject({ source: 'hid-test', kind: 'hid-keyboard' });
    const w = makeWorld({ deterministic: true });
    const v = w.verifier();
    expect(v.verify(payloads[0]!.text, { profile: 'gate' }).outcome).toBe('valid');
  });

  it('keyboard wedge with a report id: repeats and Caps Lock', async () => {
    const { payloads, meta } = await replay('us-keyboard-repeats.hidrec', { mode: 'keyboard', reportId: 1 });
    expect(payloads.map((p) => p.text)).toEqual(meta.expect);
  });

  it('keyboard wedge, CN: Chinese text through Alt + GBK codes', async () => {
    const { payloads, meta } = await replay('cn-keyboard-gbk.hidrec', { mode: 'keyboard', layout: 'cn' });
    expect(payloads.map((p) => p.text)).toEqual(meta.expect);
  });

  it('noise, a code cut by silence, then unplugged: one good payload, then a ReaderError', async () => {
    const { payloads, error, scanner, meta } = await replay('us-keyboard-noise-unplug.hidrec', { mode: 'keyboard' });
    expect(payloads.map((p) => p.text)).toEqual(meta.expect);
    expect(error).toBeInstanceOf(ReaderError);
    expect((error as ReaderError).kind).toBe('reader-gone');
    expect(scanner.stats().dropped).toMatchObject({ 'bad-report': 1, 'timeout-partial': 1 });
  });

  it('HID POS, Honeywell layout: a code in 6 continued reports, with its AIM id', async () => {
    const { payloads, meta } = await replay('pos-honeywell-ecode.hidrec', { mode: 'pos', layout: 'honeywell' });
    expect(payloads.map((p) => p.text)).toEqual(meta.expect);
    expect(payloads[0]).toMatchObject({ kind: 'hid-pos', symbology: ']Q1' });
  });

  it('HID POS, Newland layout: other reports ignored, an overrunning report dropped', async () => {
    const { payloads, scanner, meta } = await replay('pos-newland-static.hidrec', { mode: 'pos', layout: 'newland' });
    expect(payloads.map((p) => p.text)).toEqual(meta.expect);
    expect(scanner.stats().dropped).toMatchObject({ 'bad-report': 1 });
  });

  it('reconnects after an unplug when configured, forgetting the half-typed code', async () => {
    const clock = new ManualClock();
    const first = new RecordedHidDevice(loadHidRecording(fixture('us-keyboard-noise-unplug.hidrec')));
    const second = new RecordedHidDevice({ events: keyboardReports('AFTER\r'), meta: {} });
    const devices = [first, second];
    const scanner = await openHidScanner({ name: 'hid-test', open: async () => devices.shift()!, decode: { mode: 'keyboard' }, reconnectIntervalMs: 5, monotonic: () => clock.monotonic() });
    const statuses: string[] = [];
    const reconnected = new Promise<void>((r) => scanner.onStatus((s, d) => (statuses.push(s), s === 'open' && d === 'reconnected' && r())));
    const it = scanner[Symbol.asyncIterator]();
    first.play(clock);
    expect((await it.next()).value.text).toBe('GOOD');
    await reconnected;
    second.play(clock);
    expect((await it.next()).value.text).toBe('AFTER');
    expect(statuses).toEqual(['disconnected', 'reconnecting', 'open']);
    expect(first.closed).toBe(true);
    await scanner.close();
    expect(second.closed).toBe(true);
  });
});
