/**
 * HID QR scanners: keyboard-wedge mode (the scanner is a USB keyboard that types the code) and HID POS
 * mode (usage page 0x8C: the code arrives as report data). The device is anything with node-hid's
 * event interface (device.ts); `open` is called again after an unplug when reconnectIntervalMs > 0.
 */
import { ReaderError } from '../../src/core/errors';
import type { FramingOptions } from '../../src/scanner/framing';
import { StreamScanner } from '../../src/scanner/stream-scanner';
import type { PayloadEncoding } from '../../src/scanner/text';
import type { Scanner } from '../../src/scanner/types';
import { openNodeHid, type HidDeviceLike, type HidDeviceSelector } from './device';
import { KeyboardDecoder, type KeyboardLayout } from './keyboard';
import { POS_LAYOUTS, PosReportDecoder, type PosLayoutName, type PosReportLayout } from './pos';

export type HidScannerMode = { mode: 'keyboard'; layout?: KeyboardLayout; reportId?: number } | { mode: 'pos'; layout?: PosLayoutName | PosReportLayout };

export interface HidScannerOptions {
  name?: string;
  /** How to (re)open the device. Default: node-hid with `select`. */
  open?: () => Promise<HidDeviceLike>;
  select?: HidDeviceSelector;
  decode: HidScannerMode;
  /** Keyboard mode: framing of the typed characters (suffix CR = the Enter key by default). HID POS frames itself. */
  framing?: Partial<FramingOptions>;
  /** Text encoding of HID POS data (keyboard mode always yields UTF-8). */
  encoding?: PayloadEncoding;
  reconnectIntervalMs?: number;
  queueCapacity?: number;
  monotonic?: () => number;
}

export async function openHidScanner(o: HidScannerOptions): Promise<Scanner> {
  const open = o.open ?? (() => openNodeHid(o.select ?? {}));
  const name = o.name ?? `hid:${o.select?.path ?? `${o.select?.vendorId?.toString(16)}:${o.select?.productId?.toString(16)}`}`;
  const keyboard = o.decode.mode === 'keyboard';
  let device: HidDeviceLike | undefined;
  let closing = false;
  let retry: NodeJS.Timeout | undefined;

  const scanner = new StreamScanner({
    name,
    kind: keyboard ? 'hid-keyboard' : 'hid-pos',
    framing: o.framing,
    encoding: keyboard ? 'utf8' : (o.encoding ?? 'utf8'),
    queueCapacity: o.queueCapacity,
    monotonic: o.monotonic,
    release: async () => {
      closing = true;
      if (retry) clearTimeout(retry);
      const d = device;
      device = undefined;
      if (d) {
        d.removeAllListeners('data');
        await d.close();
      }
    },
  });

  const attach = (d: HidDeviceLike): void => {
    device = d;
    // Fresh decoder state per connection: a half-typed code from before an unplug is forgotten.
    const kb = o.decode.mode === 'keyboard' ? new KeyboardDecoder({ layout: o.decode.layout ?? 'us', reportId: o.decode.reportId }) : undefined;
    const posLayout = o.decode.mode === 'pos' ? (typeof o.decode.layout === 'object' ? o.decode.layout : POS_LAYOUTS[o.decode.layout ?? 'honeywell']) : undefined;
    const pos = posLayout ? new PosReportDecoder(posLayout) : undefined;
    d.on('data', (report: Buffer) => {
      const r = new Uint8Array(report.buffer, report.byteOffset, report.length);
      if (kb) {
        const before = kb.bad;
        const typed = kb.push(r);
        if (kb.bad > before) scanner.drop('bad-report');
        if (typed.length) scanner.feed(typed);
        return;
      }
      const ev = pos!.push(r);
      if (!ev || ev.kind === 'other-report') return;
      if (ev.kind === 'code') scanner.feedFrame(ev.bytes, ev.symbology);
      else scanner.drop(ev.kind);
    });
    d.on('error', (err: Error) => {
      if (closing || device !== d) return;
      device = undefined;
      d.removeAllListeners('data');
      void Promise.resolve()
        .then(() => d.close())
        .catch(() => undefined);
      scanner.status('disconnected', err.message);
      if ((o.reconnectIntervalMs ?? 0) > 0) scheduleReconnect();
      else scanner.fail(new ReaderError('reader-gone', `scanner ${name} vanished (${err.message}); not reconnecting (reconnectIntervalMs = 0)`, name));
    });
  };

  const scheduleReconnect = (): void => {
    scanner.status('reconnecting');
    retry = setTimeout(async () => {
      retry = undefined;
      if (closing) return;
      try {
        const d = await open();
        if (closing) return void (await d.close());
        attach(d);
        scanner.status('open', 'reconnected');
      } catch {
        scheduleReconnect();
      }
    }, o.reconnectIntervalMs);
  };

  try {
    attach(await open());
  } catch (e) {
    throw new ReaderError('no-reader', `cannot open HID scanner ${name}: ${e instanceof Error ? e.message : String(e)}`, name, { cause: e });
  }
  scanner.status('open');
  return scanner;
}

export { KeyboardDecoder, PosReportDecoder, POS_LAYOUTS };
export type { HidDeviceLike, HidDeviceSelector, KeyboardLayout, PosLayoutName, PosReportLayout };
