/**
 * What the bus validator and the metro gate share: the transport e-purse tap through the PSAM (the
 * transit kernel), the QuickPass fallback (the PBOC kernel), e-code rides priced by the same fare
 * engine (卡码同权) and recorded post-paid, the ride ledger, the torn-transaction memory and its sweeps.
 *
 * Durable first: the kernels persist through the journal (their result record IS the decision shown);
 * one-step decisions are appended before they are returned; the ride ledger is written after the
 * journal (and rebuilt from it at start, rides.ts).
 *
 * Per tap: an SSSE identity read (3 APDUs, or 1 on a card without SSSE), the transit kernel, one ledger
 * query and, on approval, one ledger commit. Everything derived from the fare set is cached per set.
 */
import { join } from 'node:path';
import type { Transmit } from '../../../../apdu/transceive';
import type { Credential } from '../../../core/credential';
import { approve, cannotDecide, decline, type Decision } from '../../../core/decision';
import { ProtocolError, errorMessage } from '../../../core/errors';
import { holderTokenFromCardId } from '../../../core/holder-token';
import { maskCardNumber } from '../../../core/mask';
import { formatYuan } from '../../../core/money';
import { quoteFare, type FareQuote, type RideRequest } from '../../../fares/engine';
import type { FareParameters } from '../../../fares/params';
import { journalPersist } from '../../../journal';
import { runKernel } from '../../../kernel/runner';
import type { PersistReceipt } from '../../../kernel/step';
import { transitTap, type RideContext, type TransitOutcome } from '../../../transit/kernel';
import { TRANSIT_REASONS } from '../../../transit/reasons';
import { TornLedger, ledgerPersist } from '../../../transit/torn';
import type { Services } from '../../services';
import { verifyCode } from '../common';
import { payByCard } from '../pos/card-payment';
import type { CardTap, CodeScan, ProfileResult } from '../types';
import { fareDisplay, industryOf, maxTransferWindowMs, type Resolved } from './fare-context';
import { Lock, PsamSession } from './psam-session';
import { RideLedger, type LedgerRide } from './ride-ledger';
import { CODE_RIDE, applyLedgerEffect, fareSummary, ledgerEffectOf, reconcileLedger, type CodeRidePayload } from './rides';
import { readSsseIdentity, type SsseIdentity } from './ssse-identity';

export interface TransitCoreOptions {
  services: Services;
  /** The PSAM slot (ProfileContext.sam). */
  sam?: () => Transmit | undefined;
  /** The fields bus and metro share in their profile section (profiles/config.ts). */
  profile: {
    /** Default <terminal.dataDir>/transit-rides.sqlite. */
    rideLedgerPath?: string;
    /** Read the SSSE card identification code for the holder token (and the SSC hotlist). */
    ssseHolderToken: boolean;
    acceptCode: boolean;
    ecodeProfile: string;
    codeScopes: readonly string[];
  };
}

/** The fares in force and what this device derives from them, or why a ride cannot be priced now. */
export type Located<T> = { ok: true; fares: FareParameters; value: T } | { ok: false; decision: Decision };

/** A verified e-code allowed to ride here. */
export interface RidingCode {
  credential: Credential;
  info: Record<string, unknown>;
  latency: Record<string, number>;
}

/** What a card tap needs to know about where it is. */
export interface CardRide {
  /** The fare set the ride was located in (Located.fares). */
  fares: FareParameters;
  ride: RideContext;
  /** Holder anti-passback window, s (0 = off): checked before any charge, recorded on approval. */
  passbackSeconds: number;
}

export type CardTapOutcome =
  | { kind: 'decided'; result: ProfileResult }
  /** The chip has no transport application: the caller may fall back to QuickPass. */
  | { kind: 'no-transit-app'; holderToken?: string; maskedId?: string; latency: Record<string, number> };

interface Receipt {
  name: string;
  kind: string | undefined;
  seq: bigint;
}

/** One-step decision records (types the journal knows; tokens are pseudonymous). */
interface OneStep {
  decision: Decision;
  holder?: string;
  card?: string;
  amountFen?: number;
  payload: Record<string, unknown>;
}

