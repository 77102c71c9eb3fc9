/**
 * The transit tap kernel: a pure step machine (STYLE.md §2) for one tap of a T-Union / city e-purse
 * card through a PSAM (DOMAIN.md §1.3). It yields card APDUs, SAM APDUs (via the PurchaseSam) and
 * journal records; `runKernel` performs them. Card and reader errors arrive at the yield that caused
 * them, so the kernel always knows whether DEBIT may have reached the card.
 *
 *   SELECT EP → 0015 (FCI 9F0C or READ BINARY) → READ 0017 → checks (enable flag, validity, city /
 *   interop, issuer, category, hotlist) → GET BALANCE → travel records 001E (→ compound 001A, metro)
 *   → torn-transaction check (GET TRANSACTION PROVE / 0018) → fare (credential, not card type)
 *   → INITIALIZE FOR CAPP PURCHASE → PSAM MAC1 → UPDATE CAPP DATA CACHE (001A, 001E)
 *   → persist INTENT → DEBIT → PSAM verify MAC2 → persist RESULT → decision
 */
import { fromHex, toHex } from '../../apdu/hex';
import { swHex } from '../../apdu/status-words';
import { expectSw } from '../../apdu/transceive';
import { cstDateNumber } from '../core/clock';
import type { EntitlementCategory } from '../core/credential';
import type { Credential } from '../core/credential';
import type { Decision } from '../core/decision';
import { CardError, ProtocolError, ReaderError, errorMessage } from '../core/errors';
import { maskCardNumber } from '../core/mask';
import { formatYuan } from '../core/money';
import { quoteFare, stationCodeOf, type FareQuote, type PastRide, type RideHistory, type RideRequest } from '../fares/engine';
import type { FareParameters } from '../fares/params';
import { persist, toCard, type Kernel } from '../kernel/step';
import type { Mac1Result, Mac2Check, PurchaseSam, SamIdentity, Step } from '../sam/types';
import { readBalance, readCompoundRecord, readIssuerFileBytes, readManagementFileBytes, readRecords, selectTransport } from './card-steps';
import { debit, initPurchase, parseDebit, parseInitPurchase, updateCappDataCache, type InitPurchaseAnswer } from './commands';
import { algorithmOf, type TransitConfig } from './config';
import { ENABLE_FLAG, INDUSTRY, INTEROP_TUNION, SFI, SW_INIT_PURCHASE, SW_UPDATE_CAPP, TRANS_TYPE } from './constants';
import { transitCredential, type Tokenise } from './credential';
import { clearingFromIntent, type ClearingData, type IntentRecord, type TransitRecord, type TransitResult, type TransitTorn, type TransitVoid } from './journal-records';
import {
  TRIP_STATE,
  cstDateTime14,
  decodeCompoundRecord,
  decodeIssuerFile,
  decodeManagementFile,
  decodeTravelRecord,
  encodeCompoundRecord,
  encodeDateTime7,
  encodeTravelRecord,
  terminal8,
  type CompoundRecord,
  type IssuerFile,
  type ManagementFile,
} from './records';
import { debitDecision, declined, undecided, type Reasoned, type TransitReason } from './reasons';
import type { TornMemory } from './torn';
import { recoverTorn } from './torn-recovery';

/** Where this validator is and what it charges; from the device's configuration (or `ykt ride`). */
export interface RideContext {
  /** Fare profile in the parameter file. */
  profile: string;
  /** Station code in the parameter file (metro gates). */
  station?: string;
  /** Metro gates: entry or exit. Bus validators: absent. */
  direction?: 'entry' | 'exit';
  /**
   * Metro entry: the card's own trip record (001A) says it entered less than this long ago and never
   * exited → declined 'anti-passback' (no re-entry, and no missing-exit penalty charged for it).
   */
  reentryWindowMs?: number;
}

/** What the host knows of the holder's rides beyond the card's own travel records (e-code rides…). */
export type HostHistory = Pick<RideHistory, 'spentTodayFen' | 'spentThisMonthFen'> & {
  /** Rides the card's travel records cannot show (another credential of the same holder); added to them. */
  rides?: readonly PastRide[];
};

