/**
 * Plugs any EmulatedCard into vsmartcard's vpcd as the virtual ICC, so it is a real card to pcscd (and
 * to every PC/SC client: our driver, scriptor, pcsc_scan).
 *
 * vpcd's protocol (vsmartcard, virtualsmartcard/src/vpcd/vpcd.c; the vicc side is ours): vpcd listens
 * on TCP (35963 for the first slot of the default /etc/reader.conf.d/vpcd, +1 for the second); the
 * vicc connects. Every message both ways is a 2-byte big-endian length, then the payload. vpcd sends:
 *   length 1: 0x00 power off · 0x01 power on · 0x02 reset · 0x04 get ATR (answered with the ATR)
 *   longer:   a command APDU (answered with data ‖ SW)
 * vpcd asks for the ATR at each presence poll (pcscd polls ≈ every 0.4 s), so a card is "present"
 * while the connection answers. Insertion = opening the connection, removal = closing it.
 *
 * Sockets: we write length and payload in one segment, with TCP_NODELAY. vpcd (Debian bookworm's
 * 3.3) writes them separately, which costs ≈ 44 ms per APDU unless pcscd runs with the TCP_NODELAY
 * shim (harness/tcp-nodelay-shim.c).
 *
 * This is test and demo equipment: vpcd listens on all interfaces and must never run on a production
 * terminal.
 */
import { connect, type Socket } from 'node:net';
import type { EmulatedCard } from '../../src/emulator/types';

export const VPCD_DEFAULT_PORT = 35963;
const MSG_POWER_OFF = 0x00;
const MSG_POWER_ON = 0x01;
const MSG_RESET = 0x02;
const MSG_GET_ATR = 0x04;

export interface VpcdBridgeOptions {
  port?: number;
  host?: string;
  /** Reconnect while a card is inserted and the link drops (pcscd restarted). Default true. */
  reconnect?: boolean;
  /** Delay between reconnection attempts (ms). Default 100. */
  reconnectDelayMs?: number;
}

export interface VpcdBridgeStats {
  apdus: number;
  atrRequests: number;
  powerOns: number;
  connects: number;
}

/** What to do with the next command APDU that arrives: answer it, or die without answering. */
type KillPlan = { after: number; executes: boolean } | undefined;

export class VpcdBridge {
  readonly port: number;
  readonly host: string;
  private socket: Socket | undefined;
  private current: EmulatedCard | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private kill: KillPlan;
  private silence: { after: number } | undefined;
  private silent = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly reconnect: boolean;
  private readonly reconnectDelayMs: number;
  private onConnected: Array<() => void> = [];
  readonly stats: VpcdBridgeStats = { apdus: 0, atrRequests: 0, powerOns: 0, connects: 0 };
  /** Every command APDU received, with the answer sent (undefined when the card died on it). */
  readonly log: Array<{ command: Uint8Array; response?: Uint8Array }> = [];

  constructor(opts: VpcdBridgeOptions = {}) {
    this.port = opts.port ?? VPCD_DEFAULT_PORT;
    this.host = opts.host ?? '127.0.0.1';
    this.reconnect = opts.reconnect ?? true;
    this.reconnectDelayMs = opts.reconnectDelayMs ?? 100;
  }

  /** The inserted card, if any. */
  get card(): EmulatedCard | undefined {
    return this.current;
  }

  /** True while the TCP link to vpcd is up. */
  get linked(): boolean {
    return this.socket !== undefined && !this.socket.destroyed && !this.socket.connecting;
  }

  /**
   * Insert a card: open the connection to vpcd. Resolves once connected (pcscd notices the card at
   * its next presence poll, ≈ 0.4 s at most). Keeps reconnecting if vpcd is not there yet.
   */
  insert(card: EmulatedCard): Promise<void> {
    if (this.current) throw new RangeError(`vpcd bridge on port ${this.port} already holds card "${this.current.label}"; remove it first`);
    this.current = card;
    this.kill = undefined;
    this.silence = undefined;
    this.silent = false;
    const linked = new Promise<void>((resolve) => this.onConnected.push(resolve));
    this.open();
    return linked;
  }

