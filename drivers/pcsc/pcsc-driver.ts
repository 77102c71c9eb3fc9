/**
 * ReaderDriver over PC/SC (pcscd) through the optional `smartcard` addon, loaded lazily on first use.
 * Contact and contactless readers, several at once, T=0 and T=1, shared mode by default.
 *
 * Hazards handled (issue 2, all seen on pcscd + vpcd):
 *  - a dying card can "succeed" with 0 bytes → CardError 'short-response' (common/apdu-channel.ts);
 *  - a silent card never answers → a deadline per APDU (CardError 'mute'), and the connection is
 *    wedged so no second native call piles up behind the first;
 *  - native calls run on libuv's pool → see threadpool.ts for sizing;
 *  - never disconnect while a transmit is in flight → the disconnect waits for the native call;
 *  - pcscd restarts → the watcher re-creates its context with backoff, emits an 'error' event and
 *    the readers leaving, then the readers and cards again; the driver's own context is re-created
 *    on the next call;
 *  - pcscd reports a removed card as present until its next presence poll (≈ 0.44 s on vpcd) → after
 *    a card failed as removed, its reader counts as empty for removalGraceMs or until pcscd reports a
 *    change ("tombstone").
 * SCardConnect has a deadline too (a card that never answers its reset); a connect that completes
 * after its deadline is disconnected at once.
 */
import { CardError, ReaderError } from '../../src/core/errors';
import { systemClock, type Clock } from '../../src/core/clock';
import { guessInterface, type CardConnection, type CardProtocol, type ConnectOptions, type ReaderDriver, type ReaderEvent, type ReaderInfo, type ReaderInterfaceKind, type TransmitOptions } from '../../src/reader/types';
import { ApduChannel } from '../common/apdu-channel';
import { readerConfigDefaults, readerSelected, type ReaderConfig } from '../config';
import { loadPcscAddon, type NativeCard, type NativeContext, type NativeReader, type PcscAddon } from './addon';
import { isServiceLoss, mapPcscError } from './errors';
import { isCardPresent, PcscWatcher, type ReaderSnapshot } from './watcher';

/** Largest answer we accept: an extended-length response (65536 data bytes + SW). */
const MAX_RECV = 65_538;

export interface PcscDriverOptions {
  config?: Partial<ReaderConfig>;
  clock?: Clock;
}

interface Tombstone {
  since: number;
  /** pcsc-lite's card event counter (upper 16 bits of the state) when the card failed. */
  counter: number | undefined;
}

export class PcscReaderDriver implements ReaderDriver {
  readonly kind = 'pcsc';
  private readonly cfg: ReaderConfig;
  private readonly clock: Clock;
  private addonP: Promise<PcscAddon> | undefined;
  private loaded: PcscAddon | undefined;
  private ctx: NativeContext | undefined;
  private watcher: PcscWatcher | undefined;
  private watcherStarting: Promise<void> | undefined;
  private readonly listeners = new Set<(e: ReaderEvent) => void>();
  private readonly tombstones = new Map<string, Tombstone>();
  private readonly connections = new Set<PcscConnection>();
  private closed = false;

  constructor(opts: PcscDriverOptions = {}) {
    this.cfg = { ...readerConfigDefaults, ...opts.config, watch: { ...readerConfigDefaults.watch, ...opts.config?.watch } };
    this.clock = opts.clock ?? systemClock;
  }

  private addon(): Promise<PcscAddon> {
    this.addonP ??= loadPcscAddon().then(
      (a) => (this.loaded = a),
      (e: unknown) => {
        this.addonP = undefined;
        throw e;
      },
    );
    return this.addonP;
  }

  // --- ReaderDriver -------------------------------------------------------------------------------

  async listReaders(): Promise<ReaderInfo[]> {
    this.assertOpen();
    const addon = await this.addon();
    const readers = this.withContext(addon, 'list', (ctx) => ctx.listReaders());
    for (const r of readers) this.onState(addon, { name: r.name, state: r.state, atr: undefined });
    return readers.filter((r) => readerSelected(r.name, this.cfg)).map((r) => this.info(addon, r.name, r.state, r.atr));
  }