export class TransitCore {
  readonly s: Services;
  readonly ledger: RideLedger;
  readonly torn = new TornLedger();
  readonly lock = new Lock();
  readonly psam: PsamSession;
  private readonly service: string;
  private readonly persist: (name: string, record: unknown) => Promise<PersistReceipt>;
  /** The e-code profile has its own anti-passback, which the verifier already applies (and records). */
  private readonly verifierPassback: boolean;
  private warming: Promise<unknown> | undefined;
  private lastProblem = '';
  private lastPrune = 0;

  constructor(private readonly o: TransitCoreOptions) {
    const s = (this.s = o.services);
    this.service = s.config.profile.kind;
    this.persist = ledgerPersist(journalPersist(s.journal, { service: this.service }), this.torn);
    this.verifierPassback = (s.config.ecode.profiles[o.profile.ecodeProfile]?.antiPassbackSeconds ?? 0) > 0;
    this.psam = new PsamSession(o.sam);
    const seeded = this.torn.seed(s.journal.openIntents());
    if (seeded > 0) s.log.warn('transit: unresolved debits from before the restart are pending recovery', { pending: seeded });
    this.ledger = new RideLedger(o.profile.rideLedgerPath ?? join(s.config.terminal.dataDir, 'transit-rides.sqlite'));
    try {
      const r = reconcileLedger(this.ledger, s.journal, (profile, kind) => industryOf(s.fares(), profile, kind));
      if (r.applied > 0) s.log.warn('transit: ride ledger caught up from the journal', r);
      if (r.fresh) s.log.info('transit: new ride ledger; rides before now are not counted for transfers and caps');
      this.ledger.prune(s.clock.now(), s.clock.now() - TRIP_MEMORY_MS);
    } catch (e) {
      this.ledger.close();
      throw e;
    }
  }

  fares(): FareParameters | undefined {
    return this.s.fares();
  }

  /**
   * The fares in force and what this device derives from them (`derive`: cached per fare set), or why a
   * ride cannot be priced now (a problem is logged once, not on every tap).
   */
  locate<T>(derive: (p: FareParameters) => Resolved<T>, device: 'validator' | 'gate'): Located<T> {
    const fares = this.fares();
    if (!fares) return { ok: false, decision: cannotDecide('fares-unavailable', `fare table not loaded yet: please use another ${device}`) };
    const r = derive(fares);
    if (!r.ok) {
      if (r.message !== this.lastProblem) this.s.log.error(`${this.service}: no fare for this ${device}`, { problem: (this.lastProblem = r.message) });
      return { ok: false, decision: cannotDecide('fare-profile-unknown', r.message) };
    }
    return { ok: true, fares, value: r.value };
  }

  // --- cards -------------------------------------------------------------------------------------