export interface TransitTapInput {
  config: TransitConfig;
  fares: FareParameters;
  ride: RideContext;
  /** Wall-clock time of the tap (epoch ms), from the injected clock. */
  nowMs: number;
  sam: PurchaseSam;
  /** From `sam.identify()`, run once after the SAM powers up. */
  samIdentity: SamIdentity;
  tokenise: Tokenise;
  /** Is this T-Union serial on the hotlist? (src/hotlist: keyed by hotlistKey('tunion', serial)). */
  isHotlisted: (kind: 'tunion', serial: string) => boolean;
  torn: TornMemory;
  /** Holder token when another application of the chip gave it (SSSE); else the serial token. */
  holderToken?: string;
  /**
   * Host-side totals for caps and rides of the same holder by other credentials (卡码同权); the card's
   * own travel records are always used too. `cardToken` lets the host leave out this card's own rides.
   */
  history?: (holderToken: string, cardToken: string) => HostHistory | undefined;
  /**
   * Anti-passback by holder token (shared with the e-code): true = this holder passed a moment ago →
   * declined 'anti-passback' before anything is charged. Asked after a torn debit was recovered.
   */
  recentlyPassed?: (holderToken: string) => boolean;
  /** Entitlements the host knows for this holder, added to the card category's. */
  entitlements?: (holderToken: string) => readonly EntitlementCategory[];
  device?: string;
}

export interface TransitCardSummary {
  cardToken: string;
  issuerId: string;
  city: string;
  cardCategory: number;
  expiryDate: number;
  /** The application serial masked for screens (first digit and last two). */
  maskedSerial: string;
  /** Balance after this tap (fen), as far as the terminal knows. */
  balanceFen?: number;
}

export interface TransitOutcome {
  decision: Decision & { reason: TransitReason };
  /**
   * What happened to money on this tap: 'none' (no DEBIT sent), 'done' (the card answered DEBIT),
   * 'refused' (the card refused DEBIT: nothing taken), 'unknown' (torn: recovered on the next tap).
   */
  debit: 'none' | 'done' | 'refused' | 'unknown';
  card?: TransitCardSummary;
  credential?: Credential;
  fare?: FareQuote;
  clearing?: ClearingData;
  /** A torn debit of an earlier tap that this tap confirmed. */
  recovered?: ClearingData;
}


/** Errors before DEBIT: no money moved. Reader/card trouble → cannot decide; nonsense → decline. */
function readFailure(e: unknown): TransitOutcome {
  if (e instanceof ProtocolError) return { decision: declined('card-data-invalid', errorMessage(e)), debit: 'none' };
  if (e instanceof CardError || e instanceof ReaderError) return { decision: undecided('card-error', errorMessage(e)), debit: 'none' };
  throw e;
}

export function* transitTap(input: TransitTapInput): Kernel<TransitOutcome> {
  try {
    return yield* tap(input);
  } catch (e) {
    return readFailure(e);
  }
}

