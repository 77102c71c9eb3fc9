/**
 * The e-code verifier: text in, one of three outcomes out (valid / invalid with a reason / cannot
 * decide), a Credential of the same shape as a card's when valid (卡码同权), and the Decision after
 * the profile's fail-open/fail-closed policy. Synchronous and allocation-light: a code is verified in
 * well under a millisecond with no network (bench/ecode.ts).
 *
 * Precedence: a definite "invalid" beats "cannot decide" (a forged code is refused even when the trust
 * list is stale); "cannot decide" + fail-open approves only a code that passed every check the terminal
 * could run, and only after it is recorded durably; when the store itself fails nothing is approved.
 */
import type { Clock } from '../core/clock';
import type { Credential } from '../core/credential';
import { approve, cannotDecide as cannotDecideDecision, decline, type Decision } from '../core/decision';
import { ConfigError, errorMessage } from '../core/errors';
import { fromHex } from '../../apdu/hex';
import { CertCache } from './cert-cache';
import type { EcodeConfig, EcodeProfile } from './config';
import { reasonMessage, TIME_REASONS, type CannotDecideReason, type EcodeReason, type Outcome } from './reasons';
import { validateRevocations, type RevocationList } from './revocations';
import { SchemeRegistry, type SchemeEnv, type SchemeFields, type SignatureVerifier } from './scheme';
import { ed25519Verify } from '../core/ed25519';
import { staticCardScheme } from './scheme-static';
import { yke1Scheme } from './scheme-yke1';
import { RevocationApplyError, type EcodeStore } from './store';
import { validateTrustList, type TrustList, type TrustRoot } from './trust-list';

export interface VerifyContext {
  /** Profile name in the e-code config (its scopes, accepted schemes, fail-open/closed, anti-passback). */
  profile: string;
  /** The challenge this terminal currently shows, if it shows one. */
  challenge?: Uint8Array;
  /** Scanner name, carried into the credential for the journal. */
  device?: string;
  /** Record the code as used (replay set, anti-passback). Default true; false = a dry run that changes nothing. */
  consume?: boolean;
}

export interface VerifyResult {
  outcome: Outcome;
  reason: EcodeReason;
  /** Plain words for the screen / log (no personal data). */
  message: string;
  /** Technical detail for logs (no personal data). */
  detail?: string;
  scheme?: string;
  /** The holder's credential: when valid, and when cannot-decide after every check the terminal could run passed. */
  credential?: Credential;
  /** What to do, after the profile's fail-open/fail-closed policy. */
  decision: Decision;
  /** The code was recorded in the replay set / anti-passback memory. */
  consumed: boolean;
  /** Non-personal fields of the code (serial, counter, scope, times, issuer key id, certCached). */
  info?: SchemeFields;
}

export interface ClockHealth {
  trusted: boolean;
  why?: string;
}

export interface EcodeVerifierOptions {
  config: EcodeConfig;
  clock: Clock;
  store: EcodeStore;
  /** Whether the runtime trusts the wall clock now (NTP synchronised, RTC sane). Default: trusted. */
  clockHealth?: () => ClockHealth;
  /** Holder-token key (scheme parameter): enables the static card code scheme. */
  holderTokenKey?: Uint8Array;
  /** Ed25519 provider; default node:crypto with cached key objects (src/core/ed25519.ts). */
  verifySignature?: SignatureVerifier;
  /** Replace the default registry (YKE1, plus the static scheme when holderTokenKey is given). */
  schemes?: SchemeRegistry;
}

export type InstallResult = { ok: true; version: number } | { ok: false; error: string };

export function defaultSchemes(holderTokenKey?: Uint8Array): SchemeRegistry {
  const r = new SchemeRegistry().register(yke1Scheme);
  if (holderTokenKey) r.register(staticCardScheme(holderTokenKey));
  return r;
}

export class EcodeVerifier {
  readonly schemes: SchemeRegistry;
  readonly certCache: CertCache;
  private trustList: TrustList | undefined;
  private readonly roots: TrustRoot[];
  private readonly notBeforeMs: number;
  private readonly replayRetentionMs: number;
  private admitted = 0;

  constructor(private readonly opts: EcodeVerifierOptions) {
    const c = opts.config;
    this.schemes = opts.schemes ?? defaultSchemes(opts.holderTokenKey);
    this.certCache = new CertCache(c.certCacheSize);
    this.roots = c.trustRoots.map((r) => ({ publicKey: fromHex(r.publicKey), label: r.label }));
    this.notBeforeMs = Date.parse(c.clockNotBefore + 'T00:00:00Z');
    const maxAge = Math.max(c.codeMaxAgeSeconds, ...Object.values(c.profiles).map((p) => p.codeMaxAgeSeconds ?? 0));
    this.replayRetentionMs = (maxAge + c.clockSkewSeconds) * 1000;
    for (const [name, p] of Object.entries(c.profiles)) {
      for (const s of p.acceptedSchemes) {
        if (!this.schemes.get(s)) throw new ConfigError(`ecode.profiles.${name}.acceptedSchemes`, `unknown scheme "${s}" (known: ${this.schemes.list().map((x) => x.id).join(', ')}${holderKeyHint(s, opts.holderTokenKey)})`);
      }
    }
    // A trust list installed before a restart is still good if it still verifies under today's roots.
    const saved = opts.store.loadTrustList();
    if (saved) {
      const v = validateTrustList(saved.bytes, this.roots);
      if (v.ok) this.trustList = v.value;
    }
  }