  /** The transport e-purse tap (and the SSSE identity before it). */
  async cardTap(tap: CardTap, c: CardRide): Promise<CardTapOutcome> {
    const s = this.s;
    const mono = () => s.clock.monotonic();
    const latency: Record<string, number> = {};
    const fares = c.fares;

    // 1. the holder, when the chip also carries the social security application (卡码同权), and its hotlist
    let ssse: SsseIdentity = { present: false };
    if (this.o.profile.ssseHolderToken) {
      const t = mono();
      try {
        ssse = (await runKernel(readSsseIdentity(), { card: tap.transmit, monotonic: mono })).outcome;
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e; // unreadable SSSE: the e-purse can still pay
        s.log.warn('transit: social security application unreadable; going on without the holder token', { error: errorMessage(e) });
      }
      latency.ssse = mono() - t;
    }
    const holderToken = ssse.present ? holderTokenFromCardId(s.holderTokenKey, ssse.cardIdCode) : undefined;
    const sscMasked = ssse.present ? maskCardNumber(ssse.cardNumber) : undefined;
    if (ssse.present && s.isHotlisted('ssc', ssse.cardNumber)) {
      return { kind: 'decided', result: this.oneStep('transit-card', { decision: decline('hotlisted', 'card reported lost or blocked (挂失)'), holder: holderToken, payload: { ride: c.ride } }, latency, { maskedId: sscMasked }) };
    }

    // 2. the transit kernel, under the PSAM lock (one purchase session in the PSAM)
    const nowMs = s.clock.now();
    const windowMs = maxTransferWindowMs(fares);
    const receipts: Receipt[] = [];
    const persist = async (name: string, record: unknown) => {
      const r = await this.persist(name, record);
      const payload = (record as { payload?: { kind?: string } } | null)?.payload;
      receipts.push({ name, kind: payload?.kind, seq: r.seq });
      return r;
    };
    const ran = await this.lock.run(async () => {
      const p = await this.psam.ready();
      if (!p.ok) return { samError: p.error } as const;
      const run = await runKernel(
        transitTap({
          config: s.config.transit,
          fares,
          ride: c.ride,
          nowMs,
          sam: p.sam,
          samIdentity: p.identity,
          tokenise: s.tokenise,
          isHotlisted: (_kind, serial) => s.isHotlisted('tunion', serial),
          torn: this.torn,
          holderToken,
          history: (holder, card) => this.ledger.history(holder, nowMs, windowMs, card),
          recentlyPassed: c.passbackSeconds > 0 ? (holder) => !s.passback(holder, c.passbackSeconds, false) : undefined,
          device: tap.reader,
        }),
        { card: tap.transmit, sam: p.transmit, persist, monotonic: mono },
      );
      return { run } as const;
    });
    if ('samError' in ran) {
      s.log.error('transit: PSAM unavailable', { error: ran.samError });
      return { kind: 'decided', result: this.oneStep('transit-card', { decision: cannotDecide('sam-failed', `${TRANSIT_REASONS['sam-failed']} (${ran.samError})`), holder: holderToken, payload: { ride: c.ride } }, latency, { maskedId: sscMasked }) };
    }
    const { run } = ran;
    latency.kernel = run.hostMs + run.ioMs;
    latency.kernelHost = run.hostMs;
    const out = run.outcome;
    if (out.decision.reason === 'no-transit-app') return { kind: 'no-transit-app', holderToken, maskedId: sscMasked, latency };

    // 3. the durable record of this decision: the kernel's, or a one-step record
    const t = mono();
    const seq = kernelSeq(out, receipts);
    const maskedId = out.card?.maskedSerial ?? sscMasked;
    const balanceFen = out.recovered?.balanceAfterFen ?? out.card?.balanceFen;
    let result: ProfileResult;
    if (seq === undefined) {
      result = this.oneStep(
        'transit-card',
        { decision: out.decision, holder: out.credential?.holderToken ?? holderToken, card: out.card?.cardToken, payload: { kind: 'transit.card-decision', ride: c.ride, fare: out.fare && fareSummary(out.fare) } },
        latency,
        { maskedId, balanceFen },
      );
    } else {
      result = { decision: out.decision, seq, source: 'transit-card', maskedId, balanceFen, latency };
      if (out.recovered) result.amountFen = out.recovered.amountFen;
      else if (out.debit === 'done' && out.fare) {
        result.amountFen = out.fare.fareFen;
        Object.assign(result, fareDisplay(fares, out.fare, out.credential!));
        // say why a penalty was charged (missing entry or exit, overstay): the rider should know
        if (out.fare.penaltyFen > 0) result.decision = { ...out.decision, message: `${out.decision.message}${penaltyNote(out.fare)}` };
      }
    }

    // 4. after an approval: the ride ledger and the holder's passage
    if (out.decision.outcome === 'approved' && seq !== undefined) {
      const holder = out.credential?.holderToken ?? holderToken;
      if (out.recovered) {
        const rec = s.journal.get(seq);
        const e = rec && ledgerEffectOf(rec, (x) => s.journal.get(x), (profile, kind) => industryOf(fares, profile, kind));
        if (e) applyLedgerEffect(this.ledger, e);
      } else if (out.fare && holder) {
        this.ledger.add({ seq, holder, card: out.card?.cardToken, atMs: nowMs, industry: out.fare.industry, kind: out.fare.kind, line: out.fare.line, fen: out.fare.fareFen, source: 'transit-card' });
      }
      if (holder && c.passbackSeconds > 0) s.passback(holder, c.passbackSeconds, true);
    }
    latency.record = mono() - t;
    return { kind: 'decided', result };
  }