function* tap(input: TransitTapInput): Kernel<TransitOutcome> {
  const { config, samIdentity, nowMs } = input;
  const today = cstDateNumber(nowMs);
  if (samIdentity.validTo < today || samIdentity.validFrom > today) return { decision: undecided('sam-expired'), debit: 'none' };

  // --- read ------------------------------------------------------------------------------------
  const sel = yield* selectTransport(config.aid);
  if (sel.sw === 0x6a82) return { decision: declined('no-transit-app'), debit: 'none' };
  if (sel.sw === 0x6a81) return { decision: declined('app-stopped'), debit: 'none' };
  if (sel.sw === 0x9303) return { decision: declined('app-locked'), debit: 'none' };
  const issuer = decodeIssuerFile(yield* readIssuerFileBytes(sel.fci, config.issuerFileFromFci));
  const mgmt = decodeManagementFile(yield* readManagementFileBytes());

  const tc = transitCredential({ config, issuer, management: mgmt, tokenise: input.tokenise, holderToken: input.holderToken, entitlements: input.entitlements, device: input.device });
  const card: TransitCardSummary = { cardToken: tc.cardToken, issuerId: issuer.issuerId, city: mgmt.city, cardCategory: mgmt.cardCategory, expiryDate: issuer.expiryDate, maskedSerial: maskCardNumber(issuer.serial) };
  const base = { card, credential: tc.credential };

  // --- acceptance checks, in DOMAIN.md order: validity, enable flag, interop/city, category, hotlist
  const refusal = acceptance(config, issuer, mgmt, today, tc.categoryKnown);
  if (refusal) return { ...base, decision: refusal, debit: 'none' };
  if (input.isHotlisted('tunion', issuer.serial)) return { ...base, decision: declined('hotlisted'), debit: 'none' };

  const balance = yield* readBalance();
  card.balanceFen = balance;

  // --- torn transaction of an earlier tap on this terminal ----------------------------------------
  const recovery = yield* recoverTorn({ input, cardToken: tc.cardToken, balanceFen: balance });
  if (recovery.outcome) return { ...base, ...recovery.outcome, card: { ...card, balanceFen: balance } };
  if (input.recentlyPassed?.(tc.credential.holderToken)) return { ...base, decision: declined('anti-passback'), debit: 'none' };

  // --- history and trip state, then the fare ---------------------------------------------------
  const prof = input.fares.profiles[input.ride.profile];
  const industry = prof?.industry ?? 'bus';
  const travel = yield* readRecords(SFI.TRAVEL, config.travelRecordsToRead, '001E');
  const rides = ridesFromTravel(config, travel);
  let compound: CompoundRecord | undefined;
  if (industry === 'metro' && input.ride.direction) {
    const raw = yield* readCompoundRecord(config.compoundRecordIds.metro);
    if (!raw) return { ...base, decision: declined('no-metro-record'), debit: 'none' };
    compound = decodeCompoundRecord(raw);
    if (compound.recordId !== config.compoundRecordIds.metro) throw new ProtocolError(`001A: asked for record ${config.compoundRecordIds.metro}, card gave ${compound.recordId}`, 'transit-record');
    const window = input.ride.reentryWindowMs ?? 0;
    if (input.ride.direction === 'entry' && window > 0 && compound.tripState === TRIP_STATE.ENTERED && compound.atMs !== undefined && nowMs >= compound.atMs && nowMs - compound.atMs < window) {
      return { ...base, decision: declined('anti-passback', `entered ${Math.round((nowMs - compound.atMs) / 1000)} s ago, no exit since`), debit: 'none' };
    }
  }
  const host = input.history?.(tc.credential.holderToken, tc.cardToken);
  const rideReq = rideRequest(input, compound);
  const quote = quoteFare(input.fares, tc.credential, rideReq, { ...host, rides: host?.rides?.length ? [...rides, ...host.rides] : rides });
  if (!quote.ok) return { ...base, decision: declined('fare-refused', quote.message), debit: 'none' };
  const withFare = { ...base, fare: quote };
  if (quote.fareFen > balance) return { ...withFare, decision: declined('insufficient-funds', `fare ${formatYuan(quote.fareFen)}, balance ${formatYuan(balance)}`), debit: 'none' };

  // --- purchase: INITIALIZE → MAC1 → UPDATE CAPP DATA CACHE → INTENT -----------------------------
  const terminalHex = toHex(samIdentity.terminalId);
  const init = expectSw(
    'INITIALIZE FOR CAPP PURCHASE',
    yield* toCard('INIT CAPP PURCHASE', initPurchase({ capp: true, keyIndex: samIdentity.keyIndex, amountFen: quote.fareFen, terminal6: samIdentity.terminalId })),
    SW_INIT_PURCHASE,
  );
  if (init.sw === 0x9401) return { ...withFare, decision: declined('insufficient-funds'), debit: 'none' };
  if (init.sw === 0x9403) return { ...withFare, decision: declined('key-index-unsupported', `key index ${samIdentity.keyIndex}`), debit: 'none' };
  const ia = parseInitPurchase(init.data);
  const algorithm = algorithmOf(config, ia.algorithmId);
  if (!algorithm || !config.acceptedAlgorithms.includes(algorithm)) {
    return { ...withFare, decision: declined('algorithm-unsupported', `algorithm id ${toHex(Uint8Array.of(ia.algorithmId))}`), debit: 'none' };
  }
  if (quote.fareFen > ia.balanceFen) return { ...withFare, decision: declined('insufficient-funds'), debit: 'none' };

  const dateTime7 = encodeDateTime7(nowMs);
  let mac1: Mac1Result;
  try {
    mac1 = yield* input.sam.mac1({
      random: ia.random,
      epSeq: ia.epSeq,
      amountFen: quote.fareFen,
      transType: TRANS_TYPE.COMPOUND_PURCHASE,
      dateTime7,
      keyVersion: ia.keyVersion,
      algorithmId: ia.algorithmId,
      factors: config.diversificationFactors.map((f) => (f === 'card-serial' ? issuer.serialBytes.slice(2, 10) : fromHex(issuer.issuerId))),
    });
  } catch (e) {
    return { ...withFare, decision: undecided('sam-failed', errorMessage(e)), debit: 'none' };
  }

  const balanceAfter = ia.balanceFen - quote.fareFen;
  if (compound) {
    const rec = encodeCompoundRecord({
      recordId: config.compoundRecordIds.metro,
      length: config.compoundRecordLength,
      tripState: input.ride.direction === 'entry' ? TRIP_STATE.ENTERED : TRIP_STATE.EXITED,
      line: quote.line,
      station: quote.station,
      terminal: terminal8(terminalHex),
      atMs: nowMs,
      amountFen: quote.fareFen,
      city: config.localCity,
    });
    expectSw('UPDATE CAPP DATA CACHE 001A', yield* toCard('UPDATE CAPP 001A', updateCappDataCache(SFI.COMPOUND, config.compoundRecordIds.metro, rec)), SW_UPDATE_CAPP);
  }
  const travelRec = encodeTravelRecord({
    type: config.travelRecordTypes[quote.kind],
    terminal: terminal8(terminalHex),
    industryCode: INDUSTRY[quote.industry],
    line: quote.line,
    station: quote.station,
    operator: config.operator,
    amountFen: quote.fareFen,
    balanceAfterFen: balanceAfter,
    atMs: nowMs,
    city: config.localCity,
    institution: config.institution,
  });
  expectSw('UPDATE CAPP DATA CACHE 001E', yield* toCard('UPDATE CAPP 001E', updateCappDataCache(SFI.TRAVEL, 0x00, travelRec)), SW_UPDATE_CAPP);

  const intent = intentRecord(input, { issuer, mgmt, cardToken: tc.cardToken, holderToken: tc.credential.holderToken, ia, algorithm, mac1, quote, terminalHex });
  let intentSeq: bigint;
  try {
    intentSeq = (yield* persist('intent', intent)).seq;
  } catch (e) {
    return { ...withFare, decision: undecided('journal-failed', errorMessage(e)), debit: 'none' };
  }
  return yield* debitAndVerify(input, intent, intentSeq, mac1, dateTime7, { ...withFare, card: { ...card, balanceFen: ia.balanceFen } });
}

