/**
 * The maintenance page's data: what the runtime reports (MaintenanceSource, plain data) plus what the
 * display knows (its current view, recent decisions). Every string is scrubbed for ID numbers and
 * PANs before it leaves the process; recent decisions carry masked identifiers only.
 */
import { scrubText } from '../log/detect';
import type { ProfileName } from '../runtime/events';
import type { RecentDecision } from './hub';
import type { DisplayView } from './view';

export type DeviceKind = 'reader' | 'scanner' | 'sam' | 'relay' | 'printer' | (string & {});
/** ready/card-present/busy count as "up" (ykt_device_up = 1); absent/error/disabled as down. */
export type DeviceState = 'ready' | 'card-present' | 'busy' | 'absent' | 'error' | 'disabled';

export interface DeviceStatus {
  /** Reader or scanner name as the operator knows it ("ACS ACR1252 01 00", "scanner-1"). */
  name: string;
  kind: DeviceKind;
  state: DeviceState;
  /** Operator-facing detail ("vanished; retrying (3)"). */
  detail?: string;
  /** Since when in this state, epoch ms. */
  sinceMs?: number;
  driver?: string;
}

/**
 * One downloaded artefact (hotlist, fare parameters, CAPK, e-code trust list, revocations). The shape
 * of downloads/store.ts ArtefactStatus fits as is (`store.statusAll()`).
 */
export interface ArtefactInfo {
  kind: string;
  /** Version in force, null if none. */
  version: number | null;
  /** Publisher time, epoch ms (age counts from here). */
  created?: number | null;
  appliedAt?: number | null;
  expires?: number | null;
  /** now − created; computed from `created` when absent. */
  ageMs?: number | null;
  maxAgeMs?: number;
  stale?: boolean;
  problem?: string | null;
  detail?: string;
}

export interface SyncInfo {
  atMs: number;
  ok: boolean;
  /** "uploaded 120 records", "backend unreachable: ECONNREFUSED". */
  detail?: string;
  sent?: number;
}

export interface MaintenanceSnapshot {
  terminalId: string;
  softwareVersion: string;
  profile?: ProfileName;
  startedAtMs?: number;
  devices: DeviceStatus[];
  artefacts: ArtefactInfo[];
  /** Journal records not yet acknowledged by the backend (journal.syncPosition().unsent). */
  unsentRecords: number;
  oldestUnsentAtMs?: number | null;
  lastSync: SyncInfo | null;
  journal?: { inService: boolean; message?: string };
}

/** Implemented by the runtime; called on each maintenance page refresh and each /metrics scrape. */
export interface MaintenanceSource {
  snapshot(): MaintenanceSnapshot | Promise<MaintenanceSnapshot>;
}

export interface MaintenanceData extends MaintenanceSnapshot {
  nowMs: number;
  refreshMs: number;
  display: { kind: DisplayView['kind']; seq: number; sinceMs: number; headline: DisplayView['headline']; clients: number };
  recentDecisions: RecentDecision[];
  /** Set when the source failed: the page shows what it can. */
  sourceError?: string;
}

/** Deep copy with every string scrubbed (ID numbers, PANs) and the artefact ages filled in. */
export function normaliseSnapshot(s: MaintenanceSnapshot, nowMs: number): MaintenanceSnapshot {
  const out = scrubDeep(s) as MaintenanceSnapshot;
  out.artefacts = out.artefacts.map((a) => ({ ...a, ageMs: a.ageMs ?? (typeof a.created === 'number' ? Math.max(0, nowMs - a.created) : null) }));
  return out;
}

function scrubDeep(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return scrubText(v);
  if (typeof v === 'bigint') return Number(v);
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.slice(0, 1000).map((x) => scrubDeep(x, depth + 1));
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) o[k] = scrubDeep(x, depth + 1);
  return o;
}

export const EMPTY_SNAPSHOT: MaintenanceSnapshot = { terminalId: 'unknown', softwareVersion: 'unknown', devices: [], artefacts: [], unsentRecords: 0, lastSync: null };
