/**
 * The records the transit kernel asks the journal to make durable (`yield* persist(type, record)`),
 * shaped as the journal's kernel records (src/journal/persist.ts KernelRecord: type, refSeq, txn,
 * outcome, reason, amountFen, tokens, payload — checked by a test against the real journal).
 * Write-ahead (STYLE.md §3): the INTENT is durable before DEBIT is sent; one 'result' closes it:
 *
 *   intent                     payload transit.intent: everything needed to recover or clear
 *   unconfirmed (marker)       payload transit.torn: the card left during DEBIT; closes nothing
 *   result  transit.result     the card answered DEBIT (status completed / mac2-invalid / mac2-unverified)
 *   result  transit.recovered  a torn debit confirmed on a later tap (GET TRANSACTION PROVE or the log)
 *   result  transit.void       no debit happened (card refused DEBIT, or came back unchanged)
 *   result  transit.unconfirmed  outcome 'unconfirmed': the card did not come back within the window
 *                              (or came back inconclusive) — clearly marked for the backend to settle
 *
 * An open intent (no result yet) IS the torn-transaction memory (torn.ts). No card serial in clear:
 * tokens.card = tokenise('tunion-serial', serial). `amountFen` is set only on records that moved money.
 */
import type { Outcome } from '../core/decision';
import type { Mac2Check } from '../sam/types';

export interface TransitRideInfo {
  profile: string;
  kind: 'single' | 'entry' | 'exit';
  station?: string;
  line: number;
  stationNo: number;
  baseFen: number;
  penaltyFen: number;
  concession?: string;
  transfer?: string;
  cap?: string;
  fareVersion: string;
}

export interface TransitIntent {
  kind: 'transit.intent';
  atMs: number;
  /** YYYYMMDDhhmmss CST, as sent to the card and PSAM. */
  dateTime: string;
  issuerId: string;
  city: string;
  cardCategory: number;
  terminalId: string;
  terminalSeq: number;
  epSeq: number;
  balanceBeforeFen: number;
  amountFen: number;
  transType: number;
  keyVersion: number;
  algorithmId: number;
  algorithm: '3des' | 'sm4';
  ride: TransitRideInfo;
}

export interface TransitResult {
  kind: 'transit.result';
  atMs: number;
  status: 'completed' | 'mac2-invalid' | 'mac2-unverified';
  tac: string;
  mac2: string;
  balanceAfterFen: number;
}

export interface TransitTorn {
  kind: 'transit.torn';
  atMs: number;
  /** Error code of what interrupted the DEBIT exchange ("reader/card-removed", "card/mute", …). */
  error: string;
}

export interface TransitRecovered {
  kind: 'transit.recovered';
  /** When the card came back. */
  atMs: number;
  /** 'prove': the card gave MAC2 and TAC for that EP sequence; 'record': its transaction log shows the debit. */
  evidence: 'prove' | 'record';
  tac?: string;
  mac2?: string;
  mac2Check: Mac2Check | 'not-checked';
  balanceAfterFen: number;
}

export interface TransitVoid {
  kind: 'transit.void';
  atMs: number;
  why: 'mac1-rejected' | 'debit-refused' | 'debit-not-applied';
  /** The card's status word, where it gave one. */
  sw?: string;
}

export interface TransitUnconfirmed {
  kind: 'transit.unconfirmed';
  atMs: number;
  why: 'card-not-back' | 'inconclusive';
  /** The amount that may or may not have been debited. */
  amountAtStakeFen: number;
  note: string;
}

export type TransitPayload = TransitIntent | TransitResult | TransitTorn | TransitRecovered | TransitVoid | TransitUnconfirmed;

/** A record as the kernel yields it; structurally the journal's KernelRecord. */
export interface TransitRecord<P extends TransitPayload = TransitPayload> {
  type: 'intent' | 'result' | 'unconfirmed';
  /** `${terminalId}-${terminalSeq}`: unique per PSAM, stable across retries and uploads. */
  txn: string;
  /** The intent this record refers to (journal seq), for results and markers. */
  refSeq?: bigint;
  outcome?: Outcome | 'unconfirmed';
  reason?: string;
  amountFen?: number;
  tokens?: { card: string; holder?: string };
  payload: P;
}

export type IntentRecord = TransitRecord<TransitIntent> & { type: 'intent'; tokens: { card: string; holder?: string } };

/** What the clearing backend needs for one debit. */
export interface ClearingData {
  txn: string;
  status: TransitResult['status'] | 'recovered';
  /** Transaction authentication code (hex), the backend's proof of the debit; absent if only the card's log showed it. */
  tac?: string;
  cardToken: string;
  epSeq: number;
  terminalId: string;
  terminalSeq: number;
  amountFen: number;
  balanceBeforeFen: number;
  balanceAfterFen: number;
  transType: number;
  dateTime: string;
  algorithm: '3des' | 'sm4';
  keyVersion: number;
  mac2: Mac2Check | 'not-checked';
}

export function clearingFromIntent(i: IntentRecord, r: { status: ClearingData['status']; tac?: string; balanceAfterFen: number; mac2: ClearingData['mac2'] }): ClearingData {
  const p = i.payload;
  return {
    txn: i.txn,
    status: r.status,
    tac: r.tac,
    cardToken: i.tokens.card,
    epSeq: p.epSeq,
    terminalId: p.terminalId,
    terminalSeq: p.terminalSeq,
    amountFen: p.amountFen,
    balanceBeforeFen: p.balanceBeforeFen,
    balanceAfterFen: r.balanceAfterFen,
    transType: p.transType,
    dateTime: p.dateTime,
    algorithm: p.algorithm,
    keyVersion: p.keyVersion,
    mac2: r.mac2,
  };
}