/** DEBIT, MAC2 and the result record. From here on the card may have been debited. */
function* debitAndVerify(
  input: TransitTapInput,
  intent: IntentRecord,
  intentSeq: bigint,
  mac1: Mac1Result,
  dateTime7: Uint8Array,
  out: Omit<TransitOutcome, 'decision' | 'debit'>,
): Kernel<TransitOutcome> {
  const ref = { txn: intent.txn, refSeq: intentSeq, tokens: intent.tokens };
  let answer;
  try {
    answer = yield* toCard('DEBIT', debit(mac1.terminalSeq4, dateTime7, mac1.mac1));
  } catch (e) {
    return yield* tornNow(ref, e, out, input.nowMs);
  }
  if (answer.sw !== 0x9000) {
    const why = answer.sw === 0x9302 ? 'mac1-rejected' : 'debit-refused';
    const sw = swHex(answer.sw);
    const decision = why === 'mac1-rejected' ? declined('mac1-rejected') : undecided('debit-refused', `SW ${sw}`);
    const rec: TransitRecord<TransitVoid> = { type: 'result', ...ref, outcome: decision.outcome, reason: why, payload: { kind: 'transit.void', atMs: input.nowMs, why, sw } };
    try {
      yield* persist('result', rec);
    } catch {
      /* the intent stays open; the next tap of this card resolves it (nothing was debited) */
    }
    return { ...out, decision, debit: 'refused' };
  }
  let tac: Uint8Array;
  let mac2: Uint8Array;
  try {
    ({ tac, mac2 } = parseDebit(answer.data));
  } catch (e) {
    // The card said 9000 to DEBIT but the answer is unusable: treat as torn (prove on the next tap).
    return yield* tornNow(ref, e, out, input.nowMs);
  }
  let check: Mac2Check | 'not-checked';
  try {
    check = yield* input.sam.verifyMac2(mac2);
  } catch {
    check = 'not-checked';
  }
  const status: TransitResult['status'] = check === 'valid' ? 'completed' : check === 'invalid' ? 'mac2-invalid' : 'mac2-unverified';
  const amountFen = intent.payload.amountFen;
  const balanceAfterFen = intent.payload.balanceBeforeFen - amountFen;
  const decision = debitDecision(input.config, status, amountFen, balanceAfterFen);
  const result: TransitRecord<TransitResult> = {
    type: 'result',
    ...ref,
    outcome: decision.outcome,
    reason: decision.reason,
    amountFen,
    payload: { kind: 'transit.result', atMs: input.nowMs, status, tac: toHex(tac), mac2: toHex(mac2), balanceAfterFen },
  };
  const clearing = clearingFromIntent(intent, { status, tac: result.payload.tac, balanceAfterFen, mac2: check });
  const done = { ...out, clearing, card: out.card && { ...out.card, balanceFen: balanceAfterFen }, debit: 'done' as const };
  try {
    yield* persist('result', result);
  } catch (e) {
    return { ...done, decision: undecided('journal-failed', `debited ${formatYuan(amountFen)} but the result was not recorded: ${errorMessage(e)}`) };
  }
  return { ...done, decision };
}

