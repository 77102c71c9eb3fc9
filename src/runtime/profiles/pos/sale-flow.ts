/**
 * The journal side of a counter sale, shared by the hospital counter and the canteen POS: the 'sale'
 * record that closes each sale (after the card kernel's own intent/result, or alone), the post-paid
 * charge of an e-code, the refund of the last sale, and the reconciliation of ledger rows a crash left
 * between two steps. Records carry tokens and masked values only; personal data travels only in
 * `personal` (sealed by the journal).
 *
 * Record shapes (docs/operator-api.md):
 *   sale     { txn, outcome, reason, amountFen (total, when approved), refSeq (card result), tokens
 *              {holder?, pan?}, payload {kind:'pos.sale', method, totalFen, subsidyFen, chargedFen, …} }
 *   postpaid { txn, offline: true, amountFen (the post-paid part), tokens {holder} } — e-code only,
 *              appended with its sale in one transaction; counts toward the offline limits until sent.
 *   refund   { txn (the sale's), refSeq (the sale), outcome, reason, amountFen, payload {kind:
 *              'pos.refund', subsidyFen, cardFen, postpaidFen} }
 */
import type { Credential, CredentialSource, EntitlementCategory } from '../../../core/credential';
import { approve, decline, type Decision } from '../../../core/decision';
import { formatYuan, type Fen } from '../../../core/money';
import type { JournalRecord, RecordInput } from '../../../journal';
import type { PersonalData } from '../../../journal/seal';
import type { Services } from '../../services';
import type { ProfileResult } from '../types';
import type { LastSaleView, RefundOutcome } from './operator-console';
import type { SaleLedger, SaleMethod, SaleRow } from './sale-ledger';

export interface SaleRecordInput {
  service: string;
  decision: Decision;
  txn: string;
  method: SaleMethod;
  totalFen: Fen;
  subsidyFen: Fen;
  chargedFen: Fen;
  credential?: Credential;
  panToken?: string;
  /** The card kernel's result record. */
  paymentSeq?: bigint;
  category?: EntitlementCategory;
  /** Non-personal details (payment interface, cryptogram type, registration flag…). */
  details?: Record<string, unknown>;
  personal?: PersonalData;
  type?: 'sale' | 'registration';
}

function tokensOf(credential: Credential | undefined, panToken: string | undefined): Record<string, string> {
  const t: Record<string, string> = {};
  if (credential) t.holder = credential.holderToken;
  if (panToken) t.pan = panToken;
  return t;
}

function saleRecord(r: SaleRecordInput): RecordInput {
  const approved = r.decision.outcome === 'approved';
  return {
    type: r.type ?? 'sale',
    service: r.service,
    outcome: r.decision.outcome,
    reason: r.decision.reason,
    amountFen: approved && r.totalFen > 0 ? r.totalFen : undefined,
    txn: r.txn,
    refSeq: r.paymentSeq,
    tokens: tokensOf(r.credential, r.panToken),
    payload: {
      kind: r.type === 'registration' ? 'pos.registration' : 'pos.sale',
      method: r.method,
      totalFen: r.totalFen,
      subsidyFen: r.subsidyFen,
      chargedFen: r.chargedFen,
      ...(r.category ? { category: r.category } : {}),
      source: r.credential?.source,
      region: r.credential?.region,
      ...r.details,
    },
    personal: r.personal,
  };
}

/** Make the sale's decision durable (one record, one fsync). Returns its seq. */
export function recordSale(s: Services, r: SaleRecordInput): bigint {
  return s.journal.append(saleRecord(r)).seq;
}

/**
 * An approved e-code sale with a post-paid part: the charge (offline: it counts toward the offline
 * limits until the backend has it) and the sale, in one transaction. Returns the sale's seq.
 */
export function recordPostpaidSale(s: Services, r: SaleRecordInput): bigint {
  const charge: RecordInput = {
    type: 'postpaid',
    service: r.service,
    outcome: 'approved',
    reason: 'postpaid',
    amountFen: r.chargedFen,
    offline: true,
    txn: r.txn,
    tokens: tokensOf(r.credential, undefined),
    payload: { kind: 'pos.postpaid', totalFen: r.totalFen, subsidyFen: r.subsidyFen, region: r.credential?.region },
  };
  const [, sale] = s.journal.appendMany([charge, saleRecord(r)]);
  return sale!.seq;
}

