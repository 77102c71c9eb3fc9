/**
 * Recovering a torn debit (DOMAIN.md §1.3): the card left after DEBIT was sent, so the terminal does
 * not know whether it was debited. When the same card comes back to the same terminal (same PSAM)
 * within the window, the card itself says:
 *
 *   1. GET TRANSACTION PROVE (80 5A 00 <type> 02 ‖ EP seq): a card whose last transaction used that
 *      EP sequence answers MAC2 ‖ TAC → debited; MAC2 is checked by the PSAM only if it still holds
 *      that debit's session (PurchaseSam.currentSession) → result transit.recovered (evidence 'prove').
 *   2. Otherwise the card's transaction log (0018): a record with that EP seq, amount, type and this
 *      terminal → debited, without TAC → result transit.recovered (evidence 'record').
 *   3. Otherwise, balance unchanged → not debited → result transit.void, and the tap goes on as new.
 *   4. Otherwise (balance changed, no evidence) → result transit.unconfirmed ('inconclusive'), tap goes on.
 *
 * Charge once, record once: a recovered debit answers this tap, without a new charge. Whether that
 * answer is an approval follows the MAC2 check and config.mac2UnverifiedPolicy, as for a normal debit.
 */
import { toHex } from '../../apdu/hex';
import { expectSw } from '../../apdu/transceive';
import { ProtocolError } from '../core/errors';
import { persist, toCard } from '../kernel/step';
import type { Mac2Check, Step } from '../sam/types';
import { readRecords } from './card-steps';
import { getTransactionProve, parseProve } from './commands';
import { SFI, SW_PROVE } from './constants';
import { clearingFromIntent, type TransitRecord, type TransitRecovered, type TransitUnconfirmed, type TransitVoid } from './journal-records';
import type { TransitOutcome, TransitTapInput } from './kernel';
import { debitDecision, undecided } from './reasons';
import { decodeTransactionRecord } from './records';

export interface RecoveryResult {
  /** Set when this tap is fully answered by the recovery (the earlier debit was confirmed). */
  outcome?: Omit<TransitOutcome, 'card' | 'credential'>;
}

export function* recoverTorn(c: { input: TransitTapInput; cardToken: string; balanceFen: number }): Step<RecoveryResult> {
  const { input, cardToken, balanceFen } = c;
  const pending = input.torn.lookup(cardToken);
  if (!pending) return {};
  if (pending.terminalId !== toHex(input.samIdentity.terminalId)) return {};
  if (input.nowMs - pending.atMs > input.config.tornWindowSeconds * 1000 || input.nowMs < pending.atMs) return {};

  const ref = { txn: pending.txn, refSeq: pending.intentSeq, tokens: pending.intent.tokens };
  const balanceAfterFen = pending.balanceBeforeFen - pending.amountFen;
  let recovered: TransitRecovered;

  const prove = expectSw('GET TRANSACTION PROVE', yield* toCard('GET TRANSACTION PROVE', getTransactionProve(pending.transType, pending.epSeq)), SW_PROVE);
  if (prove.sw === 0x9000) {
    const { mac2, tac } = parseProve(prove.data);
    // Only the session of this debit's own MAC1 can judge its MAC2: after another MAC1 a genuine MAC2
    // would look "invalid". Then the TAC (checked by the backend) is the proof.
    let check: Mac2Check | 'not-checked' = 'no-session';
    if (input.sam.currentSession() === pending.terminalSeq) {
      try {
        check = yield* input.sam.verifyMac2(mac2);
      } catch {
        check = 'not-checked';
      }
    }
    recovered = { kind: 'transit.recovered', atMs: input.nowMs, evidence: 'prove', tac: toHex(tac), mac2: toHex(mac2), mac2Check: check, balanceAfterFen };
  } else {
    const log = yield* readRecords(SFI.TRANSACTIONS, input.config.transactionRecordsToRead, '0018');
    const match = log.some((raw) => {
      try {
        const r = decodeTransactionRecord(raw);
        return !!r && r.epSeq === pending.epSeq && r.amountFen === pending.amountFen && r.type === pending.transType && r.terminal === pending.terminalId;
      } catch (e) {
        if (e instanceof ProtocolError) return false;
        throw e;
      }
    });
    if (match) {
      recovered = { kind: 'transit.recovered', atMs: input.nowMs, evidence: 'record', mac2Check: 'not-checked', balanceAfterFen };
    } else if (balanceFen === pending.balanceBeforeFen) {
      const rec: TransitRecord<TransitVoid> = { type: 'result', ...ref, outcome: 'declined', reason: 'debit-not-applied', payload: { kind: 'transit.void', atMs: input.nowMs, why: 'debit-not-applied' } };
      return (yield* persisted(rec)) ? {} : journalFailed();
    } else {
      const rec: TransitRecord<TransitUnconfirmed> = {
        type: 'result',
        ...ref,
        outcome: 'unconfirmed',
        reason: 'inconclusive',
        payload: {
          kind: 'transit.unconfirmed',
          atMs: input.nowMs,
          why: 'inconclusive',
          amountAtStakeFen: pending.amountFen,
          note: `card back within the window: no prove, no matching log record, balance ${balanceFen} fen vs ${pending.balanceBeforeFen} before`,
        },
      };
      return (yield* persisted(rec)) ? {} : journalFailed();
    }
  }

  const status = recovered.mac2Check === 'valid' ? 'completed' : recovered.mac2Check === 'invalid' ? 'mac2-invalid' : 'recovered-unverified';
  const decision = debitDecision(input.config, status, pending.amountFen, balanceAfterFen, 'torn-recovered');
  const rec: TransitRecord<TransitRecovered> = { type: 'result', ...ref, outcome: decision.outcome, reason: 'torn-recovered', amountFen: pending.amountFen, payload: recovered };
  if (!(yield* persisted(rec))) return journalFailed();
  const clearing = clearingFromIntent(pending.intent, { status: 'recovered', tac: recovered.tac, balanceAfterFen, mac2: recovered.mac2Check });
  return { outcome: { decision, debit: 'none', recovered: clearing } };
}

function* persisted(rec: TransitRecord): Step<boolean> {
  try {
    yield* persist('result', rec);
    return true;
  } catch {
    return false;
  }
}

const journalFailed = (): RecoveryResult => ({ outcome: { decision: undecided('journal-failed', 'while resolving an earlier torn debit'), debit: 'none' } });
