/**
 * Serial QR scanners (RS-232, or USB in CDC-ACM / virtual COM mode) through `serialport`. The scanner
 * sends each code framed by its configured prefix/suffix (commonly just CR); framing, inter-byte
 * timeout and text decoding are src/scanner's. Unplugging is a normal event: the driver reports
 * "disconnected" and, when reconnectIntervalMs > 0, reopens the same path until it returns (a USB
 * scanner re-enumerates as the same /dev/serial/by-id/… link); otherwise iteration ends with a
 * ReaderError.
 */
import { SerialPort } from 'serialport';
import { serialBinding } from './hangup-aware-binding';
import { ReaderError } from '../../src/core/errors';
import type { FramingOptions } from '../../src/scanner/framing';
import { StreamScanner } from '../../src/scanner/stream-scanner';
import type { PayloadEncoding } from '../../src/scanner/text';
import type { Scanner } from '../../src/scanner/types';

export interface SerialScannerOptions {
  /** Device path: prefer /dev/serial/by-id/… (stable across re-plugging). */
  path: string;
  name?: string;
  baudRate?: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
  framing?: Partial<FramingOptions>;
  encoding?: PayloadEncoding;
  /** 0 = no reconnection (iteration ends when the device goes); else retry every N ms. */
  reconnectIntervalMs?: number;
  queueCapacity?: number;
  monotonic?: () => number;
}

function openPort(o: SerialScannerOptions): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    // SerialPort's own options win over its default binding (serialport 13: `{ binding: Detected, ...options }`).
    const port = new SerialPort({ binding: serialBinding(), path: o.path, baudRate: o.baudRate ?? 9600, dataBits: o.dataBits ?? 8, parity: o.parity ?? 'none', stopBits: o.stopBits ?? 1, autoOpen: false, hupcl: false } as ConstructorParameters<typeof SerialPort>[0]);
    port.open((err) => (err ? reject(err) : resolve(port)));
  });
}

export async function openSerialScanner(o: SerialScannerOptions): Promise<Scanner> {
  const name = o.name ?? `serial:${o.path}`;
  let port: SerialPort | undefined;
  let closing = false;
  let retry: NodeJS.Timeout | undefined;

  const scanner = new StreamScanner({
    name,
    kind: 'serial',
    framing: o.framing,
    encoding: o.encoding,
    queueCapacity: o.queueCapacity,
    monotonic: o.monotonic,
    release: async () => {
      closing = true;
      if (retry) clearTimeout(retry);
      const p = port;
      port = undefined;
      if (p?.isOpen) await new Promise<void>((r) => p.close(() => r()));
    },
  });

  const attach = (p: SerialPort): void => {
    port = p;
    p.on('data', (chunk: Buffer) => scanner.feed(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    // 'error' without a close is a transient driver error (e.g. a parity error): count it, keep going.
    p.on('error', () => scanner.drop('port-error'));
    const gone = (why: string): void => {
      if (closing || port !== p) return;
      port = undefined;
      if (p.isOpen) p.close(() => undefined);
      scanner.status('disconnected', why);
      if ((o.reconnectIntervalMs ?? 0) > 0) scheduleReconnect();
      else scanner.fail(new ReaderError('reader-gone', `scanner ${name} vanished (${why}); not reconnecting (reconnectIntervalMs = 0)`, name));
    };
    p.on('close', (err?: Error & { disconnected?: boolean }) => gone(err?.message ?? 'port closed'));
    // A hung-up tty (unplugged USB-serial, killed pty master) may read as end-of-file rather than an
    // error (Linux: hung_up_tty_read returns 0); serialport then ends the stream without closing it.
    p.on('end', () => gone('device hung up (end of stream)'));
  };

  const scheduleReconnect = (): void => {
    scanner.status('reconnecting', o.path);
    retry = setTimeout(async () => {
      retry = undefined;
      if (closing) return;
      try {
        const p = await openPort(o);
        if (closing) {
          p.close();
          return;
        }
        attach(p);
        scanner.status('open', 'reconnected');
      } catch {
        scheduleReconnect();
      }
    }, o.reconnectIntervalMs);
  };

  try {
    attach(await openPort(o));
  } catch (e) {
    throw new ReaderError('no-reader', `cannot open scanner ${name} at ${o.path}: ${e instanceof Error ? e.message : String(e)}`, name, { cause: e });
  }
  scanner.status('open');
  return scanner;
}