  subscribe(listener: (event: ReaderEvent) => void): () => void {
    this.assertOpen();
    if (this.watcher) {
      // Late subscriber: replay what the watcher knows.
      for (const k of this.watcher.known.values()) {
        const info = this.info(this.loaded!, k.name, k.state, k.atr ? Buffer.from(k.atr) : null);
        listener({ type: 'reader-added', reader: info });
        if (info.cardPresent) listener({ type: 'card-inserted', reader: k.name, atr: info.atr ?? new Uint8Array(0) });
      }
    }
    this.listeners.add(listener);
    this.startWatcher();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.stopWatcher();
    };
  }

  async connect(reader: string, opts: ConnectOptions = {}): Promise<CardConnection> {
    this.assertOpen();
    const addon = await this.addon();
    if (!readerSelected(reader, this.cfg)) throw new ReaderError('no-reader', `reader "${reader}" is excluded by the configuration (reader.include/exclude)`, reader);
    const native = this.withContext(addon, 'connect', (ctx) => ctx.listReaders()).find((r) => r.name === reader);
    if (!native) throw new ReaderError('no-reader', `no reader named "${reader}"; connected readers: ${this.names(addon)}`, reader);
    this.onState(addon, { name: reader, state: native.state, atr: undefined });
    if (this.tombstoned(reader)) {
      throw new ReaderError('no-card', `the card in "${reader}" was just removed (pcscd has not noticed yet); present a card`, reader);
    }
    if ((native.state & addon.SCARD_STATE_PRESENT) === 0) throw new ReaderError('no-card', `no card in reader "${reader}"; present a card`, reader);
    const share = (opts.share ?? this.cfg.share) === 'exclusive' ? addon.SCARD_SHARE_EXCLUSIVE : addon.SCARD_SHARE_SHARED;
    const wanted = opts.protocols ?? ['T0', 'T1'];
    const protocols = wanted.reduce((m, p) => m | (p === 'T0' ? addon.SCARD_PROTOCOL_T0 : addon.SCARD_PROTOCOL_T1), 0);
    const card = await this.connectWithDeadline(native, share, protocols, reader);
    const protocol: CardProtocol = card.protocol === addon.SCARD_PROTOCOL_T0 ? 'T0' : 'T1';
    const atr = new Uint8Array(card.atr ?? native.atr ?? new Uint8Array(0));
    const conn = new PcscConnection(reader, atr, protocol, card, native.state >>> 16, this);
    this.connections.add(conn);
    return conn;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.stopWatcher();
    await Promise.all([...this.connections].map((c) => c.close()));
    try {
      this.ctx?.close();
    } catch {
      /* already dead */
    }
    this.ctx = undefined;
  }

  // --- used by PcscConnection ---------------------------------------------------------------------

  get apduTimeoutMs(): number {
    return this.cfg.apduTimeoutMs;
  }

  get closeGraceMs(): number {
    return this.cfg.closeGraceMs;
  }

  get leaveCard(): number | undefined {
    return this.loaded?.SCARD_LEAVE_CARD;
  }

  /** A transmit found the card gone: treat the reader as empty until pcscd catches up. */
  markRemoved(reader: string, counter: number | undefined): void {
    this.tombstones.set(reader, { since: this.clock.monotonic(), counter });
  }

  forget(conn: PcscConnection): void {
    this.connections.delete(conn);
  }

  // --- internals ----------------------------------------------------------------------------------

  private startWatcher(): void {
    if (this.watcher || this.watcherStarting) return;
    this.watcherStarting = this.addon().then(
      (addon) => {
        this.watcherStarting = undefined;
        if (this.closed || this.listeners.size === 0 || this.watcher) return;
        this.watcher = new PcscWatcher(addon, {
          ...this.cfg.watch,
          selected: (name) => readerSelected(name, this.cfg),
          onState: (s) => this.onState(addon, s),
          emit: (e) => this.emit(this.decorate(addon, e)),
        });
        this.watcher.start();
      },
      (e: unknown) => {
        this.watcherStarting = undefined;
        this.emit({ type: 'error', error: e instanceof ReaderError ? e : mapPcscError(e, 'watch') as ReaderError });
      },
    );
  }

  private async stopWatcher(): Promise<void> {
    await this.watcherStarting;
    const w = this.watcher;
    this.watcher = undefined;
    await w?.stop();
  }

  private onState(addon: PcscAddon, s: ReaderSnapshot): void {
    const t = this.tombstones.get(s.name);
    if (!t) return;
    const present = (s.state & addon.SCARD_STATE_PRESENT) !== 0;
    if (!present || (t.counter !== undefined && s.state >>> 16 !== t.counter)) this.tombstones.delete(s.name);
  }

  private decorate(addon: PcscAddon, e: ReaderEvent): ReaderEvent {
    if (e.type !== 'reader-added') return e;
    const k = this.watcher?.known.get(e.reader.name);
    return { type: 'reader-added', reader: this.info(addon, e.reader.name, k?.state ?? 0, k?.atr ? Buffer.from(k.atr) : null) };
  }

  private emit(e: ReaderEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // A listener's bug must not kill the watcher loop.
      }
    }
  }

  private tombstoned(reader: string): boolean {
    const t = this.tombstones.get(reader);
    if (!t) return false;
    if (this.clock.monotonic() - t.since >= this.cfg.removalGraceMs) {
      this.tombstones.delete(reader);
      return false;
    }
    return true;
  }

  private info(addon: PcscAddon, name: string, state: number, atr: Buffer | Uint8Array | null | undefined): ReaderInfo {
    const present = isCardPresent(addon, state) && !this.tombstoned(name);
    const base = { name, interface: this.interfaceOf(name), cardPresent: present };
    return present && atr && atr.length > 0 ? { ...base, atr: new Uint8Array(atr) } : base;
  }

  private interfaceOf(name: string): ReaderInterfaceKind {
    const n = name.toLowerCase();
    const hit = this.cfg.interfaces.find((i) => n.includes(i.match.toLowerCase()));
    return hit ? hit.interface : guessInterface(name);
  }

  private names(addon: PcscAddon): string {
    try {
      const list = this.withContext(addon, 'list', (ctx) => ctx.listReaders()).map((r) => `"${r.name}"`);
      return list.join(', ') || 'none';
    } catch {
      return 'unknown';
    }
  }

  /** Run a synchronous call on the driver's context; after a pcscd restart, re-create it once. */
  private withContext<T>(addon: PcscAddon, op: 'list' | 'connect', fn: (ctx: NativeContext) => T): T {
    for (let attempt = 0; ; attempt++) {
      try {
        this.ctx ??= new addon.Context();
        return fn(this.ctx);
      } catch (e) {
        const dead = this.ctx;
        this.ctx = undefined;
        try {
          dead?.close();
        } catch {
          /* dead already */
        }
        if (attempt === 0 && isServiceLoss(e)) continue;
        throw mapPcscError(e, op === 'list' ? 'list' : 'context');
      }
    }
  }

  private connectWithDeadline(native: NativeReader, share: number, protocols: number, reader: string): Promise<NativeCard> {
    const ms = this.cfg.apduTimeoutMs;
    return new Promise<NativeCard>((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(new ReaderError('timeout', `connecting to the card in "${reader}" took longer than ${ms} ms (the card does not answer its reset?)`, reader));
      }, ms);
      native.connect(share, protocols).then(
        (card) => {
          clearTimeout(timer);
          if (!late) return resolve(card);
          try {
            card.disconnect(this.loaded?.SCARD_LEAVE_CARD);
          } catch {
            /* the card is gone */
          }
        },
        (e: unknown) => {
          clearTimeout(timer);
          if (!late) reject(mapPcscError(e, 'connect', reader));
        },
      );
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new ReaderError('transport', 'the PC/SC reader driver is closed');
  }
}