function* tornNow(ref: { txn: string; refSeq: bigint; tokens: IntentRecord['tokens'] }, e: unknown, out: Omit<TransitOutcome, 'decision' | 'debit'>, nowMs: number): Step<TransitOutcome> {
  const code = e instanceof Error && 'code' in e ? String((e as { code: unknown }).code) : 'unknown';
  const decision = undecided('torn', errorMessage(e));
  const marker: TransitRecord<TransitTorn> = { type: 'unconfirmed', ...ref, outcome: decision.outcome, reason: 'torn', payload: { kind: 'transit.torn', atMs: nowMs, error: code } };
  try {
    yield* persist('unconfirmed', marker);
  } catch {
    /* the durable intent alone keeps the debit pending */
  }
  return { ...out, decision, debit: 'unknown' };
}

function acceptance(config: TransitConfig, issuer: IssuerFile, mgmt: ManagementFile, today: number, categoryKnown: boolean): Reasoned | undefined {
  if (issuer.startDate > today) return declined('not-yet-valid', `from ${issuer.startDate}`);
  if (issuer.expiryDate < today) return declined('expired', `on ${issuer.expiryDate}`);
  if (issuer.enableFlag === ENABLE_FLAG.STOPPED) return declined('app-stopped');
  if (issuer.enableFlag !== ENABLE_FLAG.ACTIVE) return declined('app-not-active');
  const interop = mgmt.interopType === INTEROP_TUNION;
  const localCities = config.acceptance.localOnlyCities ?? [config.localCity];
  const cityOk = localCities.includes(mgmt.city);
  if (!(interop && config.acceptance.interoperable) && !cityOk) return declined('not-accepted-here', `city ${mgmt.city}${interop ? '' : ', not T-Union interoperable'}`);
  if (config.acceptance.issuers.length > 0 && !config.acceptance.issuers.includes(issuer.issuerId)) return declined('issuer-not-accepted');
  if (!categoryKnown && config.unknownCategory === 'decline') return declined('category-unknown', `category ${toHex(Uint8Array.of(mgmt.cardCategory))}`);
  return undefined;
}