  /** Pay the fare by QuickPass / EC (qPBOC, contactless) on a card without a transport application. */
  async quickPass(tap: CardTap, o: { fares: FareParameters; fareProfile: string; holderToken?: string; maskedId?: string; passbackSeconds: number; latency: Record<string, number> }): Promise<ProfileResult> {
    const s = this.s;
    const mono = () => s.clock.monotonic();
    const fares = o.fares;
    const nowMs = s.clock.now();
    // A UnionPay card carries no concession category; an SSC's holder token still gives transfers and caps.
    const credential: Pick<Credential, 'categories'> = { categories: ['standard'] };
    const history = o.holderToken ? this.ledger.history(o.holderToken, nowMs, maxTransferWindowMs(fares)) : undefined;
    const quote = quoteFare(fares, credential, { profile: o.fareProfile, atMs: nowMs, kind: 'single' }, history);
    const ride = { profile: o.fareProfile, paidBy: 'quickpass' };
    // anti-passback by the SSC holder (a bare UnionPay card's token is known only after the payment)
    const passback = o.holderToken && o.passbackSeconds > 0 ? o.holderToken : undefined;
    if (passback && !s.passback(passback, o.passbackSeconds, false)) {
      return this.oneStep('pboc-card', { decision: decline('anti-passback', TRANSIT_REASONS['anti-passback']), holder: o.holderToken, payload: { ride } }, o.latency, { maskedId: o.maskedId });
    }
    if (!quote.ok) return this.oneStep('pboc-card', { decision: decline('fare-refused', quote.message), holder: o.holderToken, payload: { ride } }, o.latency, { maskedId: o.maskedId });
    const shown = fareDisplay(fares, quote, credential);
    if (quote.fareFen === 0) {
      // Nothing to pay (a transfer made it free): no payment transaction, the ride is recorded.
      const r = this.oneStep('pboc-card', { decision: approve('ok', 'no charge'), holder: o.holderToken, amountFen: 0, payload: { ride, fare: fareSummary(quote) } }, o.latency, { maskedId: o.maskedId, amountFen: 0, ...shown });
      if (o.holderToken) this.ledger.add(this.rideOf(r.seq, o.holderToken, nowMs, quote, 'pboc-card'));
      if (passback) s.passback(passback, o.passbackSeconds, true);
      return r;
    }
    if (!s.capk()) return this.oneStep('pboc-card', { decision: cannotDecide('capk-unavailable', 'UnionPay keys not loaded yet: please use your transport card or the code'), holder: o.holderToken, payload: { ride } }, o.latency, { maskedId: o.maskedId });
    const t = mono();
    const pay = await payByCard(s, tap, { amountFen: quote.fareFen, interface: 'contactless', service: this.service, nowMs });
    const latency = { ...o.latency, pboc: mono() - t, pbocHost: pay.hostMs };
    const d = pay.decision;
    const maskedId = d.panMasked ?? o.maskedId;
    if (d.resultSeq === undefined) {
      const decision: Decision = d.reason === 'no-ppse' || d.reason === 'no-supported-application' ? decline('no-payment-app', 'this card has no transport application and no QuickPass: please use another card or the code') : d;
      return this.oneStep('pboc-card', { decision: { outcome: decision.outcome, reason: decision.reason, message: decision.message }, holder: o.holderToken, payload: { ride, fare: fareSummary(quote) } }, latency, { maskedId, balanceFen: d.ecBalanceFen });
    }
    const result: ProfileResult = { decision: { outcome: d.outcome, reason: d.reason, message: d.message }, seq: d.resultSeq, source: 'pboc-card', maskedId, balanceFen: d.ecBalanceFen, latency };
    if (d.outcome === 'approved') {
      Object.assign(result, { amountFen: quote.fareFen, ...shown });
      const holder = o.holderToken ?? d.panToken;
      if (holder) this.ledger.add(this.rideOf(d.resultSeq, holder, nowMs, quote, 'pboc-card'));
      if (passback) s.passback(passback, o.passbackSeconds, true);
    }
    return result;
  }

  // --- e-codes ------------------------------------------------------------------------------------