/** A one-step refusal before any money could move (no amount, busy, card not accepted…). */
export function recordRefusal(s: Services, service: string, decision: Decision, o: { credential?: Credential; payload?: Record<string, unknown> } = {}): bigint {
  return s.journal.append({
    type: 'decision',
    service,
    outcome: decision.outcome,
    reason: decision.reason,
    tokens: tokensOf(o.credential, undefined),
    payload: { source: o.credential?.source, region: o.credential?.region, ...o.payload },
  }).seq;
}

// ---------------------------------------------------------------------------------------- refunds

export function lastSaleView(ledger: SaleLedger, nowMs: number, windowSeconds: number): LastSaleView | null {
  const r = ledger.lastSale();
  if (!r || r.saleSeq === null) return null;
  const until = r.atMs + windowSeconds * 1000;
  return {
    txn: r.txn,
    seq: r.saleSeq.toString(),
    atMs: r.atMs,
    amountFen: r.totalFen,
    subsidyFen: r.subsidyFen,
    chargedFen: r.chargedFen,
    method: r.method,
    state: r.state === 'refunded' ? 'refunded' : 'sold',
    refundableUntilMs: r.state === 'done' && nowMs <= until ? until : null,
  };
}

const sourceOf = (m: SaleMethod): CredentialSource => (m === 'card' ? 'pboc-card' : m === 'ecode' ? 'ecode' : 'ssse-card');

/**
 * Refund the LAST approved sale of this counter, within the window. The subsidy goes back to the
 * holder's wallet; the card part is recorded for the backend to refund (electronic cash cannot be
 * credited offline: crediting EC is an issuer-script load, not a terminal operation); a post-paid
 * part is recorded as cancelled. The answer — approved or refused — is durable before it is returned.
 */
export function refundLastSale(s: Services, ledger: SaleLedger, service: string, windowSeconds: number): { outcome: RefundOutcome; result: ProfileResult } {
  const now = s.clock.now();
  const last = ledger.lastSale();
  const refuse = (d: Decision, row?: SaleRow) => {
    const seq = s.journal.append({ type: 'refund', service, outcome: d.outcome, reason: d.reason, txn: row?.txn, refSeq: row?.saleSeq ?? undefined, payload: { kind: 'pos.refund' } }).seq;
    return { outcome: { decision: d, seq: seq.toString(), saleTxn: row?.txn, saleSeq: row?.saleSeq?.toString() }, result: { decision: d, seq, source: row ? sourceOf(row.method) : 'ssse-card' } as ProfileResult };
  };
  if (!last || last.saleSeq === null) return refuse(decline('nothing-to-refund', 'no sale to refund at this counter'));
  if (last.state === 'refunded' || last.state === 'refunding') return refuse(decline('already-refunded', 'the last sale was already refunded'), last);
  if (now > last.atMs + windowSeconds * 1000) return refuse(decline('refund-window-passed', `the last sale is older than ${windowSeconds} s: refunds go through the back office`), last);

  ledger.beginRefund(last.txn, s.journal.head);
  const cardFen = last.method === 'card' ? last.chargedFen : 0;
  const postpaidFen = last.method === 'ecode' ? last.chargedFen : 0;
  const parts = [last.subsidyFen > 0 ? `subsidy ${formatYuan(last.subsidyFen)} back to the wallet` : '', cardFen > 0 ? `card ${formatYuan(cardFen)} refunded by the bank` : '', postpaidFen > 0 ? `charge ${formatYuan(postpaidFen)} cancelled` : ''].filter(Boolean);
  const d = approve('refund', `refunded ${formatYuan(last.totalFen)} CNY${parts.length ? ` (${parts.join('; ')})` : ''}`);
  let seq: bigint;
  try {
    seq = s.journal.append({
      type: 'refund',
      service,
      outcome: d.outcome,
      reason: d.reason,
      amountFen: last.totalFen,
      txn: last.txn,
      refSeq: last.saleSeq,
      tokens: last.holder ? { holder: last.holder } : {},
      payload: { kind: 'pos.refund', method: last.method, subsidyFen: last.subsidyFen, cardFen, postpaidFen, ...(cardFen > 0 ? { card: 'refund-by-backend' } : {}) },
    }).seq;
  } catch (e) {
    ledger.abortRefund(last.txn);
    throw e;
  }
  ledger.completeRefund(last.txn, seq);
  return {
    outcome: { decision: d, seq: seq.toString(), saleTxn: last.txn, saleSeq: last.saleSeq.toString(), amountFen: last.totalFen, subsidyFen: last.subsidyFen, cardFen, postpaidFen },
    result: { decision: d, seq, source: sourceOf(last.method), amountFen: last.totalFen },
  };
}