  /** Remove the card: close the connection (pcscd notices at its next poll, ≈ 0.4 s at most). */
  async remove(): Promise<void> {
    const card = this.current;
    this.current = undefined;
    this.kill = undefined;
    this.silence = undefined;
    this.silent = false;
    clearTimeout(this.retryTimer);
    this.onConnected = [];
    const s = this.socket;
    this.socket = undefined;
    if (s && !s.destroyed) {
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.destroy();
      });
    }
    card?.powerOff();
  }

  /**
   * Kill the card in the middle of an APDU: after `after` more command APDUs are answered, the next
   * one is received and the connection closed without an answer (card torn out of the field). With
   * `executes`, the card processes that last command first (its state changes; the answer is lost).
   */
  killOnApdu(opts: { after?: number; executes?: boolean } = {}): void {
    if (!this.current) throw new RangeError(`vpcd bridge on port ${this.port}: no card to kill`);
    this.kill = { after: opts.after ?? 0, executes: opts.executes ?? false };
  }

  /**
   * The card goes silent: after `after` more command APDUs are answered, it receives the next one
   * and never answers anything again (nor vpcd's ATR polls) while the connection stays open. Ends
   * with remove().
   */
  silenceOnApdu(opts: { after?: number } = {}): void {
    if (!this.current) throw new RangeError(`vpcd bridge on port ${this.port}: no card to silence`);
    this.silence = { after: opts.after ?? 0 };
  }

  /** Remove the card and stop reconnecting. */
  close(): Promise<void> {
    return this.remove();
  }

  private open(): void {
    const card = this.current;
    if (!card) return;
    const s = connect({ host: this.host, port: this.port, noDelay: true });
    this.socket = s;
    this.buffer = Buffer.alloc(0);
    s.on('connect', () => {
      this.stats.connects++;
      const waiting = this.onConnected;
      this.onConnected = [];
      for (const w of waiting) w();
    });
    s.on('data', (chunk: Buffer) => this.onData(s, chunk));
    s.on('error', () => {
      /* handled on close */
    });
    s.on('close', () => {
      if (this.socket !== s) return; // removed on purpose, or replaced
      this.socket = undefined;
      if (this.current && this.reconnect) {
        this.retryTimer = setTimeout(() => this.open(), this.reconnectDelayMs);
      }
    });
  }

  private onData(s: Socket, chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 2) {
      const len = this.buffer.readUInt16BE(0); // ≤ 65535: a frame is bounded by its 2-byte length
      if (this.buffer.length < 2 + len) return;
      const msg = this.buffer.subarray(2, 2 + len);
      this.buffer = this.buffer.subarray(2 + len);
      if (!this.handle(s, new Uint8Array(msg))) return;
    }
  }

  /** Returns false when the connection was closed (killed card). */
  private handle(s: Socket, msg: Uint8Array): boolean {
    const card = this.current;
    if (!card || this.socket !== s) return false;
    if (this.silent) return true;
    if (msg.length === 1) {
      switch (msg[0]) {
        case MSG_POWER_OFF:
          card.powerOff();
          return true;
        case MSG_POWER_ON:
        case MSG_RESET:
          this.stats.powerOns++;
          card.powerOn();
          return true;
        case MSG_GET_ATR:
          this.stats.atrRequests++;
          this.send(s, card.atr);
          return true;
        default:
          return true; // unknown control byte: vpcd expects no answer
      }
    }
    if (msg.length === 0) return true;
    this.stats.apdus++;
    if (this.silence) {
      if (this.silence.after > 0) this.silence.after--;
      else {
        this.silent = true;
        this.log.push({ command: msg.slice() });
        return true;
      }
    }
    const kill = this.kill;
    if (kill) {
      if (kill.after > 0) kill.after--;
      else {
        if (kill.executes) card.transmit(msg.slice());
        this.log.push({ command: msg.slice() });
        this.kill = undefined;
        this.current = undefined;
        this.socket = undefined;
        clearTimeout(this.retryTimer);
        s.destroy();
        card.powerOff();
        return false;
      }
    }
    const response = card.transmit(msg.slice());
    this.log.push({ command: msg.slice(), response: response.slice() });
    this.send(s, response);
    return true;
  }

  private send(s: Socket, payload: Uint8Array): void {
    const frame = Buffer.allocUnsafe(2 + payload.length);
    frame.writeUInt16BE(payload.length, 0);
    frame.set(payload, 2);
    s.write(frame);
  }
}