  /**
   * Verify a code for a transit ride (hotlist included) and check its scope. An approval of a
   * fail-open e-code profile (ecode.profiles.<name>.cannotDecide) rides too: the operator chose it;
   * the verifier's reason is kept in the ride's record. A refusal comes back recorded.
   */
  verify(scan: CodeScan): ({ ok: true } & RidingCode) | { ok: false; result: ProfileResult } {
    const cfg = this.o.profile;
    if (!cfg.acceptCode) return { ok: false, result: this.oneStep('ecode', { decision: decline('code-not-accepted', 'codes are not accepted here: please tap your card'), payload: {} }, {}) };
    const r = verifyCode(this.s, scan, cfg.ecodeProfile);
    const latency = { verify: r.verifyMs };
    const scope = typeof r.info?.scope === 'string' ? r.info.scope : undefined;
    let refusal: Decision | undefined;
    if (r.decision.outcome !== 'approved' || !r.credential) refusal = r.decision;
    else if (!scope || !cfg.codeScopes.includes(scope)) refusal = decline('wrong-scope', `this code was made for "${scope ?? 'unknown'}": please show your ${cfg.codeScopes.join(' or ')} code (乘车码)`);
    if (refusal) return { ok: false, result: this.oneStep(r.credential?.source ?? 'ecode', { decision: refusal, holder: r.credential?.holderToken, payload: { code: r.info } }, latency) };
    return { ok: true, credential: r.credential!, info: { ...r.info, verified: r.decision.reason }, latency };
  }

  /** Does the holder's anti-passback (shared with cards, services.passback) refuse this code now? */
  codePassback(credential: Credential, seconds: number): boolean {
    if (seconds <= 0 || this.verifierPassback) return false;
    return !this.s.passback(credential.holderToken, seconds, false);
  }

  /** A code refused after its verification (no fare, anti-passback, fare refused): recorded. */
  codeRefusal(v: RidingCode, decision: Decision): ProfileResult {
    return this.oneStep(v.credential.source, { decision, holder: v.credential.holderToken, payload: { code: v.info } }, v.latency);
  }

  /**
   * Record an e-code ride priced by the fare engine: an approval with the fare, post-paid (the code
   * has no purse; the clearing backend collects it). Then the ride goes into the ledger through
   * `toLedger` (a ride, a metro entry or exit) and, with `passbackSeconds`, the holder's passage.
   */
  codeRide(
    v: RidingCode,
    quote: FareQuote,
    fares: FareParameters,
    p: Omit<CodeRidePayload, 'kind' | 'postPaid' | 'fare' | 'fareVersion' | 'industry' | 'rideKind' | 'line'>,
    toLedger: (ride: LedgerRide) => void,
    passbackSeconds = 0,
  ): ProfileResult {
    const { credential, info, latency } = v;
    const fee = quote.fareFen === 0 ? 'no charge' : `fare ${formatYuan(quote.fareFen)} charged to the code's account`;
    const why = penaltyNote(quote);
    const what = quote.kind === 'entry' ? (quote.penaltyFen > 0 ? `welcome; ${fee}${why}` : 'welcome') : `${fee}${why}`;
    const payload: CodeRidePayload = { kind: CODE_RIDE, postPaid: true, industry: quote.industry, rideKind: quote.kind, line: quote.line, fare: fareSummary(quote), fareVersion: fares.version, ...p };
    const r = this.oneStep(credential.source, { decision: approve(quote.kind === 'entry' ? 'entry' : 'post-paid', what), holder: credential.holderToken, amountFen: quote.fareFen, payload: { ...payload, code: info } }, latency, {
      amountFen: quote.fareFen,
      ...fareDisplay(fares, quote, credential),
    });
    const t = this.s.clock.monotonic();
    toLedger(this.rideOf(r.seq, credential.holderToken, p.atMs, quote, credential.source));
    if (passbackSeconds > 0) this.s.passback(credential.holderToken, passbackSeconds, true);
    latency.ledger = this.s.clock.monotonic() - t;
    return r;
  }

  /** Quote with the holder's ledger history (rides of every credential on this device). */
  quote(fares: FareParameters, credential: Pick<Credential, 'categories' | 'holderToken'>, ride: RideRequest) {
    return quoteFare(fares, credential, ride, this.ledger.history(credential.holderToken, ride.atMs, maxTransferWindowMs(fares)));
  }

