/**
 * Write-ahead and closing (STYLE.md §3): the intent is durable before the command that may move money
 * (qPBOC GPO, contact GENERATE AC); every outcome after it is closed by one 'result' record (or an
 * 'unconfirmed' marker when the card left while that command was in flight). An approval is returned
 * only after its result record came back durable: if the journal fails, the outcome is
 * 'cannot-decide' / 'not-recorded', never 'approved'.
 */
import { decodeAn } from '../../../apdu/codec';
import { toHex } from '../../../apdu/hex';
import { CardError, ProtocolError, ReaderError, errorMessage } from '../../core/errors';
import { formatYuan } from '../../core/money';
import { persist, type Kernel } from '../../kernel/step';
import type { AuthorisationCode, PbocClearing, PbocDecision, PbocIntentPayload } from './outcome';
import type { CryptogramType } from './commands';
import type { TxContext } from './context';

export interface CryptogramData {
  type: CryptogramType;
  atc: Uint8Array;
  cryptogram: Uint8Array;
  iad: Uint8Array;
  cid?: number;
}

export function baseDecision(ctx: TxContext): Omit<PbocDecision, 'outcome' | 'reason' | 'message'> {
  return {
    interface: ctx.input.interface,
    path: ctx.path,
    aid: ctx.aid ? toHex(ctx.aid) : undefined,
    label: ctx.label,
    amountFen: ctx.amountFen,
    cryptogramType: ctx.cryptogramType,
    panMasked: ctx.panMasked,
    panToken: ctx.panToken,
    oda: ctx.oda,
    intentSeq: ctx.intentSeq,
  };
}

export function decision(ctx: TxContext, outcome: PbocDecision['outcome'], reason: string, message: string, extra: Partial<PbocDecision> = {}): PbocDecision {
  return { ...baseDecision(ctx), outcome, reason, message, ...extra };
}

export function clearingOf(ctx: TxContext, c: CryptogramData, authorisationCode?: AuthorisationCode): PbocClearing {
  const t = ctx.term.tags;
  let ecIssuerAuthCode: string | undefined;
  const v74 = ctx.card.get(0x9f74);
  if (v74) {
    try {
      ecIssuerAuthCode = decodeAn(v74);
    } catch {
      ecIssuerAuthCode = toHex(v74);
    }
  }
  return {
    txn: ctx.txn,
    panToken: ctx.panToken ?? '',
    panSequence: ctx.card.get(0x5f34) ? toHex(ctx.card.get(0x5f34)!) : undefined,
    aid: toHex(ctx.aid!),
    amountFen: ctx.amountFen,
    otherAmountFen: ctx.term.basics.otherAmountFen,
    currency: ctx.cfg.terminal.currencyCode,
    transactionType: toHex(t.get(0x9c)!),
    date: toHex(t.get(0x9a)!),
    time: toHex(t.get(0x9f21)!),
    unpredictableNumber: toHex(t.get(0x9f37)!),
    atc: toHex(c.atc),
    cryptogram: toHex(c.cryptogram),
    cryptogramType: c.type,
    cid: c.cid !== undefined ? toHex(Uint8Array.of(c.cid)) : undefined,
    tvr: toHex(ctx.term.tvr),
    tsi: toHex(ctx.term.tsi),
    aip: toHex(ctx.aip ?? new Uint8Array(2)),
    iad: toHex(c.iad),
    terminalCountry: ctx.cfg.terminal.countryCode,
    terminalType: toHex(t.get(0x9f35)!),
    terminalCapabilities: toHex(t.get(0x9f33)!),
    cvmResults: toHex(t.get(0x9f34)!),
    authorisationCode,
    ecIssuerAuthCode,
    cardProduct: ctx.card.get(0x9f63) ? toHex(ctx.card.get(0x9f63)!) : undefined,
    ctq: ctx.card.get(0x9f6c) ? toHex(ctx.card.get(0x9f6c)!) : undefined,
    interface: ctx.input.interface,
  };
}

/** Persist the intent. Returns a refusal decision when the journal cannot record (nothing was sent). */
export function* recordIntent(ctx: TxContext, step: 'GPO' | 'GENERATE AC'): Kernel<PbocDecision | undefined> {
  const payload: PbocIntentPayload = {
    kind: 'pboc.intent',
    interface: ctx.input.interface,
    aid: toHex(ctx.aid!),
    amountFen: ctx.amountFen,
    date: toHex(ctx.term.tags.get(0x9a)!),
    time: toHex(ctx.term.tags.get(0x9f21)!),
    unpredictableNumber: toHex(ctx.term.tags.get(0x9f37)!),
    step,
  };
  try {
    const r = yield* persist('intent', { txn: ctx.txn, tokens: ctx.panToken ? { pan: ctx.panToken } : undefined, payload });
    ctx.intentSeq = r.seq;
    ctx.phase = 'intent';
    ctx.debitStep = step;
    return undefined;
  } catch (e) {
    return decision(ctx, 'declined', 'out-of-service', `the journal cannot record (${errorMessage(e)}); nothing was charged`);
  }
}