class PcscConnection implements CardConnection {
  private readonly channel: ApduChannel;

  constructor(
    readonly reader: string,
    readonly atr: Uint8Array,
    readonly protocol: CardProtocol,
    card: NativeCard,
    counter: number,
    driver: PcscReaderDriver,
  ) {
    this.channel = new ApduChannel({
      reader,
      apduTimeoutMs: driver.apduTimeoutMs,
      closeGraceMs: driver.closeGraceMs,
      send: async (command) => {
        let raw: Buffer;
        try {
          raw = await card.transmit(Buffer.from(command.buffer, command.byteOffset, command.byteLength), { maxRecvLength: MAX_RECV });
        } catch (e) {
          const err = mapPcscError(e, 'transmit', reader);
          if (err instanceof CardError) driver.markRemoved(reader, counter);
          throw err;
        }
        // 0/1 bytes: a dying card (pcscd + vpcd: a card killed mid-APDU "succeeds" with 0 bytes).
        if (raw.length < 2) driver.markRemoved(reader, counter);
        return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength).slice();
      },
      release: () => {
        driver.forget(this);
        card.disconnect(driver.leaveCard);
      },
    });
  }

  transmit(command: Uint8Array, opts?: TransmitOptions): Promise<Uint8Array> {
    return this.channel.transmit(command, opts);
  }

  close(): Promise<void> {
    return this.channel.close();
  }
}
