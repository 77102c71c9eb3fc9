/**
 * Torn-transaction memory. A debit is "pending" from its durable INTENT until a 'result' refers to
 * it (journal-records.ts). The kernel only asks, synchronously: "is there a pending debit for this
 * card?" — a lookup in RAM (kernels do no I/O), kept by whoever performs the kernel's persist
 * requests and seeded at start from the journal's open intents (Journal.openIntents()).
 *
 * TornLedger is that RAM index. Production wiring (the integrator):
 *   const ledger = new TornLedger();
 *   ledger.seed(journal.openIntents());                       // after a restart
 *   const persist = ledgerPersist(journalPersist(journal, { service }), ledger);
 *   runKernel(transitTap({ ..., torn: ledger }), { card, sam, persist });
 *   every few seconds: for (const r of ledger.sweep(now, windowMs)) persist('result', r);
 */
import type { PersistReceipt } from '../kernel/step';
import type { IntentRecord, TransitIntent, TransitRecord, TransitUnconfirmed } from './journal-records';

export interface PendingTorn {
  /** Journal seq of the intent (results refer to it). */
  intentSeq: bigint;
  txn: string;
  cardToken: string;
  balanceBeforeFen: number;
  /** EP sequence the debit used (the one GET TRANSACTION PROVE asks about). */
  epSeq: number;
  amountFen: number;
  /** When the intent was made (epoch ms). */
  atMs: number;
  transType: number;
  terminalId: string;
  terminalSeq: number;
  /** A torn marker was written (the card left during DEBIT), vs. only an intent (crash). */
  torn: boolean;
  intent: IntentRecord;
}

export interface TornMemory {
  /** The newest unresolved debit for this card token, if any. Synchronous, no I/O. */
  lookup(cardToken: string): PendingTorn | undefined;
}

export function pendingFromIntent(seq: bigint, i: IntentRecord, torn = false): PendingTorn {
  const p = i.payload;
  return {
    intentSeq: seq,
    txn: i.txn,
    cardToken: i.tokens.card,
    balanceBeforeFen: p.balanceBeforeFen,
    epSeq: p.epSeq,
    amountFen: p.amountFen,
    atMs: p.atMs,
    transType: p.transType,
    terminalId: p.terminalId,
    terminalSeq: p.terminalSeq,
    torn,
    intent: i,
  };
}

const isTransitIntent = (x: unknown): x is TransitIntent => !!x && typeof x === 'object' && (x as { kind?: unknown }).kind === 'transit.intent';

export class TornLedger implements TornMemory {
  private readonly pendingBySeq = new Map<bigint, PendingTorn>();

  /** Feed every record once it is durable, with its receipt (in journal order). Others are ignored. */
  observe(name: string, record: unknown, receipt: PersistReceipt): void {
    const r = record as Partial<TransitRecord>;
    const type = r?.type ?? name;
    if (type === 'intent' && isTransitIntent(r.payload) && typeof r.txn === 'string' && typeof r.tokens?.card === 'string') {
      this.pendingBySeq.set(receipt.seq, pendingFromIntent(receipt.seq, r as IntentRecord));
    } else if (type === 'unconfirmed' && typeof r.refSeq === 'bigint') {
      const p = this.pendingBySeq.get(r.refSeq);
      if (p) p.torn = true;
    } else if (type === 'result' && typeof r.refSeq === 'bigint') this.pendingBySeq.delete(r.refSeq);
  }

  /**
   * Rebuild after a restart from the journal's open intents (JournalRecord: seq, type, txn, tokens,
   * payload). Records that are not transit intents are skipped.
   */
  seed(openIntents: Iterable<{ seq: bigint; type: string; txn: string | null; tokens: Record<string, string>; payload: unknown }>): number {
    let n = 0;
    for (const o of openIntents) {
      if (o.type !== 'intent' || !isTransitIntent(o.payload) || !o.txn || !o.tokens.card) continue;
      const tokens = o.tokens.holder ? { card: o.tokens.card, holder: o.tokens.holder } : { card: o.tokens.card };
      const rec: IntentRecord = { type: 'intent', txn: o.txn, amountFen: o.payload.amountFen, tokens, payload: o.payload };
      this.pendingBySeq.set(o.seq, pendingFromIntent(o.seq, rec));
      n++;
    }
    return n;
  }

  lookup(cardToken: string): PendingTorn | undefined {
    let best: PendingTorn | undefined;
    for (const p of this.pendingBySeq.values()) if (p.cardToken === cardToken && (!best || p.atMs > best.atMs)) best = p;
    return best;
  }

  pending(): PendingTorn[] {
    return [...this.pendingBySeq.values()];
  }

  /**
   * The 'result' records (outcome 'unconfirmed') for debits whose card did not come back within the
   * window. The caller persists each (as `persist('result', r)`) — the ledger then drops them.
   */
  sweep(nowMs: number, windowMs: number): TransitRecord<TransitUnconfirmed>[] {
    return sweepUnconfirmed(this.pending(), nowMs, windowMs);
  }
}

/** Pure: pending debits past the window, as the records that mark them for the backend. */
export function sweepUnconfirmed(pending: readonly PendingTorn[], nowMs: number, windowMs: number): TransitRecord<TransitUnconfirmed>[] {
  return pending
    .filter((p) => nowMs - p.atMs > windowMs)
    .map((p) => ({
      type: 'result' as const,
      txn: p.txn,
      refSeq: p.intentSeq,
      outcome: 'unconfirmed' as const,
      reason: 'card-not-back',
      tokens: p.intent.tokens,
      payload: {
        kind: 'transit.unconfirmed' as const,
        atMs: nowMs,
        why: 'card-not-back' as const,
        amountAtStakeFen: p.amountFen,
        note: `${p.torn ? 'card left during DEBIT' : 'no answer to DEBIT recorded (restart?)'}; not seen again within ${Math.round(windowMs / 1000)} s: the debit may or may not have happened — settle from the card issuer's records`,
      },
    }));
}

/** Wrap a persist channel so the ledger sees every durable record (after it is durable). */
export function ledgerPersist(
  inner: (name: string, record: unknown) => PersistReceipt | Promise<PersistReceipt>,
  ledger: TornLedger,
): (name: string, record: unknown) => Promise<PersistReceipt> {
  return async (name, record) => {
    const receipt = await inner(name, record);
    ledger.observe(name, record, receipt);
    return receipt;
  };
}