// ---------------------------------------------------------------------------------- reconciliation

/** Journal records of one txn after a seq (bounded scan: the rows a crash leaves are recent). */
function recordsOf(s: Services, txn: string, after: bigint, maxScan = 100_000): JournalRecord[] {
  const out: JournalRecord[] = [];
  let cursor = after;
  for (let scanned = 0; scanned < maxScan; ) {
    const page = s.journal.list({ after: cursor, limit: 500 });
    if (page.length === 0) break;
    for (const r of page) if (r.txn === txn) out.push(r);
    scanned += page.length;
    cursor = page[page.length - 1]!.seq;
  }
  return out;
}

export interface ReconcileReport {
  txn: string;
  was: 'held' | 'refunding';
  now: 'done' | 'void' | 'refunded';
  /** A sale record written now (the card paid before the crash, or a payment was interrupted). */
  recoveredSeq?: bigint;
}

/**
 * Settle the ledger rows a crash left between two steps, from the journal (never by guessing):
 *  - held, with its sale record → follow the record;
 *  - held, no sale record, the card kernel's result approved → the card paid: write the sale record
 *    ('recovered-after-restart') and keep the subsidy spent;
 *  - held, a card intent without result (torn) → record the sale "cannot decide" (the backend settles the
 *    card part from the kernel's records) and give the subsidy back;
 *  - held, nothing in the journal → nothing happened: give the subsidy back;
 *  - refunding → refunded if its refund record is there, else the sale stands.
 */
export function reconcileLedger(s: Services, ledger: SaleLedger, service: string): ReconcileReport[] {
  const out: ReconcileReport[] = [];
  for (const row of ledger.unsettled()) {
    const recs = recordsOf(s, row.txn, row.hintSeq);
    if (row.state === 'refunding') {
      const refund = recs.find((r) => r.type === 'refund' && r.outcome === 'approved');
      if (refund) {
        ledger.completeRefund(row.txn, refund.seq);
        out.push({ txn: row.txn, was: 'refunding', now: 'refunded' });
      } else {
        ledger.abortRefund(row.txn);
        out.push({ txn: row.txn, was: 'refunding', now: 'done' });
      }
      continue;
    }
    const sale = recs.find((r) => r.type === 'sale' || r.type === 'registration');
    if (sale) {
      ledger.finish(row.txn, sale.outcome === 'approved', sale.seq);
      out.push({ txn: row.txn, was: 'held', now: sale.outcome === 'approved' ? 'done' : 'void' });
      continue;
    }
    const result = recs.find((r) => r.type === 'result');
    const intent = recs.find((r) => r.type === 'intent');
    const base = { service, txn: row.txn, method: row.method, totalFen: row.totalFen, subsidyFen: row.subsidyFen, chargedFen: row.chargedFen, details: { recovered: true } };
    const holderTokens = row.holder ? { holderToken: row.holder, source: 'ssse-card' as const, categories: [], hotlistKeys: [] } : undefined;
    if (result && result.outcome === 'approved') {
      const seq = recordSale(s, { ...base, decision: approve('recovered-after-restart', 'the card paid before the terminal restarted'), paymentSeq: result.seq, credential: holderTokens, panToken: result.tokens.pan });
      ledger.finish(row.txn, true, seq);
      out.push({ txn: row.txn, was: 'held', now: 'done', recoveredSeq: seq });
    } else if (intent && !result) {
      const seq = recordSale(s, { ...base, decision: { outcome: 'cannot-decide', reason: 'interrupted', message: 'the terminal stopped during the card payment: the backend settles it' }, credential: holderTokens });
      ledger.finish(row.txn, false, seq);
      out.push({ txn: row.txn, was: 'held', now: 'void', recoveredSeq: seq });
    } else {
      ledger.finish(row.txn, false, null);
      out.push({ txn: row.txn, was: 'held', now: 'void' });
    }
  }
  return out;
}
