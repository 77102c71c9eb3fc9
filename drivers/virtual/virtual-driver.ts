/**
 * An in-process ReaderDriver (src/reader/types.ts): readers and cards are objects in this process.
 * Used for the terminal's embedded default (an emulated reader with an emulated card) and for fast
 * tests. Like node-serialport's mock binding, it implements the real interface plus test controls:
 * add/remove readers, insert/remove cards, inject faults and latency, inspect the exchanges.
 *
 * Semantics follow the PC/SC driver where a test could tell the difference: a connection belongs to
 * one insertion of a card (a swapped card never receives the old connection's APDUs); transmits are
 * serialised, each with its own deadline; a silent card wedges its connection; an answer shorter than
 * 2 bytes is a CardError; subscribe() replays the current state (reader-added, card-inserted) first.
 */
import { CardError, ReaderError, type Exchange } from '../../src/core/errors';
import type { EmulatedCard } from '../../src/emulator/types';
import type { CardConnection, ConnectOptions, ReaderDriver, ReaderEvent, ReaderInfo, ReaderInterfaceKind, TransmitOptions } from '../../src/reader/types';
import { ApduChannel } from '../common/apdu-channel';
import { checkFault, type VirtualFault } from './faults';

export interface VirtualDriverOptions {
  /** Default per-APDU deadline (ms). Default 3000, like the reader config. */
  apduTimeoutMs?: number;
  /** Readers present from the start. */
  readers?: Array<string | { name: string; interface?: ReaderInterfaceKind }>;
}

export interface AddReaderOptions {
  interface?: ReaderInterfaceKind;
}

interface Slot {
  name: string;
  interface: ReaderInterfaceKind;
  card: EmulatedCard | undefined;
  /** Bumped at every insertion and removal: a connection belongs to one insertion. */
  generation: number;
  fault: VirtualFault | undefined;
  faultCount: number;
  latencyMs: number;
  exchanges: Exchange[];
  connections: Set<VirtualConnection>;
  /** Silent sends waiting for the card to leave (or the driver to close). */
  hanging: Set<(e: Error) => void>;
}

export class VirtualReaderDriver implements ReaderDriver {
  readonly kind = 'virtual';
  private readonly slots = new Map<string, Slot>();
  private readonly listeners = new Set<(e: ReaderEvent) => void>();
  private readonly apduTimeoutMs: number;
  private closed = false;

  constructor(opts: VirtualDriverOptions = {}) {
    this.apduTimeoutMs = opts.apduTimeoutMs ?? 3000;
    if (!Number.isFinite(this.apduTimeoutMs) || this.apduTimeoutMs <= 0) {
      throw new RangeError(`apduTimeoutMs: expected a positive number, got ${this.apduTimeoutMs}`);
    }
    for (const r of opts.readers ?? []) {
      if (typeof r === 'string') this.addReader(r);
      else this.addReader(r.name, { interface: r.interface });
    }
  }

  // --- ReaderDriver -------------------------------------------------------------------------------

  async listReaders(): Promise<ReaderInfo[]> {
    this.assertOpen();
    return [...this.slots.values()].map(info);
  }

