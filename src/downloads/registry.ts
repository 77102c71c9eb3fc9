/**
 * The kinds of artefact a terminal accepts. The store is generic: each kind's payload belongs to the
 * module that uses it, which registers a validator (and, for kinds too large for a database row, a
 * sink). A kind nobody registered is refused ('unknown-kind').
 *
 *   const registry = new ArtefactRegistry();
 *   registerHotlistKind(registry, cfg.hotlist);                 // src/hotlist/register.ts
 *   registry.register({ kind: ARTEFACT_KINDS.fares, description: 'fare and parameter set',
 *     maxPayloadBytes: 4 << 20, defaultMaxAgeMs: 7 * DAY, validate: parseFareSet });   // the fares module
 */
import type { ArtefactHeader } from './envelope';

/** The agreed kind names (one word per kind so that modules written in parallel meet). */
export const ARTEFACT_KINDS = {
  hotlist: 'hotlist',
  /** Fare tables and terminal parameters (transit/fares module). */
  fares: 'fare-params',
  /** PBOC CA public keys (CAPK) for offline data authentication (PBOC module). */
  capk: 'pboc-capk',
  /** Issuer keys the e-code verifier trusts (src/ecode/trust-list.ts TRUST_LIST_KIND). */
  ecodeTrust: 'ecode-trust-list',
  /** Revoked e-code certificates and holders (src/ecode/revocations.ts REVOCATIONS_KIND). */
  ecodeRevocation: 'ecode-revocations',
} as const;

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/**
 * Where a kind's content lives when a SQLite row is not the right place (the hotlist's 80 MB). The store
 * calls prepare() to write the next state durably but NOT in force, commits a pointer to it in the
 * same SQLite transaction as the version, and only then calls cleanup(): a crash at any point leaves
 * either the old pointer (old files intact) or the new one (new files complete and fsync'ed).
 */
export interface ArtefactSink<T, P = T> {
  /** Load and verify the content the pointer names; throw on corruption (reported as status 'corrupt'). */
  load(pointer: string, header: ArtefactHeader): T;
  /**
   * Build the state after this verified payload (full, or delta on `current` when header.base is set)
   * and write it durably. `parsed` is what validate() returned. Throw ArtefactRefused('result-mismatch')
   * when the result is not what the publisher signed.
   */
  prepare(current: T | undefined, parsed: P, header: ArtefactHeader): Promise<{ pointer: string; value: T }>;
  /** Delete whatever the in-force pointer (undefined: none) does not reference. Must not throw. */
  cleanup(pointer: string | undefined): void;
  /**
   * Optional housekeeping at a quiet moment (store.maintain): rewrite the same version's content in a
   * better shape (the hotlist folds its delta overlay into a new base), durably, under a new pointer;
   * undefined when there is nothing to do. Switched with the same transaction as an apply.
   */
  maintain?(current: T, header: ArtefactHeader): Promise<{ pointer: string; value: T } | undefined>;
}

/** T: the value in force (store.get(kind).value); P: what validate() returns (the same unless a sink transforms it). */
export interface ArtefactKindSpec<T = unknown, P = T> {
  kind: string;
  description: string;
  /** Larger payloads are refused before they are hashed or copied. */
  maxPayloadBytes: number;
  /** Age (from the artefact's `created`) after which the kind is stale, unless config overrides it. */
  defaultMaxAgeMs: number;
  /**
   * Parse and check a payload (full, or delta when `header.base` is set); throw any Error to refuse it
   * (the message reaches the operator, so say what is wrong). For kinds without a sink, the returned
   * value is what store.get(kind).value gives to the module.
   */
  validate(payload: Uint8Array, header: ArtefactHeader): P;
  /**
   * Kinds stored in SQLite that accept deltas: the new full payload from the current one and a delta.
   * Without it (and without a sink) a delta is refused ('delta-unsupported').
   */
  applyDelta?(current: Uint8Array, delta: Uint8Array, header: ArtefactHeader): Uint8Array;
  /** Kinds whose content lives outside SQLite (see ArtefactSink). Such kinds may always take deltas. */
  sink?: ArtefactSink<T, P>;
}

const kindRe = /^[a-z][a-z0-9-]{0,31}$/;

export class ArtefactRegistry {
  private readonly specs = new Map<string, ArtefactKindSpec<unknown, unknown>>();

  register<T, P = T>(spec: ArtefactKindSpec<T, P>): this {
    if (!kindRe.test(spec.kind)) throw new RangeError(`artefact kind "${spec.kind}": expected a lowercase name of 1–32 letters, digits or dashes`);
    if (this.specs.has(spec.kind)) throw new Error(`artefact kind "${spec.kind}" is already registered`);
    if (!(Number.isSafeInteger(spec.maxPayloadBytes) && spec.maxPayloadBytes > 0 && spec.maxPayloadBytes <= 0xffff_ffff)) {
      throw new RangeError(`artefact kind "${spec.kind}": maxPayloadBytes must be an integer in 1..2^32-1`);
    }
    if (!(Number.isSafeInteger(spec.defaultMaxAgeMs) && spec.defaultMaxAgeMs > 0)) throw new RangeError(`artefact kind "${spec.kind}": defaultMaxAgeMs must be a positive integer`);
    this.specs.set(spec.kind, spec as unknown as ArtefactKindSpec<unknown, unknown>);
    return this;
  }

  get(kind: string): ArtefactKindSpec<unknown, unknown> | undefined {
    return this.specs.get(kind);
  }

  kinds(): string[] {
    return [...this.specs.keys()];
  }
}
