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
 * Threads: the socket, the framing and the ATR answers live in a worker thread (vpcd-link.mjs, one for
 * all bridges of the process); only command APDUs and power control come to this thread, where the
 * card lives. Why: pcscd's presence poll holds the reader's lock while vpcd waits (blocking recv, no
 * timeout) for the ATR, and the PC/SC client makes some calls synchronously on the JS thread
 * (SCardDisconnect and SCardReleaseContext in the smartcard addon), which pcscd serialises behind that
 * lock. With the ATR answered from this thread, a disconnect issued while a poll was in flight waited
 * for the poll, the poll for the ATR, the ATR for this thread: a deadlock that froze the whole test
 * process (seen ≈ 1 run in 3 of the pcsc stack tests). Command APDUs only ever arrive under an
 * SCardTransmit, which the addon runs off the JS thread. What remains: a synchronous call on a reader
 * while another connection in this process has an APDU in flight on the same reader still waits on
 * that APDU — the driver never does that on one connection (apdu-channel.ts); don't do it across two.
 *
 * Sockets: we write length and payload in one segment, with TCP_NODELAY. vpcd (Debian bookworm's
 * 3.3) writes them separately, which costs ≈ 44 ms per APDU unless pcscd runs with the TCP_NODELAY
 * shim (harness/tcp-nodelay-shim.c).
 *
 * This is test and demo equipment: vpcd listens on all interfaces and must never run on a production
 * terminal.
 */
import { Worker } from 'node:worker_threads';
import type { EmulatedCard } from '../../src/emulator/types';

export const VPCD_DEFAULT_PORT = 35963;

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

/** Messages from the link worker (vpcd-link.mjs). */
type LinkEvent =
  | { t: 'connected' | 'closed' | 'atr'; id: number; gen: number }
  | { t: 'power'; id: number; gen: number; on: boolean }
  | { t: 'apdu'; id: number; gen: number; seq: number; data: Uint8Array }
  | { t: 'removed'; id: number };

/** The one link worker of this process, shared by all bridges; referenced only while a card is in. */
class LinkWorker {
  private worker: Worker | undefined;
  private readonly bridges = new Map<number, (e: LinkEvent) => void>();
  private nextId = 1;
  private active = new Set<number>();

  register(onEvent: (e: LinkEvent) => void): number {
    const id = this.nextId++;
    this.bridges.set(id, onEvent);
    return id;
  }

  post(msg: { t: string; id: number } & Record<string, unknown>, transfer: ArrayBuffer[] = []): void {
    const w = this.start();
    // Referenced while a card is in, and while a removal waits for its 'removed' (else the process
    // could exit under an awaited bridge.close()).
    if (msg.t === 'insert' || msg.t === 'remove') this.active.add(msg.id);
    if (msg.t === 'kill') this.active.delete(msg.id);
    this.refresh();
    w.postMessage(msg, transfer);
  }

  private refresh(): void {
    if (this.active.size > 0) this.worker?.ref();
    else this.worker?.unref();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./vpcd-link.mjs', import.meta.url));
    w.on('message', (e: LinkEvent) => {
      if (e.t === 'removed') {
        this.active.delete(e.id);
        this.refresh();
      }
      this.bridges.get(e.id)?.(e);
    });
    w.on('error', (e) => {
      // A bug in the link itself: every bridge loses its card (tests fail on missing events).
      process.stderr.write(`vpcd link worker failed: ${e.stack ?? e.message}\n`);
      this.worker = undefined;
      this.active.clear();
    });
    w.unref();
    this.worker = w;
    return w;
  }
}

let links: LinkWorker | undefined;