function rideRequest(input: TransitTapInput, compound: CompoundRecord | undefined): RideRequest {
  const { ride, nowMs, fares } = input;
  const kind = ride.direction ?? 'single';
  const req: RideRequest = { profile: ride.profile, atMs: nowMs, kind, station: ride.station };
  const entered = compound && compound.tripState === TRIP_STATE.ENTERED && compound.atMs !== undefined ? compound : undefined;
  if (kind === 'entry' && entered) req.openTrip = { atMs: entered.atMs! };
  if (kind === 'exit' && entered) req.entry = { station: stationCodeOf(fares, entered.line, entered.station), atMs: entered.atMs! };
  return req;
}

/** Recent rides from the card's travel records. A malformed record only loses history, never the tap. */
export function ridesFromTravel(config: TransitConfig, records: readonly Uint8Array[]): PastRide[] {
  const kinds = new Map<number, PastRide['kind']>([
    [config.travelRecordTypes.single, 'single'],
    [config.travelRecordTypes.entry, 'entry'],
    [config.travelRecordTypes.exit, 'exit'],
  ]);
  const out: PastRide[] = [];
  for (const raw of records) {
    try {
      const r = decodeTravelRecord(raw);
      const kind = r && kinds.get(r.type);
      if (!r || !kind || !r.industry) continue;
      out.push({ atMs: r.atMs, industry: r.industry, kind, line: r.line, fen: r.amountFen });
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
    }
  }
  return out;
}

function intentRecord(
  input: TransitTapInput,
  c: { issuer: IssuerFile; mgmt: ManagementFile; cardToken: string; holderToken: string; ia: InitPurchaseAnswer; algorithm: '3des' | 'sm4'; mac1: Mac1Result; quote: FareQuote; terminalHex: string },
): IntentRecord {
  return {
    type: 'intent',
    txn: `${c.terminalHex}-${c.mac1.terminalSeq}`,
    amountFen: c.quote.fareFen,
    tokens: c.holderToken === c.cardToken ? { card: c.cardToken } : { card: c.cardToken, holder: c.holderToken },
    payload: {
      kind: 'transit.intent',
      atMs: input.nowMs,
      dateTime: cstDateTime14(input.nowMs),
      issuerId: c.issuer.issuerId,
      city: c.mgmt.city,
      cardCategory: c.mgmt.cardCategory,
      terminalId: c.terminalHex,
      terminalSeq: c.mac1.terminalSeq,
      epSeq: c.ia.epSeq,
      balanceBeforeFen: c.ia.balanceFen,
      amountFen: c.quote.fareFen,
      transType: TRANS_TYPE.COMPOUND_PURCHASE,
      keyVersion: c.ia.keyVersion,
      algorithmId: c.ia.algorithmId,
      algorithm: c.algorithm,
      ride: {
        profile: c.quote.profile,
        kind: c.quote.kind,
        station: input.ride.station,
        line: c.quote.line,
        stationNo: c.quote.station,
        baseFen: c.quote.baseFen,
        penaltyFen: c.quote.penaltyFen,
        concession: c.quote.concession,
        transfer: c.quote.transfer,
        cap: c.quote.cap,
        fareVersion: input.fares.version,
      },
    },
  };
}
