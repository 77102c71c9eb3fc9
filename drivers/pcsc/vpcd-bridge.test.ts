/**
 * The vpcd bridge's framing and controls against a TCP server that speaks vpcd's side of the protocol
 * (2-byte big-endian length, 1-byte control messages, APDUs). The real vpcd is exercised by
 * pcsc-driver.stack.test.ts; this checks the byte level in-process, fast.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../apdu/hex';
import { ssseLikeCard } from '../common/test-cards';
import { VpcdBridge } from './vpcd-bridge';

/** vpcd's side: accepts the vicc, sends frames, collects answers. */
class FakeVpcd {
  server: Server;
  socket: Socket | undefined;
  private buf = Buffer.alloc(0);
  private waiting: Array<(b: Buffer) => void> = [];
  private frames: Buffer[] = [];
  connected: Promise<void>;
  closed = false;

  constructor() {
    let onConn!: () => void;
    this.connected = new Promise((r) => (onConn = r));
    this.server = createServer((s) => {
      this.socket = s;
      s.setNoDelay(true);
      s.on('data', (d: Buffer) => {
        this.buf = Buffer.concat([this.buf, d]);
        while (this.buf.length >= 2 && this.buf.length >= 2 + this.buf.readUInt16BE(0)) {
          const f = this.buf.subarray(2, 2 + this.buf.readUInt16BE(0));
          this.buf = this.buf.subarray(2 + f.length);
          const w = this.waiting.shift();
          if (w) w(f);
          else this.frames.push(f);
        }
      });
      s.on('close', () => (this.closed = true));
      onConn();
    });
  }

  listen(): Promise<number> {
    return new Promise((r) => this.server.listen(0, '127.0.0.1', () => r((this.server.address() as { port: number }).port)));
  }

  /** vpcd writes length and payload separately: so do we, to check reassembly. */
  send(payload: Uint8Array): void {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(payload.length);
    this.socket!.write(len);
    this.socket!.write(payload);
  }

  next(): Promise<Buffer> {
    const f = this.frames.shift();
    return f ? Promise.resolve(f) : new Promise((r) => this.waiting.push(r));
  }

  close(): Promise<void> {
    this.socket?.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const SELECT = fromHex('00A404000F7378312E73682EC9E7BBE1B1A3D5CF00');
let vpcd: FakeVpcd | undefined;
let bridge: VpcdBridge | undefined;

afterEach(async () => {
  await bridge?.close();
  await vpcd?.close();
  vpcd = bridge = undefined;
});

describe('VpcdBridge', () => {
  it('answers get-ATR and APDUs, handles power control without answering', async () => {
    vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    bridge = new VpcdBridge({ port });
    const card = ssseLikeCard({ label: 'a', cardNumber: 'A00000001' });
    await bridge.insert(card);
    await vpcd.connected;
    vpcd.send(Uint8Array.of(0x04));
    expect(toHex(await vpcd.next())).toBe(toHex(card.atr));
    vpcd.send(Uint8Array.of(0x01)); // power on: no answer
    vpcd.send(SELECT);
    expect(toHex(await vpcd.next())).toMatch(/^6F.*9000$/);
    vpcd.send(Uint8Array.of(0x00)); // power off
    vpcd.send(Uint8Array.of(0x02)); // reset
    vpcd.send(fromHex('00B2072C00'));
    // the reset cleared the selection: EF05 (SFI 5) is not under the MF
    expect(toHex(await vpcd.next())).toBe('6A82');
    expect(bridge.stats).toMatchObject({ apdus: 2, atrRequests: 1, powerOns: 2 });
    expect(bridge.log.map((l) => toHex(l.command))).toEqual([toHex(SELECT), '00B2072C00']);
  });

  it('killOnApdu closes the connection on the next command without answering (after N answered)', async () => {
    vpcd = new FakeVpcd();
    bridge = new VpcdBridge({ port: await vpcd.listen() });
    await bridge.insert(ssseLikeCard({ label: 'a', cardNumber: '1' }));
    await vpcd.connected;
    bridge.killOnApdu({ after: 1 });
    vpcd.send(SELECT);
    expect(toHex(await vpcd.next())).toMatch(/9000$/);
    vpcd.send(SELECT);
    await new Promise<void>((r) => vpcd!.socket!.once('close', () => r()));
    expect(bridge.card).toBeUndefined();
    expect(bridge.log.at(-1)!.response).toBeUndefined();
  });

  it('reconnects while a card is inserted when vpcd drops the link (pcscd restart)', async () => {
    vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    bridge = new VpcdBridge({ port, reconnectDelayMs: 10 });
    await bridge.insert(ssseLikeCard({ label: 'a', cardNumber: '1' }));
    await vpcd.connected;
    await vpcd.close();
    const again = new FakeVpcd();
    vpcd = again;
    await new Promise<void>((r) => again.server.listen(port, '127.0.0.1', () => r()));
    await again.connected;
    again.send(Uint8Array.of(0x04));
    expect((await again.next()).length).toBeGreaterThan(2);
    expect(bridge.stats.connects).toBe(2);
  });

  it('refuses a second card and reassembles a maximal 65535-byte frame', async () => {
    vpcd = new FakeVpcd();
    bridge = new VpcdBridge({ port: await vpcd.listen(), reconnect: false });
    await bridge.insert(ssseLikeCard({ label: 'a', cardNumber: '1' }));
    expect(() => bridge!.insert(ssseLikeCard({ label: 'b', cardNumber: '2' }))).toThrow(/already holds/);
    await vpcd.connected;
    vpcd.socket!.write(Uint8Array.of(0xff, 0xff));
    vpcd.socket!.write(new Uint8Array(70_000));
    // 0xFFFF = 65535: the bridge waits for the whole frame and answers it (6700: not an APDU);
    // the zero bytes after it are empty frames, ignored.
    expect(toHex(await vpcd.next())).toBe('6700');
  });
});
