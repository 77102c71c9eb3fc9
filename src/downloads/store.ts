/**
 * The terminal's artefact store: verifies signed artefacts and puts them in force atomically.
 *
 * State lives in one SQLite database (WAL, synchronous=FULL): one row per kind with the version in
 * force, the signed header and either the payload itself or a pointer to a sink's files (the hotlist).
 * The row is the single switch point:
 *   - versions never go backwards: an artefact older than the row is refused ('rollback'), across
 *     restarts, even when the local copy became corrupt (a full artefact of at least that version
 *     repairs it);
 *   - applying is atomic: a sink writes its new files under fresh names and fsyncs them, then ONE
 *     transaction switches version + pointer, then the old files are deleted. Killed at any moment, the
 *     terminal restarts on either the old version or the new one (apply-crash.stack.test.ts).
 * Applies are serialised; lookups keep using the old value until the commit.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../core/clock';
import { errorMessage } from '../core/errors';
import { artefactHeaderSchema, MAX_HEADER_BYTES, MAX_SIGNATURES, parseEnvelope, sha256Hex, type ArtefactHeader } from './envelope';
import { ArtefactRefused, DownloadStoreError } from './errors';
import type { ArtefactKindSpec, ArtefactRegistry } from './registry';
import { verifySignatures, type TrustPolicy } from './trust';

export type ApplyStage = 'verified' | 'prepared' | 'committed';

export interface ArtefactStoreOptions {
  /** Directory for downloads.db (and sinks' files, which they place themselves). */
  dir: string;
  registry: ArtefactRegistry;
  trust: TrustPolicy;
  clock?: Clock;
  /** downloads.clockSkewMs */
  clockSkewMs?: number;
  /** downloads.maxAgeMs: per-kind overrides of the module's default maximum age. */
  maxAgeMs?: Record<string, number>;
  /** Test hook, awaited at each stage of an apply (the crash test kills the process there). */
  onStage?: (stage: ApplyStage, kind: string, version: number) => void | Promise<void>;
}

export interface ApplyResult {
  kind: string;
  version: number;
  /** Set when the artefact was a delta. */
  base?: number;
  /** Version in force before (null: none). */
  previous: number | null;
  /** 'unchanged': this version is already in force (a harmless repeat). */
  outcome: 'applied' | 'unchanged';
  keyIds: string[];
}

export interface InForce<T> {
  kind: string;
  version: number;
  header: ArtefactHeader;
  keyIds: string[];
  appliedAt: number;
  /** What the kind's validator (or sink) returned. */
  value: T;
  /** The full payload, for kinds stored in SQLite. */
  payload?: Uint8Array;
}

export type ArtefactProblem = 'missing' | 'corrupt' | 'untrusted' | 'unknown-kind';

export interface ArtefactStatus {
  kind: string;
  /** Version in force (even when corrupt: it is the floor for anti-rollback), null if never applied. */
  version: number | null;
  created: number | null;
  expires: number | null;
  appliedAt: number | null;
  /** now − created (the publisher's time), null if none. */
  ageMs: number | null;
  /** Effective maximum age: min(config or module default, the artefact's own maxAgeMs). */
  maxAgeMs: number;
  expired: boolean;
  /** True when the profile's stale policy must apply: missing, unusable, too old or expired. */
  stale: boolean;
  problem: ArtefactProblem | null;
  detail?: string;
}

export interface ApplyLogEntry {
  at: number;
  kind: string | null;
  version: number | null;
  base: number | null;
  outcome: 'applied' | 'unchanged' | 'refused';
  reason: string | null;
  message: string | null;
}

interface Row {
  kind: string;
  version: number;
  header: string;
  key_ids: string;
  applied_at: number;
  payload: Buffer | null;
  payload_sha256: string | null;
  pointer: string | null;
}

interface Slot {
  row: Row;
  header: ArtefactHeader;
  keyIds: string[];
  value?: unknown;
  payload?: Uint8Array;
  problem?: { code: ArtefactProblem; detail: string };
}

const LOG_KEEP = 1000;

const SCHEMA = [
  `CREATE TABLE artefact (
     kind TEXT PRIMARY KEY,
     version INTEGER NOT NULL,
     header TEXT NOT NULL,
     key_ids TEXT NOT NULL,
     applied_at INTEGER NOT NULL,
     payload BLOB,
     payload_sha256 TEXT,
     pointer TEXT
   ) STRICT`,
  `CREATE TABLE apply_log (
     id INTEGER PRIMARY KEY,
     at INTEGER NOT NULL,
     kind TEXT,
     version INTEGER,
     base INTEGER,
     outcome TEXT NOT NULL,
     reason TEXT,
     message TEXT
   ) STRICT`,
];