  /** Install a trust list artefact (payload of kind "ecode-trust-list"). Older versions are refused (rollback). */
  installTrustList(payload: Uint8Array): InstallResult {
    const v = validateTrustList(payload, this.roots);
    if (!v.ok) return v;
    if (this.trustList && v.value.version < this.trustList.version) return { ok: false, error: `trust list version ${v.value.version} is older than the installed ${this.trustList.version} (rollback refused)` };
    this.opts.store.saveTrustList(payload, v.value.version);
    // Swap in one assignment: a verify running before sees the old list, after sees the new one.
    this.trustList = v.value;
    this.certCache.clear();
    return { ok: true, version: v.value.version };
  }

  /** Apply a revocation artefact (payload of kind "ecode-revocations"): full list or increment. */
  applyRevocations(payload: Uint8Array | RevocationList): InstallResult {
    let list: RevocationList;
    if (payload instanceof Uint8Array) {
      const v = validateRevocations(payload);
      if (!v.ok) return v;
      list = v.value;
    } else list = payload;
    try {
      return { ok: true, version: this.opts.store.applyRevocations(list).version };
    } catch (e) {
      if (e instanceof RevocationApplyError) return { ok: false, error: e.message };
      throw e;
    }
  }

  trustListInfo(): { version: number; issuedAtMs: number; keys: number } | undefined {
    const t = this.trustList;
    return t && { version: t.version, issuedAtMs: t.issuedAtMs, keys: t.keys.size };
  }

  profile(name: string): EcodeProfile {
    const p = this.opts.config.profiles[name];
    if (!p) throw new ConfigError('ecode.profiles', `no e-code profile "${name}" (configured: ${Object.keys(this.opts.config.profiles).join(', ')})`);
    return p;
  }

  verify(text: string, ctx: VerifyContext): VerifyResult {
    const profile = this.profile(ctx.profile); // misuse (unknown profile) throws: it is a configuration bug
    try {
      return this.verifyInner(text, ctx, profile);
    } catch (e) {
      // Never crash on input. Anything unexpected is a safe "no", with the cause for the log.
      return this.result('invalid', 'malformed', profile, { detail: `internal error: ${errorMessage(e)}` });
    }
  }

