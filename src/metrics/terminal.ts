/**
 * The terminal's metrics, by name (docs/display.md § Metrics). The runtime calls recordDecision() for
 * every decision and refreshes the device/artefact/sync gauges from its maintenance snapshot (the
 * display server does that before each scrape when it has a MaintenanceSource). Journal figures
 * (ykt_journal_unsent_records, offline exposure, …) come from the journal itself:
 * `registry.addCollector(() => journal.metrics())`.
 */
import type { DecisionEvent } from '../runtime/events';
import { Registry, type Counter, type Gauge, type Histogram } from './registry';

/** Stage latency buckets, seconds: dense around the 0.1–0.3 s a gate must meet (DOMAIN.md §4). */
export const STAGE_BUCKETS_S: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 0.75, 1, 2.5, 5];

/** Plain data the gauges are refreshed from (a MaintenanceSnapshot has this shape and more). */
export interface TerminalGaugeInput {
  devices: readonly { name: string; kind: string; state: string }[];
  artefacts: readonly { kind: string; version: number | null; ageMs?: number | null; stale?: boolean }[];
  lastSync?: { atMs: number; ok: boolean } | null;
}

/** Device states counted as "up" (ready to take a card or a code). */
export const DEVICE_UP_STATES: ReadonlySet<string> = new Set(['ready', 'card-present', 'busy']);

export interface TerminalMetrics {
  readonly registry: Registry;
  readonly decisions: Counter;
  readonly stageLatency: Histogram;
  readonly deviceUp: Gauge;
  readonly artefactAge: Gauge;
  readonly artefactVersion: Gauge;
  readonly artefactStale: Gauge;
  readonly lastSyncTime: Gauge;
  readonly lastSyncOk: Gauge;
  readonly displayClients: Gauge;
  /** Count the decision and observe its per-stage latencies (DecisionEvent.latency, ms). */
  recordDecision(ev: DecisionEvent): void;
  /** Replace the device, artefact and sync gauges with what the snapshot says. */
  updateFrom(input: TerminalGaugeInput): void;
}

export function createTerminalMetrics(registry: Registry = new Registry(), info: { terminalId?: string; softwareVersion?: string } = {}): TerminalMetrics {
  const build = registry.gauge('ykt_build_info', 'Software version and terminal identity (value is always 1)', ['version', 'terminal']);
  build.set({ version: info.softwareVersion ?? 'unknown', terminal: info.terminalId ?? 'unknown' }, 1);

  const decisions = registry.counter('ykt_decisions_total', 'Decisions taken, by profile, outcome and reason code', ['profile', 'outcome', 'reason']);
  const stageLatency = registry.histogram('ykt_stage_latency_seconds', 'Time spent per stage of a transaction (read, decide, journal, total, …)', { labelNames: ['profile', 'stage'], buckets: STAGE_BUCKETS_S });
  const deviceUp = registry.gauge('ykt_device_up', '1 when the reader or scanner is ready, 0 when absent or failed', ['device', 'kind']);
  const artefactAge = registry.gauge('ykt_artefact_age_seconds', 'Age of the downloaded artefact in force, from its publication time', ['kind']);
  const artefactVersion = registry.gauge('ykt_artefact_version', 'Version of the downloaded artefact in force (absent: none)', ['kind']);
  const artefactStale = registry.gauge('ykt_artefact_stale', '1 when the artefact is missing, unusable, too old or expired', ['kind']);
  const lastSyncTime = registry.gauge('ykt_last_sync_timestamp_seconds', 'Time of the last exchange with the clearing backend, epoch seconds');
  const lastSyncOk = registry.gauge('ykt_last_sync_success', '1 when the last exchange with the backend succeeded');
  const displayClients = registry.gauge('ykt_display_clients', 'Customer display pages connected to the event stream');

  return {
    registry,
    decisions,
    stageLatency,
    deviceUp,
    artefactAge,
    artefactVersion,
    artefactStale,
    lastSyncTime,
    lastSyncOk,
    displayClients,
    recordDecision(ev) {
      decisions.inc({ profile: ev.profile, outcome: ev.outcome, reason: ev.reason });
      for (const [stage, ms] of Object.entries(ev.latency)) {
        if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) stageLatency.observe({ profile: ev.profile, stage }, ms / 1000);
      }
    },
    updateFrom(input) {
      deviceUp.reset();
      for (const d of input.devices) deviceUp.set({ device: d.name, kind: d.kind }, DEVICE_UP_STATES.has(d.state) ? 1 : 0);
      artefactAge.reset();
      artefactVersion.reset();
      artefactStale.reset();
      for (const a of input.artefacts) {
        if (a.version !== null) artefactVersion.set({ kind: a.kind }, a.version);
        if (typeof a.ageMs === 'number') artefactAge.set({ kind: a.kind }, Math.max(0, a.ageMs) / 1000);
        artefactStale.set({ kind: a.kind }, a.stale || a.version === null ? 1 : 0);
      }
      lastSyncTime.reset();
      lastSyncOk.reset();
      if (input.lastSync) {
        lastSyncTime.set(undefined, input.lastSync.atMs / 1000);
        lastSyncOk.set(undefined, input.lastSync.ok ? 1 : 0);
      }
    },
  };
}