  subscribe(listener: (event: ReaderEvent) => void): () => void {
    this.assertOpen();
    // Replay the current state, then live events (the PC/SC watcher does the same on start).
    for (const s of this.slots.values()) {
      listener({ type: 'reader-added', reader: info(s) });
      if (s.card) listener({ type: 'card-inserted', reader: s.name, atr: s.card.atr.slice() });
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async connect(reader: string, opts: ConnectOptions = {}): Promise<CardConnection> {
    this.assertOpen();
    const slot = this.slot(reader);
    const card = slot.card;
    if (!card) throw new ReaderError('no-card', `no card in reader "${reader}"; present a card`, reader);
    const share = opts.share ?? 'shared';
    const open = [...slot.connections].filter((c) => !c.isClosed && c.generation === slot.generation);
    if (open.some((c) => c.share === 'exclusive') || (share === 'exclusive' && open.length > 0)) {
      throw new ReaderError('sharing-violation', `the card in "${reader}" is in use by another connection${share === 'exclusive' ? '; exclusive access refused' : ' (exclusive)'}`, reader);
    }
    if (opts.protocols && !opts.protocols.includes(card.protocol)) {
      throw new ReaderError('transport', `the card in "${reader}" speaks ${card.protocol === 'T0' ? 'T=0' : 'T=1'}, the connection asked for ${opts.protocols.join('/')}`, reader);
    }
    const conn = new VirtualConnection(this, slot, slot.generation, card, share, this.apduTimeoutMs);
    slot.connections.add(conn);
    return conn;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closing: Promise<void>[] = [];
    for (const s of this.slots.values()) {
      this.endHangs(s, new ReaderError('transport', `the virtual reader driver was closed`, s.name));
      for (const c of s.connections) closing.push(c.close());
    }
    this.listeners.clear();
    await Promise.all(closing);
  }

  // --- test controls ------------------------------------------------------------------------------

  addReader(name: string, opts: AddReaderOptions = {}): void {
    if (this.slots.has(name)) throw new RangeError(`reader "${name}" already exists`);
    const slot: Slot = {
      name,
      interface: opts.interface ?? 'contact',
      card: undefined,
      generation: 0,
      fault: undefined,
      faultCount: 0,
      latencyMs: 0,
      exchanges: [],
      connections: new Set(),
      hanging: new Set(),
    };
    this.slots.set(name, slot);
    this.emit({ type: 'reader-added', reader: info(slot) });
  }

  removeReader(name: string): void {
    const slot = this.slot(name);
    if (slot.card) this.removeCard(name);
    this.slots.delete(name);
    this.emit({ type: 'reader-removed', reader: name });
  }

  /** Put a card in the reader (or in its field): it is reset (powerOn) and 'card-inserted' fires. */
  insertCard(reader: string, card: EmulatedCard): void {
    const slot = this.slot(reader);
    if (slot.card) throw new RangeError(`reader "${reader}" already holds card "${slot.card.label}"; remove it first`);
    card.powerOn();
    slot.card = card;
    slot.generation++;
    slot.faultCount = 0;
    this.emit({ type: 'card-inserted', reader, atr: card.atr.slice() });
  }

  /** Take the card out: open connections fail with CardError 'removed'. Returns false if it was empty. */
  removeCard(reader: string): boolean {
    const slot = this.slot(reader);
    const card = slot.card;
    if (!card) return false;
    slot.card = undefined;
    slot.generation++;
    card.powerOff();
    this.endHangs(slot, removedError(reader));
    this.emit({ type: 'card-removed', reader });
    return true;
  }

  /** Inject a fault on the reader's next APDUs (see faults.ts), or clear it with undefined. */
  setFault(reader: string, fault: VirtualFault | undefined): void {
    const slot = this.slot(reader);
    slot.fault = fault ? checkFault(fault) : undefined;
    slot.faultCount = 0;
  }

  /** A fixed delay before each answer (a slow card or a long contactless exchange). */
  setLatency(reader: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency: expected ms >= 0, got ${ms}`);
    this.slot(reader).latencyMs = ms;
  }

  /** The card in the reader, if any. */
  cardIn(reader: string): EmulatedCard | undefined {
    return this.slot(reader).card;
  }

  /** Every exchange the card answered in this reader, oldest first (faulted APDUs included). */
  exchanges(reader: string): readonly Exchange[] {
    return this.slot(reader).exchanges;
  }

  lastCommand(reader: string): Uint8Array | undefined {
    const ex = this.slot(reader).exchanges;
    return ex[ex.length - 1]?.command;
  }

  // --- internals used by VirtualConnection --------------------------------------------------------

  /** The raw exchange with faults applied. Throws CardError 'removed' if the card left. */
  async rawSend(slot: Slot, generation: number, card: EmulatedCard, command: Uint8Array): Promise<Uint8Array> {
    if (slot.latencyMs > 0) await new Promise((r) => setTimeout(r, slot.latencyMs));
    if (slot.generation !== generation || slot.card !== card) throw removedError(slot.name);
    const cmd = command.slice();
    const fault = slot.fault;
    const n = slot.faultCount++;
    if (fault && n >= (fault.after ?? 0)) {
      const response = fault.executes ? card.transmit(cmd).slice() : new Uint8Array(0);
      if (fault.executes) slot.exchanges.push({ command: cmd, response });
      switch (fault.kind) {
        case 'silent':
          return new Promise<Uint8Array>((_, reject) => {
            slot.hanging.add(reject);
          });
        case 'vanish':
          slot.fault = undefined;
          this.removeCard(slot.name);
          throw removedError(slot.name);
        case 'short-response':
          return response.subarray(0, fault.bytes);
      }
    }
    const response = card.transmit(cmd).slice();
    slot.exchanges.push({ command: cmd, response });
    return response;
  }

  private endHangs(slot: Slot, error: Error): void {
    for (const reject of slot.hanging) reject(error);
    slot.hanging.clear();
  }

  private emit(event: ReaderEvent): void {
    for (const l of [...this.listeners]) l(event);
  }

  private slot(name: string): Slot {
    const s = this.slots.get(name);
    if (!s) {
      const known = [...this.slots.keys()].map((k) => `"${k}"`).join(', ') || 'none';
      throw new ReaderError('no-reader', `no reader named "${name}" (readers: ${known})`, name);
    }
    return s;
  }

  private assertOpen(): void {
    if (this.closed) throw new ReaderError('transport', 'the virtual reader driver is closed');
  }
}

class VirtualConnection implements CardConnection {
  readonly reader: string;
  readonly atr: Uint8Array;
  readonly protocol: 'T0' | 'T1';
  private readonly channel: ApduChannel;

  constructor(
    driver: VirtualReaderDriver,
    slot: Slot,
    readonly generation: number,
    card: EmulatedCard,
    readonly share: 'shared' | 'exclusive',
    apduTimeoutMs: number,
  ) {
    this.reader = slot.name;
    this.atr = card.atr.slice();
    this.protocol = card.protocol;
    this.channel = new ApduChannel({
      reader: slot.name,
      apduTimeoutMs,
      send: (cmd) => driver.rawSend(slot, generation, card, cmd),
      release: () => {
        slot.connections.delete(this);
      },
    });
  }

  get isClosed(): boolean {
    return this.channel.isClosed;
  }

  transmit(command: Uint8Array, opts?: TransmitOptions): Promise<Uint8Array> {
    return this.channel.transmit(command, opts);
  }

  close(): Promise<void> {
    return this.channel.close();
  }
}

function info(s: Slot): ReaderInfo {
  return s.card ? { name: s.name, interface: s.interface, cardPresent: true, atr: s.card.atr.slice() } : { name: s.name, interface: s.interface, cardPresent: false };
}

function removedError(reader: string): CardError {
  return new CardError('removed', `the card was removed from reader "${reader}"`);
}