  private verifyInner(text: string, ctx: VerifyContext, profile: EcodeProfile): VerifyResult {
    const c = this.opts.config;
    if (typeof text !== 'string' || text.length === 0) return this.result('invalid', 'malformed', profile, { detail: 'empty code' });
    if (text.length > c.maxCodeLength) return this.result('invalid', 'malformed', profile, { detail: `code of ${text.length} characters exceeds ${c.maxCodeLength}` });
    const scheme = this.schemes.match(text);
    if (!scheme) return this.result('invalid', 'unknown-scheme', profile, { detail: `prefix ${JSON.stringify(text.slice(0, 5))}` });
    if (!profile.acceptedSchemes.includes(scheme.id)) return this.result('invalid', 'scheme-not-accepted', profile, { scheme: scheme.id });

    const now = this.opts.clock.now();
    const skewMs = c.clockSkewSeconds * 1000;
    const doubts: CannotDecideReason[] = [];
    const clockOk = this.clockTrusted(now, skewMs);
    if (!clockOk.trusted) doubts.push('clock-untrusted');
    const tl = this.trustList;
    const trustListStale = tl !== undefined && now - tl.issuedAtMs > c.trustListMaxAgeHours * 3_600_000;

    const env: SchemeEnv = {
      nowMs: now,
      skewMs,
      codeMaxAgeMs: (profile.codeMaxAgeSeconds ?? c.codeMaxAgeSeconds) * 1000,
      replayRetentionMs: this.replayRetentionMs,
      profileName: ctx.profile,
      profile,
      challenge: ctx.challenge,
      device: ctx.device,
      trustList: tl,
      trustListStale,
      certCache: this.certCache,
      verifySignature: this.opts.verifySignature ?? ed25519Verify,
    };
    const v = scheme.verify(text, env);
    if (!v.ok) {
      const r = v.reason;
      if (r === 'no-trust-list' || r === 'trust-list-stale') return this.result('cannot-decide', r, profile, { scheme: scheme.id, detail: v.detail, info: v.info, noCredential: true });
      if (TIME_REASONS.has(r) && !clockOk.trusted) return this.result('cannot-decide', 'clock-untrusted', profile, { scheme: scheme.id, detail: `${r} by a clock not trusted (${clockOk.why})`, info: v.info, noCredential: true });
      return this.result('invalid', r, profile, { scheme: scheme.id, detail: v.detail, info: v.info });
    }
    if (v.doubt) doubts.push(v.doubt);

    // Revocation: its own freshness is a doubt, a hit is a definite no.
    const rs = this.opts.store.revocationState();
    if (!rs) {
      if (c.requireRevocationList) doubts.push('no-revocation-list');
    } else if (now - rs.issuedAtMs > c.revocationListMaxAgeHours * 3_600_000) doubts.push('revocation-list-stale');
    let revoked: boolean;
    try {
      revoked = v.revocationHashes.length > 0 && this.opts.store.isRevoked(v.revocationHashes, now);
    } catch (e) {
      return this.result('cannot-decide', 'store-unavailable', profile, { scheme: scheme.id, detail: errorMessage(e), info: v.info, forceClosed: true });
    }
    if (revoked) return this.result('invalid', 'revoked', profile, { scheme: scheme.id, info: v.info });

    // Replay and anti-passback, recorded durably before the answer — unless the answer is a "no" anyway.
    const failOpen = profile.cannotDecide === 'fail-open';
    const record = (ctx.consume ?? true) && (doubts.length === 0 || failOpen);
    let admit;
    try {
      admit = this.opts.store.admit(
        { replayKey: v.replayKey, replayExpiresAtMs: v.replayExpiresAtMs, holderToken: v.credential.holderToken, profile: ctx.profile, passbackWindowMs: profile.antiPassbackSeconds * 1000, nowMs: now },
        record,
      );
    } catch (e) {
      return this.result('cannot-decide', 'store-unavailable', profile, { scheme: scheme.id, detail: errorMessage(e), info: v.info, forceClosed: true });
    }
    if (admit !== 'admitted') return this.result('invalid', admit, profile, { scheme: scheme.id, info: v.info });
    if (record) this.maybePrune(now);

    if (doubts.length) {
      return this.result('cannot-decide', doubts[0]!, profile, { scheme: scheme.id, credential: v.credential, info: v.info, consumed: record, dryRun: ctx.consume === false, detail: doubts.length > 1 ? `also: ${doubts.slice(1).join(', ')}` : clockOk.why });
    }
    return this.result('valid', 'ok', profile, { scheme: scheme.id, credential: v.credential, info: v.info, consumed: record });
  }

  private clockTrusted(now: number, skewMs: number): ClockHealth {
    const h = this.opts.clockHealth?.();
    if (h && !h.trusted) return { trusted: false, why: h.why ?? 'reported by the runtime' };
    if (now < this.notBeforeMs) return { trusted: false, why: `wall clock ${new Date(now).toISOString()} is before ${this.opts.config.clockNotBefore}` };
    const tl = this.trustList;
    if (tl && tl.issuedAtMs > now + skewMs) return { trusted: false, why: `wall clock is behind the trust list's issue time ${new Date(tl.issuedAtMs).toISOString()}` };
    return { trusted: true };
  }

  private maybePrune(now: number): void {
    if (++this.admitted % this.opts.config.pruneEvery !== 0) return;
    const maxPassback = Math.max(0, ...Object.values(this.opts.config.profiles).map((p) => p.antiPassbackSeconds)) * 1000;
    try {
      this.opts.store.pruneAdmissions(now, maxPassback);
    } catch {
      // Pruning is housekeeping: a failure here must not turn an admitted code into an error.
    }
  }

  private result(
    outcome: Outcome,
    reason: EcodeReason,
    profile: EcodeProfile,
    o: { scheme?: string; detail?: string; credential?: Credential; info?: SchemeFields; consumed?: boolean; dryRun?: boolean; forceClosed?: boolean; noCredential?: boolean } = {},
  ): VerifyResult {
    const message = reasonMessage(reason);
    let decision: Decision;
    if (outcome === 'valid') decision = approve('ecode-valid', message);
    else if (outcome === 'invalid') decision = decline(`ecode-${reason}`, message);
    else if (profile.cannotDecide === 'fail-open' && !o.forceClosed && !o.noCredential && o.credential && (o.consumed || o.dryRun)) {
      decision = approve(`ecode-fail-open:${reason}`, `${message} — accepted (fail-open profile)`);
    } else decision = cannotDecideDecision(`ecode-${reason}`, `${message} — refused (fail-closed)`);
    return { outcome, reason, message, detail: o.detail, scheme: o.scheme, credential: o.credential, decision, consumed: o.consumed ?? false, info: o.info };
  }
}

function holderKeyHint(id: string, key: Uint8Array | undefined): string {
  return id === 'ykt-static-v1' && !key ? '; the static scheme needs the holder-token key' : '';
}