export class ArtefactStore {
  private readonly slots = new Map<string, Slot>();
  private chain: Promise<unknown> = Promise.resolve();
  private readonly clock: Clock;

  private constructor(
    private readonly db: Database.Database,
    private readonly opts: ArtefactStoreOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Open (or create) the store in opts.dir. Throws DownloadStoreError('corrupt') if the database is damaged. */
  static open(opts: ArtefactStoreOptions): ArtefactStore {
    mkdirSync(opts.dir, { recursive: true });
    const file = join(opts.dir, 'downloads.db');
    let db: Database.Database;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`quick_check: ${String(check)}`);
      const v = db.pragma('user_version', { simple: true }) as number;
      if (v === 0) {
        db.transaction(() => {
          for (const s of SCHEMA) db.exec(s);
          db.pragma('user_version = 1');
        })();
      } else if (v !== 1) throw new Error(`schema version ${v} is newer than this software (1)`);
    } catch (e) {
      throw new DownloadStoreError(
        'corrupt',
        `download store ${file} cannot be used (${errorMessage(e)}): move it aside and restart; the terminal will fetch full artefacts again (the rollback floor restarts from them)`,
        { cause: e },
      );
    }
    const store = new ArtefactStore(db, opts);
    store.loadAll();
    return store;
  }

  private loadAll(): void {
    const rows = this.db.prepare('SELECT * FROM artefact').all() as Row[];
    for (const row of rows) this.slots.set(row.kind, this.loadSlot(row));
    for (const kind of this.opts.registry.kinds()) {
      const sink = this.opts.registry.get(kind)!.sink;
      if (sink) sink.cleanup(this.slots.get(kind)?.row.pointer ?? undefined);
    }
  }

  private loadSlot(row: Row): Slot {
    let header: ArtefactHeader;
    try {
      header = artefactHeaderSchema.parse(JSON.parse(row.header));
    } catch (e) {
      return { row, header: undefined as unknown as ArtefactHeader, keyIds: [], problem: { code: 'corrupt', detail: `stored header unreadable: ${errorMessage(e)}` } };
    }
    const keyIds = String(row.key_ids).split(',').filter(Boolean);
    const slot: Slot = { row, header, keyIds };
    const spec = this.opts.registry.get(row.kind);
    if (!spec) {
      slot.problem = { code: 'unknown-kind', detail: `no module registered "${row.kind}" in this build` };
      return slot;
    }
    if (!keyIds.some((id) => this.opts.trust.keys.some((k) => k.keyId === id))) {
      slot.problem = { code: 'untrusted', detail: `signed by ${keyIds.join(', ')}, none of which is in downloads.publisherKeys any more` };
      return slot;
    }
    try {
      if (spec.sink) {
        if (!row.pointer) throw new Error('no pointer to the content');
        slot.value = spec.sink.load(row.pointer, header);
      } else {
        if (!row.payload) throw new Error('no payload');
        const payload = new Uint8Array(row.payload);
        if (sha256Hex(payload) !== row.payload_sha256) throw new Error('stored payload SHA-256 mismatch');
        slot.payload = payload;
        slot.value = spec.validate(payload, fullHeader(header));
      }
    } catch (e) {
      slot.problem = { code: 'corrupt', detail: errorMessage(e) };
    }
    return slot;
  }

  /**
   * Verify an artefact and put it in force. Resolves with what happened; rejects with ArtefactRefused
   * (and nothing changes) when any rule fails; DownloadStoreError on local I/O failure.
   */
  apply(bytes: Uint8Array): Promise<ApplyResult> {
    const run = this.chain.then(() => this.applyNow(bytes));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async applyNow(bytes: Uint8Array): Promise<ApplyResult> {
    let kind: string | null = null;
    let version: number | null = null;
    let base: number | null = null;
    try {
      const r = await this.applyChecked(bytes, (k, v, b) => {
        kind = k;
        version = v;
        base = b ?? null;
      });
      this.log({ at: this.clock.now(), kind: r.kind, version: r.version, base: r.base ?? null, outcome: r.outcome, reason: null, message: null });
      return r;
    } catch (e) {
      if (e instanceof ArtefactRefused) {
        this.log({ at: this.clock.now(), kind: e.kind ?? kind, version: e.version ?? version, base, outcome: 'refused', reason: e.reason, message: e.message });
      }
      throw e;
    }
  }

  private async applyChecked(bytes: Uint8Array, seen: (kind: string, version: number, base?: number) => void): Promise<ApplyResult> {
    const env = parseEnvelope(bytes);
    const h = env.header;
    seen(h.kind, h.version, h.base);
    const where = `artefact ${h.kind} v${h.version}${h.base !== undefined ? ` (delta on v${h.base})` : ''}`;
    const spec = this.opts.registry.get(h.kind);
    if (!spec) throw new ArtefactRefused('unknown-kind', `${where}: this terminal has no module for kind "${h.kind}"`, h.kind, h.version);
    if (h.payloadLength > spec.maxPayloadBytes) {
      throw new ArtefactRefused('too-large', `${where}: payload of ${h.payloadLength} bytes exceeds the ${spec.maxPayloadBytes} allowed for "${h.kind}"`, h.kind, h.version);
    }
    const now = this.clock.now();
    const keyIds = verifySignatures(env, this.opts.trust, now);
    const skew = this.opts.clockSkewMs ?? 10 * 60_000;
    if (h.created > now + skew) {
      throw new ArtefactRefused('not-yet-valid', `${where}: created ${new Date(h.created).toISOString()}, in the future of this terminal's clock (${new Date(now).toISOString()}) beyond downloads.clockSkewMs; check the terminal clock`, h.kind, h.version);
    }
    if (now > h.expires) throw new ArtefactRefused('expired', `${where}: expired at ${new Date(h.expires).toISOString()}; the backend must publish a fresh one`, h.kind, h.version);

    const cur = this.slots.get(h.kind);
    const healthy = cur && !cur.problem;
    const previous = cur ? cur.row.version : null;
    if (cur && h.version < cur.row.version) {
      throw new ArtefactRefused('rollback', `${where}: older than v${cur.row.version} in force: a replayed or rolled-back artefact is never applied`, h.kind, h.version);
    }
    // The same version again (a retry, or a full artefact after the delta that produced it): nothing
    // to do. When the local copy is unusable, a full artefact of the same version repairs it.
    if (healthy && h.version === cur.row.version) return { kind: h.kind, version: h.version, base: h.base, previous, outcome: 'unchanged', keyIds };
    if (h.base !== undefined) {
      if (!spec.sink && !spec.applyDelta) throw new ArtefactRefused('delta-unsupported', `${where}: "${h.kind}" only takes full artefacts`, h.kind, h.version);
      if (!cur || !healthy) {
        const why = !cur ? 'no version is in force' : `the local copy is unusable (${cur.problem!.code})`;
        throw new ArtefactRefused('wrong-base', `${where}: ${why}; a full artefact is needed`, h.kind, h.version);
      }
      if (h.base !== cur.row.version) throw new ArtefactRefused('wrong-base', `${where}: applies to v${h.base} but v${cur.row.version} is in force; a full artefact or the right delta is needed`, h.kind, h.version);
    }
    if (sha256Hex(env.payload) !== h.payloadSha256) {
      throw new ArtefactRefused('payload-hash', `${where}: payload does not match its signed SHA-256 (damaged in transit or storage); fetch it again`, h.kind, h.version);
    }

    let value: unknown;
    let fullPayload: Uint8Array | undefined;
    try {
      if (spec.sink || h.base === undefined) {
        value = spec.validate(env.payload, h); // for a sink: the parsed payload, handed to prepare()
        fullPayload = spec.sink ? undefined : env.payload;
      } else {
        fullPayload = spec.applyDelta!(cur!.payload!, env.payload, h);
        value = spec.validate(fullPayload, fullHeader(h));
      }
    } catch (e) {
      if (e instanceof ArtefactRefused) throw e;
      throw new ArtefactRefused('payload-invalid', `${where}: ${errorMessage(e)}`, h.kind, h.version, { cause: e });
    }
    await this.opts.onStage?.('verified', h.kind, h.version);

    let pointer: string | null = null;
    if (spec.sink) {
      try {
        const prepared = await spec.sink.prepare(healthy ? cur.value : undefined, value, h);
        pointer = prepared.pointer;
        value = prepared.value;
      } catch (e) {
        if (e instanceof ArtefactRefused) throw e;
        throw new DownloadStoreError('io', `${where}: could not write the new content (${errorMessage(e)}); the old version stays in force`, { cause: e });
      }
      await this.opts.onStage?.('prepared', h.kind, h.version);
    }

    const row: Row = {
      kind: h.kind,
      version: h.version,
      header: Buffer.from(env.headerBytes).toString('utf8'),
      key_ids: keyIds.join(','),
      applied_at: now,
      payload: fullPayload ? Buffer.from(fullPayload.buffer, fullPayload.byteOffset, fullPayload.length) : null,
      payload_sha256: fullPayload ? (fullPayload === env.payload ? h.payloadSha256 : sha256Hex(fullPayload)) : null,
      pointer,
    };
    try {
      this.db.transaction(() => {
        // Optimistic check: another process (ykt hotlist import while the runtime runs) may have
        // applied something since this store loaded; never switch on top of a version we did not see.
        const inDb = (this.db.prepare('SELECT version FROM artefact WHERE kind = ?').pluck().get(h.kind) as number | undefined) ?? null;
        if (inDb !== previous) throw new ChangedElsewhere(`the store holds v${inDb} of "${h.kind}", this process loaded v${previous}: another process applied an artefact; reopen the store`);
        this.db
          .prepare(
            `INSERT INTO artefact (kind, version, header, key_ids, applied_at, payload, payload_sha256, pointer)
             VALUES (@kind, @version, @header, @key_ids, @applied_at, @payload, @payload_sha256, @pointer)
             ON CONFLICT(kind) DO UPDATE SET version = excluded.version, header = excluded.header, key_ids = excluded.key_ids,
               applied_at = excluded.applied_at, payload = excluded.payload, payload_sha256 = excluded.payload_sha256, pointer = excluded.pointer`,
          )
          .run(row);
      }).immediate();
    } catch (e) {
      this.discardUncommitted(spec, h.kind);
      throw new DownloadStoreError('io', `${where}: could not record the new version (${errorMessage(e)}); the old version stays in force`, { cause: e });
    }
    // In force from here: the row is durable (synchronous=FULL).
    this.slots.set(h.kind, { row, header: h, keyIds, value, payload: fullPayload });
    await this.opts.onStage?.('committed', h.kind, h.version);
    spec.sink?.cleanup(pointer ?? undefined);
    return { kind: h.kind, version: h.version, base: h.base, previous, outcome: 'applied', keyIds };
  }

  /** Delete what an unfinished switch wrote: everything the pointer really in force (read afresh) does not name. */
  private discardUncommitted(spec: ArtefactKindSpec<unknown, unknown>, kind: string): void {
    if (!spec.sink) return;
    try {
      const inForce = this.db.prepare('SELECT pointer FROM artefact WHERE kind = ?').pluck().get(kind) as string | null | undefined;
      spec.sink.cleanup(inForce ?? undefined);
    } catch {
      /* the next open cleans up */
    }
  }

  /**
   * Housekeeping for kinds whose sink has some — the hotlist folds its delta overlay into a new base
   * (≈ 1 s of background work at 10M entries, yielding to the event loop). Call it when the terminal is
   * idle. Same version, new content layout, same atomic switch as an apply.
   */
  maintain(kind?: string): Promise<{ kind: string; changed: boolean }[]> {
    const run = this.chain.then(() => this.maintainNow(kind));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async maintainNow(only: string | undefined): Promise<{ kind: string; changed: boolean }[]> {
    const out: { kind: string; changed: boolean }[] = [];
    for (const kind of only !== undefined ? [only] : this.opts.registry.kinds()) {
      const spec = this.opts.registry.get(kind);
      const slot = this.slots.get(kind);
      const next = spec?.sink?.maintain && slot && !slot.problem ? await spec.sink.maintain(slot.value, slot.header) : undefined;
      if (!spec || !slot || !next) {
        out.push({ kind, changed: false });
        continue;
      }
      const version = slot.row.version;
      await this.opts.onStage?.('prepared', kind, version);
      try {
        this.db.transaction(() => {
          const r = this.db.prepare('SELECT version, pointer FROM artefact WHERE kind = ?').get(kind) as { version: number; pointer: string | null } | undefined;
          if (!r || r.version !== version || r.pointer !== slot.row.pointer) throw new ChangedElsewhere(`"${kind}" changed in the store since this process loaded it; reopen the store`);
          this.db.prepare('UPDATE artefact SET pointer = ? WHERE kind = ?').run(next.pointer, kind);
        }).immediate();
      } catch (e) {
        this.discardUncommitted(spec, kind);
        throw new DownloadStoreError('io', `maintenance of "${kind}" v${version}: ${errorMessage(e)}; nothing changed`, { cause: e });
      }
      this.slots.set(kind, { ...slot, row: { ...slot.row, pointer: next.pointer }, value: next.value });
      await this.opts.onStage?.('committed', kind, version);
      spec.sink?.cleanup(next.pointer);
      out.push({ kind, changed: true });
    }
    return out;
  }

  /** The content in force for a kind, or undefined when missing or unusable (see status()). */
  get<T = unknown>(kind: string): InForce<T> | undefined {
    const s = this.slots.get(kind);
    if (!s || s.problem) return undefined;
    return { kind, version: s.row.version, header: s.header, keyIds: s.keyIds, appliedAt: s.row.applied_at, value: s.value as T, payload: s.payload };
  }

  /** The version to announce to the backend ("I have v…"), undefined when a full artefact is needed. */
  haveVersion(kind: string): number | undefined {
    const s = this.slots.get(kind);
    return s && !s.problem ? s.row.version : undefined;
  }

  /** Largest envelope worth downloading for a kind (payload limit + header + signatures); 0 if unknown. */
  maxDownloadBytes(kind: string): number {
    const spec = this.opts.registry.get(kind);
    return spec ? spec.maxPayloadBytes + 12 + MAX_HEADER_BYTES + 1 + 72 * MAX_SIGNATURES : 0;
  }

  /** Freshness of a kind: the profile's stale policy decides what `stale` means for a tap. */
  status(kind: string): ArtefactStatus {
    const now = this.clock.now();
    const spec = this.opts.registry.get(kind);
    const configured = this.opts.maxAgeMs?.[kind] ?? spec?.defaultMaxAgeMs ?? Number.MAX_SAFE_INTEGER;
    const s = this.slots.get(kind);
    if (!s) {
      return { kind, version: null, created: null, expires: null, appliedAt: null, ageMs: null, maxAgeMs: configured, expired: false, stale: true, problem: spec ? 'missing' : 'unknown-kind', detail: spec ? 'never downloaded' : `no module registered "${kind}"` };
    }
    const h = s.header;
    const maxAgeMs = h?.maxAgeMs ? Math.min(configured, h.maxAgeMs) : configured;
    const ageMs = h ? now - h.created : null;
    const expired = h ? now > h.expires : false;
    const problem = s.problem?.code ?? null;
    const stale = problem !== null || expired || ageMs === null || ageMs > maxAgeMs;
    return { kind, version: s.row.version, created: h?.created ?? null, expires: h?.expires ?? null, appliedAt: s.row.applied_at, ageMs, maxAgeMs, expired, stale, problem, detail: s.problem?.detail };
  }

  /** Status of every registered or stored kind. */
  statusAll(): ArtefactStatus[] {
    const kinds = new Set([...this.opts.registry.kinds(), ...this.slots.keys()]);
    return [...kinds].sort().map((k) => this.status(k));
  }

  /** Most recent applies and refusals, newest first (for `ykt` status output and metrics). */
  recentLog(limit = 50): ApplyLogEntry[] {
    return this.db.prepare('SELECT at, kind, version, base, outcome, reason, message FROM apply_log ORDER BY id DESC LIMIT ?').all(limit) as ApplyLogEntry[];
  }

  /** Wait for applies in progress, then close the database. */
  async close(): Promise<void> {
    await this.chain;
    this.db.close();
  }

  private log(e: ApplyLogEntry): void {
    try {
      const info = this.db.prepare('INSERT INTO apply_log (at, kind, version, base, outcome, reason, message) VALUES (?, ?, ?, ?, ?, ?, ?)').run(e.at, e.kind, e.version, e.base, e.outcome, e.reason, e.message);
      const id = Number(info.lastInsertRowid);
      if (id % 100 === 0) this.db.prepare('DELETE FROM apply_log WHERE id <= ?').run(id - LOG_KEEP);
    } catch {
      // The log is informational; a full disk must not turn a refusal into a different error.
    }
  }
}

class ChangedElsewhere extends Error {}

/** The header describing the stored full payload after a delta was folded in. */
function fullHeader(h: ArtefactHeader): ArtefactHeader {
  if (h.base === undefined) return h;
  const { base: _base, ...rest } = h;
  return rest;
}

export type { ArtefactKindSpec };
