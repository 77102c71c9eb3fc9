// Serial scanner over real pseudo-terminals (socat): framing, partial frames, garbage, unplugging.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReaderError } from '../../src/core/errors';
import type { ScanPayload, Scanner, ScannerStatus } from '../../src/scanner/types';
import { makeWorld } from '../../src/ecode/test-world';
import { openSerialScanner } from './index';
import { requireSocat, startPtyPair, type PtyPair } from './socat-pty';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(() => requireSocat());

async function setup(opts: Parameters<typeof openSerialScanner>[0] extends infer O ? Partial<O> : never = {}): Promise<{ pty: PtyPair; scanner: Scanner; next: () => Promise<ScanPayload>; statuses: ScannerStatus[]; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ykt-serial-'));
  const pty = await startPtyPair(join(dir, 'scanner'), join(dir, 'wire'));
  cleanups.push(() => pty.kill());
  const scanner = await openSerialScanner({ path: pty.device, name: 'test-scanner', baudRate: 115200, ...opts });
  cleanups.push(() => scanner.close());
  const statuses: ScannerStatus[] = [];
  scanner.onStatus((s) => statuses.push(s));
  const it = scanner[Symbol.asyncIterator]();
  const next = async () => {
    const r = await it.next();
    if (r.done) throw new Error('scanner ended');
    return r.value;
  };
  return { pty, scanner, next, statuses, dir };
}

function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

describe('serial scanner over a socat pty', () => {
  it('delivers CR-framed codes, several per write and split across writes', async () => {
    const { pty, next } = await setup();
    pty.write('FIRST\rSECOND\r');
    expect((await next()).text).toBe('FIRST');
    expect((await next()).text).toBe('SECOND');
    pty.write('THI');
    pty.write('RD WITH SPACE');
    pty.write('\r\n');
    const p = await next();
    expect(p).toMatchObject({ text: 'THIRD WITH SPACE', source: 'test-scanner', kind: 'serial' });
  });

  it('carries a real e-code that then verifies', async () => {
    const w = makeWorld();
    const v = w.verifier();
    const code = w.phone().code();
    const { pty, next } = await setup();
    // A 331-character code arrives in pieces, as a 9600 baud line would deliver it.
    for (let i = 0; i < code.length; i += 64) pty.write(code.slice(i, i + 64));
    pty.write('\r');
    const p = await next();
    expect(p.text).toBe(code);
    expect(v.verify(p.text, { profile: 'gate', device: p.source }).outcome).toBe('valid');
  });

  it('drops garbage: partial frames cut by silence, bad bytes, frames without the prefix', async () => {
    const { pty, scanner, next } = await setup({ framing: { prefix: new Uint8Array([0x02]), suffix: new Uint8Array([0x0d]), interByteTimeoutMs: 40 } });
    pty.write(Uint8Array.from([0xff, 0xfe, 0x13, 0x02, 0x41, 0x42])); // noise, then a frame that never ends
    await waitFor(() => (scanner.stats().dropped['timeout-partial'] ?? 0) === 1, 'the partial frame to time out');
    pty.write(Uint8Array.from([0x02, 0xc3, 0x28, 0x0d])); // prefix + invalid UTF-8 + CR
    pty.write('no prefix here\r');
    pty.write('junk\x02GOOD\r');
    expect((await next()).text).toBe('GOOD');
    expect(scanner.stats()).toMatchObject({ payloads: 1, dropped: { 'timeout-partial': 1, 'bad-encoding': 1, 'no-prefix': 1, 'garbage-before-prefix': 1 } });
  });

  it('unplugging ends iteration with a ReaderError when not reconnecting', async () => {
    const { pty, next, statuses } = await setup({ reconnectIntervalMs: 0 });
    pty.write('BEFORE\r');
    expect((await next()).text).toBe('BEFORE');
    await pty.kill();
    const err = await next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReaderError);
    expect((err as ReaderError).kind).toBe('reader-gone');
    expect((err as Error).message).toMatch(/test-scanner vanished/);
    expect(statuses).toContain('disconnected');
  });

  it('reconnects when the device comes back at the same path, without losing the next code', async () => {
    const { pty, scanner, next, statuses, dir } = await setup({ reconnectIntervalMs: 30 });
    pty.write('ONE\r');
    expect((await next()).text).toBe('ONE');
    pty.write('HALF-A-CO'); // unplugged mid-code: this fragment must not prefix the next code
    await pty.kill();
    await waitFor(() => statuses.includes('disconnected'), 'disconnected');
    const again = await startPtyPair(join(dir, 'scanner'), join(dir, 'wire'));
    cleanups.push(() => again.kill());
    await waitFor(() => statuses.at(-1) === 'open', 'reconnected');
    again.write('TWO\r');
    expect((await next()).text).toBe('TWO');
    expect(scanner.stats().reconnects).toBe(1);
  });
});