  rideOf(seq: bigint, holder: string, atMs: number, q: FareQuote, source: LedgerRide['source']): LedgerRide {
    return { seq, holder, atMs, industry: q.industry, kind: q.kind, line: q.line, fen: q.fareFen, source };
  }

  // --- records ------------------------------------------------------------------------------------

  /** Append a one-step decision (durable on return) and make the result. */
  oneStep(source: ProfileResult['source'], r: OneStep, latency: Record<string, number>, extra: Partial<ProfileResult> = {}): ProfileResult {
    const s = this.s;
    const t = s.clock.monotonic();
    const tokens: Record<string, string> = {};
    if (r.holder) tokens.holder = r.holder;
    if (r.card && r.card !== r.holder) tokens.card = r.card;
    const { seq } = s.journal.append({
      type: 'decision',
      service: s.config.profile.kind,
      outcome: r.decision.outcome,
      reason: r.decision.reason,
      amountFen: r.amountFen,
      tokens,
      payload: { source, ...r.payload },
    });
    latency.journal = s.clock.monotonic() - t;
    return { decision: r.decision, seq, source, latency, ...extra };
  }

  // --- upkeep -------------------------------------------------------------------------------------

  /** Identify the PSAM ahead of the first tap (off the tap path). */
  warmUp(): void {
    if (this.warming || this.psam.isReady(this.o.sam?.())) return;
    this.warming = this.lock
      .run(() => this.psam.ready())
      .then((r) => {
        if (!r.ok) this.s.log.warn('transit: PSAM not ready yet', { error: r.error });
      })
      .finally(() => (this.warming = undefined));
  }

  /**
   * Background upkeep (Profile.tick): torn debits swept, the PSAM identified ahead of the next tap, and
   * once an hour rides past their retention and e-code trips older than `tripMaxMs` pruned.
   */
  async upkeep(tripMaxMs = TRIP_MEMORY_MS): Promise<void> {
    await this.sweep();
    this.warmUp();
    const now = this.s.clock.now();
    if (now - this.lastPrune > 3_600_000) {
      this.lastPrune = now;
      this.ledger.prune(now, now - tripMaxMs);
    }
  }

  /** Mark debits whose card did not come back within the window as unconfirmed (for the backend). */
  async sweep(): Promise<number> {
    const windowMs = this.s.config.transit.tornWindowSeconds * 1000;
    return this.lock.run(async () => {
      const due = this.torn.sweep(this.s.clock.now(), windowMs);
      for (const r of due) await this.persist('result', r);
      if (due.length) this.s.log.warn('transit: torn debits not recovered within the window, marked unconfirmed', { count: due.length });
      return due.length;
    });
  }

  async close(): Promise<void> {
    await this.warming?.catch(() => {});
    await this.lock.run(async () => {});
    this.ledger.markSeen(this.s.journal.head);
    this.ledger.close();
  }
}

/** E-code metro trips kept at most this long when the profile does not say (bus: none are opened). */
const TRIP_MEMORY_MS = 31 * 86_400_000;

/** " (missing-entry: highest fare from this station)" for the penalties of a quote, or "". */
function penaltyNote(q: FareQuote): string {
  const p = q.steps.filter((x) => x.kind === 'penalty').map((x) => `${x.rule}: ${x.note}`);
  return p.length ? ` (${p.join('; ')})` : '';
}

/** The journal record that IS this tap's decision, when the kernel made one. */
function kernelSeq(out: TransitOutcome, receipts: readonly Receipt[]): bigint | undefined {
  const last = (pred: (r: Receipt) => boolean) => {
    for (let i = receipts.length - 1; i >= 0; i--) if (pred(receipts[i]!)) return receipts[i]!.seq;
    return undefined;
  };
  if (out.decision.reason === 'journal-failed') return undefined;
  if (out.recovered) return last((r) => r.kind === 'transit.recovered');
  switch (out.debit) {
    case 'done':
      return last((r) => r.kind === 'transit.result');
    case 'unknown':
      return last((r) => r.kind === 'transit.torn') ?? last((r) => r.name === 'intent');
    case 'refused':
      return last((r) => r.kind === 'transit.void') ?? last((r) => r.name === 'intent');
    default:
      return undefined;
  }
}
