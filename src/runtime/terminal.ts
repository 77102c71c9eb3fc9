/**
 * The terminal: one long-running process. It watches readers and scanners, hands each card or code to
 * the profile, shows only decisions already durable in the journal, drives the outputs (display, gate,
 * metrics, logs), forwards the journal to the clearing backend and applies signed downloads.
 *
 * Concurrency: one transaction per reader (and per scanner) at a time; a card and a code may arrive at
 * once; a stuck reader or scanner only blocks itself. Shutdown stops taking taps, lets the ones in
 * progress finish, then closes everything.
 */
import type { Clock } from '../core/clock';
import { systemClock } from '../core/clock';
import { CardError, ProtocolError, ReaderError, errorMessage } from '../core/errors';
import { decline } from '../core/decision';
import { DisplayHub, startDisplayServer, type DisplayServer, type MaintenanceSnapshot } from '../display';
import { syncArtefacts } from '../downloads/client';
import { JournalUnavailableError } from '../journal';
import type { Logger } from '../log/logger';
import type { ReaderDriver, ReaderEvent } from '../reader/types';
import type { Scanner, ScannerStatus } from '../scanner/types';
import { createSyncer, type Syncer } from '../sync/syncer';
import { httpTransport } from '../sync/transport';
import type { TerminalConfig } from './config';
import type { DecisionEvent, ProfileName, TerminalState } from './events';
import { recordDecision } from './profiles/common';
import { createProfile } from './profiles/index';
import { operatorConsoleOf } from './profiles/pos/operator-console';
import { startOperatorApi, type OperatorApi } from './profiles/pos/operator-api';
import type { OperatorApiConfig } from './profiles/config';
import { SamSlot } from './profiles/transit/sam-slot';
import type { Profile, ProfileResult } from './profiles/types';
import { openScanner } from './scanners';
import { openServices, reloadEcodeLists, SOFTWARE_VERSION, type Services } from './services';
import { Outputs } from './outputs';

export interface TerminalOptions {
  config: TerminalConfig;
  clock?: Clock;
  log?: Logger;
  /** Inject a reader driver (tests, the embedded default); else made from config.reader. */
  driver?: ReaderDriver;
  /** Inject scanners; else opened from config.scanners. */
  scanners?: Scanner[];
  /** Start the sync loop (default: true when sync.backendUrl is reachable config-wise). */
  sync?: boolean;
  /** Poll downloads (default: when downloads.backendUrl is set). */
  downloads?: boolean;
}

type DecisionListener = (ev: DecisionEvent) => void;

interface DeviceInfo {
  kind: 'reader' | 'scanner';
  state: 'ready' | 'card-present' | 'busy' | 'absent' | 'error';
  detail?: string;
  sinceMs: number;
}

export class Terminal {
  readonly startedAtMs: number;
  readyMs = 0;
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly listeners = new Set<DecisionListener>();
  private readonly devices = new Map<string, DeviceInfo>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly abort = new AbortController();
  private stopping = false;
  private unsubscribe: (() => void) | undefined;
  private syncer: Syncer | undefined;
  private lastSync: MaintenanceSnapshot['lastSync'] = null;
  private display: DisplayServer | undefined;
  private scanners: Scanner[] = [];
  private outOfService: string | undefined;
  /** A download poll in progress (stop() waits for it). */
  private polling: Promise<void> | undefined;
  private operator: OperatorApi | undefined;

  private constructor(
    readonly services: Services,
    readonly profile: Profile,
    readonly hub: DisplayHub,
    readonly driver: ReaderDriver,
    private readonly outputs: Outputs,
    private readonly log: Logger,
    private readonly clock: Clock,
    startedAt: number,
    /** The transport PSAM's reader slot, when configured: its card is never a tap. */
    private readonly samSlot: SamSlot | undefined,
  ) {
    this.startedAtMs = startedAt;
  }

  static async start(opts: TerminalOptions): Promise<Terminal> {
    const clock = opts.clock ?? systemClock;
    const t0 = clock.monotonic();
    const startedAt = clock.now();
    const services = await openServices(opts.config, { clock, log: opts.log });
    const log = services.log.child('terminal');
    let t: Terminal | undefined;
    let driver = opts.driver;
    try {
      const samSlot = SamSlot.fromConfig(opts.config); // the transport PSAM's reader slot, when configured
      const profile = createProfile({ services, sam: samSlot?.transmitter }, opts.config.profile);
      const hub = new DisplayHub({ config: opts.config.display, clock, logger: log.child('display') });
      if (!driver) {
        const { createReaderDriver } = await import('../../drivers/create');
        driver = await createReaderDriver(opts.config.reader);
      }
      samSlot?.attach(driver);
      t = new Terminal(services, profile, hub, driver, new Outputs(opts.config.outputs, log.child('outputs')), log, clock, startedAt, samSlot);
      await t.begin(opts);
    } catch (e) {
      // A start that fails part-way releases what it opened (journal, stores, devices, servers).
      if (t) await t.stop().catch(() => {});
      else {
        await driver?.close().catch(() => {});
        await services.close().catch(() => {});
      }
      throw e;
    }
    t.readyMs = clock.monotonic() - t0;
    log.info('ready', { profile: opts.config.profile.kind, terminal: opts.config.terminal.id, readyMs: Math.round(t.readyMs) });
    return t;
  }