/**
 * Close the transaction: persist the result when an intent is open, then return the decision — an
 * approval only if the record is durable.
 */
export function* close(ctx: TxContext, d: PbocDecision, offline = false): Kernel<PbocDecision> {
  if (ctx.intentSeq === undefined || ctx.phase === 'closed') return d;
  // Money moved on the card when it produced a TC (qPBOC debits electronic cash at GPO), approved or not.
  const moved = d.outcome === 'approved' || d.clearing?.cryptogramType === 'TC';
  try {
    const r = yield* persist('result', {
      refSeq: ctx.intentSeq,
      txn: ctx.txn,
      outcome: d.outcome,
      reason: d.reason,
      amountFen: moved ? ctx.amountFen : undefined,
      currency: moved ? ctx.cfg.terminal.currencyCode : undefined,
      offline,
      tokens: ctx.panToken ? { pan: ctx.panToken } : undefined,
      payload: {
        kind: 'pboc.result',
        clearing: d.clearing,
        authorisationCode: d.authorisationCode,
        oda: d.oda,
        ecBalanceFen: d.ecBalanceFen,
        availableOfflineFen: d.availableOfflineFen,
        signatureRequired: d.signatureRequired,
        message: d.message,
      },
    });
    ctx.phase = 'closed';
    return { ...d, resultSeq: r.seq };
  } catch (e) {
    ctx.phase = 'closed';
    if (d.outcome === 'approved') {
      return {
        ...d,
        outcome: 'cannot-decide',
        reason: 'not-recorded',
        message: `the card approved ${formatYuan(ctx.amountFen)} CNY but the journal could not record it (${errorMessage(e)}); not approved — the intent #${ctx.intentSeq} stays open for reconciliation`,
      };
    }
    return { ...d, message: `${d.message} (the journal could not record the result: ${errorMessage(e)})` };
  }
}

/** Card, reader or protocol failure anywhere in the flow → a typed outcome, recorded where an intent is open. */
export function* onFailure(ctx: TxContext, e: unknown, lastCryptogram: CryptogramData | undefined): Kernel<PbocDecision> {
  const what =
    e instanceof ReaderError
      ? { reason: 'reader-error', text: `reader failed: ${e.message}` }
      : e instanceof CardError
        ? e.kind === 'removed'
          ? { reason: 'card-removed', text: 'card removed' }
          : { reason: 'card-error', text: `card error: ${e.message}` }
        : { reason: 'card-data-invalid', text: `card answered nonsense: ${(e as ProtocolError).message}` };
  if (ctx.phase === 'idle' || ctx.phase === 'closed' || ctx.intentSeq === undefined) {
    return decision(ctx, 'declined', what.reason, `${what.text}; nothing was charged — present the card again`);
  }
  if (ctx.phase === 'intent' || (ctx.phase === 'answered' && lastCryptogram?.type !== 'TC')) {
    // The money-moving command was not sent, or the card answered without moving money.
    return yield* close(ctx, decision(ctx, 'declined', what.reason, `${what.text}; nothing was charged — present the card again`, lastCryptogram ? { clearing: clearingOf(ctx, lastCryptogram) } : {}));
  }
  // 'sent': the card may have moved money and we do not know; 'answered' with TC: it did.
  const charged = ctx.phase === 'answered';
  const message = charged
    ? `${what.text} after the card was charged ${formatYuan(ctx.amountFen)} CNY, before the payment could be verified — not approved; the charge is recorded for reconciliation (intent #${ctx.intentSeq})`
    : `${what.text} during ${ctx.debitStep}: the card may have been charged ${formatYuan(ctx.amountFen)} CNY — not approved; recorded as unconfirmed (intent #${ctx.intentSeq})`;
  const d = decision(ctx, 'cannot-decide', charged ? 'torn-after-charge' : 'torn', message, lastCryptogram ? { clearing: clearingOf(ctx, lastCryptogram) } : {});
  try {
    const r = yield* persist('unconfirmed', {
      refSeq: ctx.intentSeq,
      txn: ctx.txn,
      reason: d.reason,
      tokens: ctx.panToken ? { pan: ctx.panToken } : undefined,
      payload: { kind: 'pboc.torn', step: ctx.debitStep, error: e instanceof Error ? (e as { code?: string }).code ?? e.name : 'unknown', clearing: d.clearing },
    });
    ctx.phase = 'closed';
    return { ...d, resultSeq: r.seq };
  } catch (pe) {
    ctx.phase = 'closed';
    return { ...d, message: `${d.message} (the journal could not record the marker: ${errorMessage(pe)})` };
  }
}

/** Is this an error the kernel turns into an outcome (card, reader, card data)? Anything else is a bug. */
export function isTransactionError(e: unknown): e is CardError | ReaderError | ProtocolError {
  return e instanceof CardError || e instanceof ReaderError || e instanceof ProtocolError;
}