export class VpcdBridge {
  readonly port: number;
  readonly host: string;
  private current: EmulatedCard | undefined;
  /** Incremented at every insert: events of an earlier card's connection are ignored. */
  private gen = 0;
  private isLinked = false;
  private kill: KillPlan;
  private silence: { after: number } | undefined;
  private readonly reconnect: boolean;
  private readonly reconnectDelayMs: number;
  private onConnected: Array<() => void> = [];
  private onRemoved: Array<() => void> = [];
  private readonly links: LinkWorker;
  private readonly id: number;
  readonly stats: VpcdBridgeStats = { apdus: 0, atrRequests: 0, powerOns: 0, connects: 0 };
  /** Every command APDU received, with the answer sent (undefined when the card died on it). */
  readonly log: Array<{ command: Uint8Array; response?: Uint8Array }> = [];

  constructor(opts: VpcdBridgeOptions = {}) {
    this.port = opts.port ?? VPCD_DEFAULT_PORT;
    this.host = opts.host ?? '127.0.0.1';
    this.reconnect = opts.reconnect ?? true;
    this.reconnectDelayMs = opts.reconnectDelayMs ?? 100;
    this.links = links ??= new LinkWorker();
    this.id = this.links.register((e) => this.onEvent(e));
  }

  /** The inserted card, if any. */
  get card(): EmulatedCard | undefined {
    return this.current;
  }

  /** True while the TCP link to vpcd is up. */
  get linked(): boolean {
    return this.isLinked;
  }

  /** Insert a card: connect to vpcd (resolves once connected; pcscd notices at its next poll). */
  insert(card: EmulatedCard): Promise<void> {
    if (this.current) throw new RangeError(`vpcd bridge on port ${this.port} already holds card "${this.current.label}"; remove it first`);
    this.current = card;
    this.kill = undefined;
    this.silence = undefined;
    this.gen++;
    this.isLinked = false;
    const linked = new Promise<void>((resolve) => this.onConnected.push(resolve));
    this.links.post({
      t: 'insert',
      id: this.id,
      gen: this.gen,
      host: this.host,
      port: this.port,
      atr: new Uint8Array(card.atr),
      reconnect: this.reconnect,
      reconnectDelayMs: this.reconnectDelayMs,
    });
    return linked;
  }

  /** Remove the card: close the connection (pcscd notices at its next poll, ≈ 0.4 s at most). */
  async remove(): Promise<void> {
    const card = this.current;
    this.current = undefined;
    this.kill = undefined;
    this.silence = undefined;
    this.onConnected = [];
    this.gen++;
    this.isLinked = false;
    if (card) {
      const removed = new Promise<void>((resolve) => this.onRemoved.push(resolve));
      this.links.post({ t: 'remove', id: this.id });
      await removed;
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

  private onEvent(e: LinkEvent): void {
    if (e.t === 'removed') {
      for (const r of this.onRemoved.splice(0)) r();
      return;
    }
    if (e.gen !== this.gen) return; // an earlier card's connection
    const card = this.current;
    switch (e.t) {
      case 'connected': {
        this.isLinked = true;
        this.stats.connects++;
        for (const w of this.onConnected.splice(0)) w();
        return;
      }
      case 'closed':
        this.isLinked = false;
        return;
      case 'atr':
        this.stats.atrRequests++;
        return;
      case 'power':
        if (!card) return;
        if (e.on) {
          this.stats.powerOns++;
          card.powerOn();
        } else card.powerOff();
        return;
      case 'apdu':
        if (card) this.command(card, e.seq, e.data);
        return;
    }
  }

  /** A command APDU from vpcd: answer it, or let the card go silent or die on it. */
  private command(card: EmulatedCard, seq: number, msg: Uint8Array): void {
    const reply = { id: this.id, gen: this.gen, seq };
    this.stats.apdus++;
    if (this.silence) {
      if (this.silence.after > 0) this.silence.after--;
      else {
        this.log.push({ command: msg.slice() });
        this.links.post({ t: 'silent', ...reply });
        return;
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
        this.isLinked = false;
        this.links.post({ t: 'kill', ...reply });
        card.powerOff();
        return;
      }
    }
    const response = card.transmit(msg.slice());
    this.log.push({ command: msg.slice(), response: response.slice() });
    const data = new Uint8Array(response); // a copy with its own buffer, which we hand over
    this.links.post({ t: 'answer', ...reply, data }, [data.buffer]);
  }
}