  get profileName(): ProfileName {
    return this.profile.name;
  }

  onDecision(l: DecisionListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** The next decision (of `device`, a reader or scanner name, when given): for a script or test that presents a card or code and waits. */
  nextDecision(device?: string): Promise<DecisionEvent> {
    return new Promise((resolve) => {
      const off = this.onDecision((ev) => {
        if (device !== undefined && ev.device !== device) return;
        off();
        resolve(ev);
      });
    });
  }

  private async begin(opts: TerminalOptions): Promise<void> {
    const cfg = this.services.config;
    if (cfg.display.enabled) {
      this.display = await startDisplayServer({ hub: this.hub, maintenance: { snapshot: () => this.snapshot() }, metrics: this.services.metrics, logger: this.log.child('display'), clock: this.clock });
    }
    this.checkService();
    if (!this.outOfService) this.showIdle(true);
    await this.startOperator();

    this.unsubscribe = this.driver.subscribe((e) => this.onReaderEvent(e));

    this.scanners = opts.scanners ?? (await Promise.all(cfg.scanners.map((c) => openScanner(c))));
    for (const sc of this.scanners) this.watchScanner(sc);

    if (opts.sync ?? true) {
      const ks = this.services.keystore;
      this.syncer = createSyncer({
        journal: this.services.journal,
        transport: httpTransport(cfg.sync.backendUrl),
        signer: { terminalId: cfg.terminal.id, keyId: ks.keyId, signingKey: ks.signingKey },
        config: cfg.sync,
        clock: this.clock,
        onProgress: (st) => {
          this.lastSync = { atMs: this.clock.now(), ok: true, detail: `acknowledged through #${st.ackedThrough}`, sent: st.recordsAcked };
        },
      });
      void this.syncer.run(this.abort.signal).catch((e) => this.log.error('sync loop ended', { error: errorMessage(e) }));
    }
    if ((opts.downloads ?? true) && cfg.downloads.backendUrl) {
      const poll = () => {
        if (!this.polling) this.polling = this.pollDownloads().finally(() => (this.polling = undefined));
      };
      poll();
      this.timers.push(setInterval(poll, cfg.downloads.pollIntervalMs));
    }
    if (this.profile.tick) this.timers.push(setInterval(() => void this.profile.tick!().catch((e) => this.log.warn('profile upkeep failed', { error: errorMessage(e) })), 5000));
    for (const t of this.timers) t.unref();
  }

  /**
   * Cashier profiles (hospital, canteen) expose an operator console: its amount changes refresh the idle
   * prompt (not mid-transaction: the result shows the new idle state when its hold ends), its own
   * decisions (refunds) are shown like any other, and it is served on loopback (docs/operator-api.md).
   */
  private async startOperator(): Promise<void> {
    const op = operatorConsoleOf(this.profile);
    if (!op) return;
    op.onEvent((ev) => {
      if (ev.kind === 'decision') this.emit(ev.result, 'operator', this.clock.monotonic());
      else if (this.busy.size === 0) this.refreshIdle();
    });
    const api = (this.services.config.profile as { operatorApi?: OperatorApiConfig }).operatorApi;
    if (api?.enabled) this.operator = await startOperatorApi({ console: op, config: api, dataDir: this.services.config.terminal.dataDir, log: this.log.child('operator') });
  }

  /** The operator API (hospital, canteen): its URL and bearer token. */
  get operatorApi(): OperatorApi | undefined {
    return this.operator;
  }

  /** Fetch and apply signed downloads; reload what depends on them without dropping a tap. */
  async pollDownloads(): Promise<void> {
    const cfg = this.services.config.downloads;
    if (!cfg.backendUrl) return;
    try {
      const r = await syncArtefacts(this.services.artefacts, cfg.kinds, { baseUrl: cfg.backendUrl, timeoutMs: cfg.fetchTimeoutMs });
      if (r.some((x) => x.outcome === 'updated' && (x.kind === 'ecode-trust-list' || x.kind === 'ecode-revocations'))) reloadEcodeLists(this.services);
      for (const x of r) {
        if (x.outcome === 'updated') this.log.info('download applied', { kind: x.kind, from: x.from, to: x.to });
        if (x.error) this.log.warn('download refused or failed', { kind: x.kind, outcome: x.outcome, error: errorMessage(x.error) });
      }
      if (this.busy.size === 0) await this.services.artefacts.maintain();
    } catch (e) {
      this.log.warn('downloads poll failed', { error: errorMessage(e) });
    }
  }

  // --- devices -------------------------------------------------------------------------------------

  private setDevice(name: string, kind: DeviceInfo['kind'], state: DeviceInfo['state'], detail?: string): void {
    this.devices.set(name, { kind, state, detail, sinceMs: this.clock.now() });
  }

  private onReaderEvent(e: ReaderEvent): void {
    switch (e.type) {
      case 'reader-added':
        this.setDevice(e.reader.name, 'reader', e.reader.cardPresent ? 'card-present' : 'ready');
        break;
      case 'reader-removed':
        this.setDevice(e.reader, 'reader', 'absent', 'reader vanished; waiting for it to return');
        break;
      case 'card-removed':
        if (!this.busy.has(e.reader)) this.setDevice(e.reader, 'reader', 'ready');
        break;
      case 'error':
        this.log.warn('reader driver trouble', { error: e.error.message, reader: e.error.reader });
        if (e.error.reader) this.setDevice(e.error.reader, 'reader', 'error', e.error.message);
        break;
      case 'card-inserted': {
        if (this.stopping || this.busy.has(e.reader)) return; // one transaction per reader at a time
        if (this.samSlot?.matches(e.reader)) return;
        this.track(this.handleCard(e.reader, e.atr));
        break;
      }
    }
  }

  private watchScanner(sc: Scanner): void {
    this.setDevice(sc.name, 'scanner', 'ready');
    sc.onStatus((st: ScannerStatus, detail?: string) => this.setDevice(sc.name, 'scanner', st === 'open' ? 'ready' : st === 'closed' ? 'absent' : 'error', detail));
    const loop = async () => {
      for await (const p of sc) {
        if (this.stopping) break;
        await this.handleCode(sc.name, p.text); // one code per scanner at a time
      }
    };
    this.track(loop().catch((e) => this.log.error('scanner ended', { scanner: sc.name, error: errorMessage(e) })));
  }

  private track(p: Promise<void>): void {
    const q = p.catch((e) => this.log.error('transaction aborted', { error: errorMessage(e) }));
    this.inFlight.add(q);
    void q.finally(() => this.inFlight.delete(q));
  }

  // --- transactions --------------------------------------------------------------------------------

  private async handleCard(reader: string, atr: Uint8Array): Promise<void> {
    if (this.refuseWhenOutOfService()) return;
    this.busy.add(reader);
    this.setDevice(reader, 'reader', 'busy');
    const t0 = this.clock.monotonic();
    this.hub.setState({ kind: 'processing', profile: this.profile.name });
    let result: ProfileResult;
    try {
      const conn = await this.driver.connect(reader);
      try {
        result = await this.profile.onCard({ reader, atr, transmit: (c) => conn.transmit(c) });
      } finally {
        await conn.close().catch(() => {});
      }
    } catch (e) {
      result = this.failure(e, 'ssse-card');
    } finally {
      this.busy.delete(reader);
      this.setDevice(reader, 'reader', 'ready');
    }
    this.emit(result, reader, t0);
  }

  private async handleCode(scanner: string, text: string): Promise<void> {
    if (this.stopping || this.refuseWhenOutOfService()) return;
    const key = `scanner:${scanner}`;
    this.busy.add(key);
    const t0 = this.clock.monotonic();
    this.hub.setState({ kind: 'processing', profile: this.profile.name });
    let result: ProfileResult;
    try {
      result = await this.profile.onCode({ text, source: scanner });
    } catch (e) {
      result = this.failure(e, 'ecode');
    } finally {
      this.busy.delete(key);
    }
    this.emit(result, scanner, t0);
  }

  /**
   * An exception from a profile: the card left or failed, or the journal failed. A card failure is a
   * decline recorded like any other; a journal failure puts the terminal out of service (nothing is
   * approved unrecorded) and nothing is shown as decided.
   */
  private failure(e: unknown, source: ProfileResult['source']): ProfileResult {
    if (e instanceof JournalUnavailableError) {
      this.goOutOfService(e.reason ?? 'journal-failed', e.message);
      throw e;
    }
    const reason = e instanceof ReaderError ? 'reader-error' : e instanceof CardError ? (e.kind === 'removed' || e.kind === 'mute' ? 'card-removed' : 'card-error') : e instanceof ProtocolError ? 'card-unreadable' : 'internal-error';
    const message = reason === 'card-removed' ? 'card removed too early: please tap again' : reason === 'internal-error' ? 'something went wrong: please try again' : `card could not be read: ${errorMessage(e)}`;
    if (reason === 'internal-error') this.log.error('profile failed', { error: errorMessage(e), stack: e instanceof Error ? e.stack : undefined });
    const decision = decline(reason, message);
    try {
      const seq = recordDecision(this.services, { decision, payload: { error: errorMessage(e).slice(0, 200) } });
      return { decision, seq, source };
    } catch (je) {
      if (je instanceof JournalUnavailableError) this.goOutOfService(je.reason ?? 'journal-failed', je.message);
      throw je;
    }
  }

  private emit(r: ProfileResult, device: string, t0: number): void {
    const total = this.clock.monotonic() - t0;
    const ev: DecisionEvent = {
      seq: r.seq.toString(),
      atMs: this.clock.now(),
      profile: this.profile.name,
      device,
      source: r.source,
      outcome: r.decision.outcome,
      reason: r.decision.reason,
      message: r.decision.message,
      amountFen: r.amountFen,
      fullAmountFen: r.fullAmountFen,
      concession: r.concession,
      balanceFen: r.balanceFen,
      maskedId: r.maskedId,
      latency: { ...(r.latency ?? {}), total },
    };
    this.hub.setState({ kind: 'result', decision: ev });
    this.showIdle(false);
    this.services.metrics.recordDecision(ev);
    this.log.info('decision', { seq: ev.seq, profile: ev.profile, device, source: ev.source, outcome: ev.outcome, reason: ev.reason, amountFen: ev.amountFen, totalMs: Math.round(total * 100) / 100 });
    if (ev.outcome === 'approved') this.outputs.approved();
    else this.outputs.declined();
    this.syncer?.notify();
    for (const l of this.listeners) l(ev);
  }

  private showIdle(immediate: boolean): void {
    const idle = this.profile.idle();
    const state: TerminalState = { kind: 'idle', profile: this.profile.name, prompt: idle.prompt, amountFen: idle.amountFen };
    this.hub.setState(state, { immediate });
  }

  /** Re-show the idle prompt (e.g. after the operator typed an amount). */
  refreshIdle(): void {
    if (!this.outOfService) this.showIdle(true);
  }

  // --- out of service -----------------------------------------------------------------------------

  private checkService(): void {
    const st = this.services.journal.status();
    if (!st.inService) this.goOutOfService(st.reason ?? 'journal-failed', st.message ?? 'journal unavailable');
  }

  private goOutOfService(reason: string, message: string): void {
    if (this.outOfService) return;
    this.outOfService = reason;
    this.log.error('out of service', { reason, message });
    this.hub.setState({ kind: 'out-of-service', reason });
  }

  private refuseWhenOutOfService(): boolean {
    if (this.outOfService) return true;
    this.checkService();
    return !!this.outOfService;
  }

  get inService(): boolean {
    return !this.outOfService;
  }

  // --- maintenance ---------------------------------------------------------------------------------

  snapshot(): MaintenanceSnapshot {
    const pos = this.services.journal.syncPosition();
    const st = this.services.journal.status();
    return {
      terminalId: this.services.config.terminal.id,
      softwareVersion: SOFTWARE_VERSION,
      profile: this.profile.name,
      startedAtMs: this.startedAtMs,
      devices: [...this.devices].map(([name, d]) => ({ name, kind: d.kind, state: d.state, detail: d.detail, sinceMs: d.sinceMs })),
      artefacts: this.services.artefacts.statusAll().map((a) => ({ ...a, version: a.version ?? null })),
      unsentRecords: Number(pos.unsent),
      lastSync: this.lastSync,
      journal: { inService: st.inService, message: st.message },
    };
  }

  get displayUrl(): string | undefined {
    return this.display?.url;
  }

  // --- shutdown -------------------------------------------------------------------------------------

  /** Graceful stop: no new taps; the ones in progress finish; then everything closes. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.operator?.close().catch(() => {});
    this.unsubscribe?.();
    for (const t of this.timers) clearInterval(t);
    const deadline = this.clock.monotonic() + timeoutMs;
    while (this.busy.size > 0 && this.clock.monotonic() < deadline) await new Promise((r) => setTimeout(r, 10));
    this.abort.abort();
    await this.polling?.catch(() => {});
    await Promise.all(this.scanners.map((s) => s.close().catch(() => {})));
    await this.driver.close().catch(() => {});
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => (grace = setTimeout(r, 1000)))]);
    clearTimeout(grace);
    await this.profile.close?.();
    await this.display?.close();
    this.hub.close();
    await this.services.close();
    this.log.info('stopped');
  }
}
