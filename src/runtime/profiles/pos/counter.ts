/**
 * The frame of a sale at a cashier counter, shared by the hospital counter and the canteen POS:
 *  - the pending amount is claimed for the tap and settled whatever happens (an exception leaves it
 *    pending; `used` spends it);
 *  - a refusal before the sale is recorded before it is shown;
 *  - a failure after the sale ledger's hold settles that hold from the journal before it is rethrown;
 *  - an e-code pays only when it is verified (a fail-open "cannot decide" charges no one) and made for
 *    one of the counter's scopes;
 *  - the operator console over the desk and the sale ledger (the profile adds what it accepts to arm).
 */
import type { Credential } from '../../../core/credential';
import { decline, type Decision } from '../../../core/decision';
import type { Logger } from '../../../log/logger';
import type { Services } from '../../services';
import { codeMaskedId, verifyCode } from '../common';
import type { CodeScan, ProfileResult } from '../types';
import { OperatorError, type OperatorConsole, type OperatorDesk, type Order } from './operator-console';
import { lastSaleView, reconcileLedger, recordRefusal, refundLastSale } from './sale-flow';
import type { SaleLedger } from './sale-ledger';

export interface CounterOptions {
  services: Services;
  service: 'hospital' | 'canteen';
  ledger: SaleLedger;
  desk: OperatorDesk;
  log: Logger;
  refundWindowSeconds: number;
  /** The refusal records carry the order's `register` flag (hospital). */
  recordRegister: boolean;
}

type Source = ProfileResult['source'];
export type SaleOutcome = { result: ProfileResult; used: boolean };

/** A verified, in-scope e-code, or its refusal (already recorded). */
export type CounterCode = { ok: true; credential: Credential; info: Record<string, unknown> | undefined; maskedId: string; latency: Record<string, number> } | { ok: false; outcome: SaleOutcome };

export function counter(o: CounterOptions) {
  const { services: s, service, ledger, desk, log } = o;

  /** Refusal before the sale starts: durable; the order (if any) goes back to pending. */
  const refuse = (decision: Decision, source: Source, r: { credential?: Credential; order?: Order; maskedId?: string; latency?: Record<string, number> } = {}): ProfileResult => {
    const payload = r.order ? { amountFen: r.order.amountFen, ...(o.recordRegister ? { register: r.order.register } : {}) } : undefined;
    const seq = recordRefusal(s, service, decision, { credential: r.credential, payload });
    return { decision, seq, source, maskedId: r.maskedId, latency: r.latency };
  };

  /** Run one sale with a claimed order; settle the order whatever happens (an exception leaves it pending). */
  const withOrder = async (source: Source, run: (order: Order) => Promise<SaleOutcome>): Promise<ProfileResult> => {
    const claim = desk.claim();
    if (!claim.ok) return refuse(decline(claim.reason, claim.message), source);
    let used = false;
    try {
      const r = await run(claim.order);
      used = r.used;
      return r.result;
    } finally {
      desk.settle(claim.order, used);
    }
  };

  /** After the hold: a failure (card pulled, bug) settles the hold from the journal before it is rethrown. */
  const guarded = async <T>(txn: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      try {
        if (ledger.get(txn)?.state === 'held') reconcileLedger(s, ledger, service);
      } catch (re) {
        log.error('could not settle an interrupted sale now; it will be settled at the next start', { txn, error: (re as Error).message });
      }
      throw e;
    }
  };

  /** The e-code checks of a counter, before any money: accepted here, verified, in scope. */
  const code = (scan: CodeScan, order: Order, cfg: { acceptCode: boolean; ecodeProfile: string; codeScopes: readonly string[] }, words: { useCard: string; here: string }): CounterCode => {
    const refused = (d: Decision, credential?: Credential, latency?: Record<string, number>): CounterCode => ({ ok: false, outcome: { result: refuse(d, 'ecode', { credential, order, latency }), used: false } });
    if (!cfg.acceptCode) return refused(decline('code-not-accepted', `codes are not accepted here: please ${words.useCard}`));
    const r = verifyCode(s, scan, cfg.ecodeProfile);
    const latency: Record<string, number> = { verify: r.verifyMs };
    const scope = typeof r.info?.scope === 'string' ? r.info.scope : undefined;
    // Only a verified code pays: a fail-open "cannot decide" never charges anyone.
    if (r.decision.outcome !== 'approved' || r.decision.reason !== 'ecode-valid' || !r.credential) {
      return refused(r.decision.outcome === 'approved' ? decline('code-unverified', `the code cannot be verified now: please ${words.useCard}`) : r.decision, r.credential, latency);
    }
    if (!scope || !cfg.codeScopes.includes(scope)) return refused(decline('wrong-scope', `this code was made for "${scope ?? 'unknown'}", ${words.here} takes ${cfg.codeScopes.join(', ')} codes`), r.credential, latency);
    return { ok: true, credential: r.credential, info: r.info, maskedId: codeMaskedId(r.credential), latency };
  };

  /** The operator console; the profile says what may be armed (an amount, a registration). */
  const operatorConsole = (arm: Pick<OperatorConsole, 'setAmount' | 'register'>): OperatorConsole => {
    const op: OperatorConsole = {
      profile: service,
      state: () => ({ profile: service, pending: desk.peek(), inProgress: desk.inProgress(), lastSale: lastSaleView(ledger, s.clock.now(), o.refundWindowSeconds), maxAmountFen: desk.maxAmountFen, registration: desk.registration }),
      setAmount: (fen, opts) => arm.setAmount(fen, opts),
      register: () => arm.register(),
      cancel() {
        const cancelled = desk.cancel();
        return { cancelled, state: op.state() };
      },
      async refundLast() {
        if (desk.inProgress()) throw new OperatorError('busy', 'a payment is in progress: refund after it');
        const r = refundLastSale(s, ledger, service, o.refundWindowSeconds);
        desk.emit({ kind: 'decision', result: r.result });
        return r.outcome;
      },
      onEvent: (l) => desk.onEvent(l),
    };
    return op;
  };

  return { refuse, withOrder, guarded, code, operatorConsole };
}
