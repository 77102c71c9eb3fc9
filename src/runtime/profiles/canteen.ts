/**
 * Canteen POS: the cashier types the amount (operator console / API), the customer taps the social
 * security card or shows the e-code (卡码同权: the same holder token, the same wallet, the same limit).
 *
 * One sale, in order:
 *  1. an amount must be pending (else "enter the amount first", recorded; the card is not even read and
 *     the code not consumed);
 *  2. the credential: SSSE read + acceptance + hotlist (card), or offline e-code verification + hotlist
 *     + scope (code);
 *  3. the holder's daily limit (subsidy + card + post-paid, over today's standing sales);
 *  4. the subsidy wallet: the day's subsidy for the holder's best category (credential categories and
 *     the roster), spent FIRST; write-ahead hold in the sale ledger;
 *  5. the rest: charged to the card's UnionPay application (qPBOC / EC, or contact PBOC; the kernel
 *     writes its intent and result), or for an e-code post-paid (a charge record within the journal's
 *     offline limits, settled by the backend);
 *  6. the 'sale' record (durable), then the ledger settles (void gives the subsidy back).
 * The amount is used up by an approval (or a torn card payment); after a plain decline it stays pending.
 */
import { join } from 'node:path';
import { cstDateNumber } from '../../core/clock';
import type { Credential } from '../../core/credential';
import { approve, decline, type Decision } from '../../core/decision';
import { formatYuan } from '../../core/money';
import { readAndAcceptSsse } from './common';
import type { CanteenProfileConfig } from './config';
import { interfaceOf, moneyMayHaveMoved, payByCard, paymentDetails } from './pos/card-payment';
import { counter } from './pos/counter';
import { OperatorDesk, OperatorError, type OperatorConsole, type Order, type PosProfile } from './pos/operator-console';
import { fileRoster } from './pos/roster';
import { SaleLedger } from './pos/sale-ledger';
import { reconcileLedger, recordPostpaidSale, recordSale } from './pos/sale-flow';
import { dailyLimitDecision, entitlementOf, planSale, type SalePlan } from './pos/subsidy';
import type { CardTap, CodeScan, ProfileContext } from './types';

const SERVICE = 'canteen';

export function canteenProfile(ctx: ProfileContext, cfg: CanteenProfileConfig): PosProfile {
  const s = ctx.services;
  const log = s.log.child('canteen');
  const ledger = new SaleLedger(join(s.config.terminal.dataDir, 'canteen-sales.sqlite'));
  for (const r of reconcileLedger(s, ledger, SERVICE)) log.warn('sale settled after a restart', { txn: r.txn, was: r.was, now: r.now });
  const roster = fileRoster(cfg.subsidy.rosterFile, log);
  const desk = new OperatorDesk({ clock: s.clock, maxAmountFen: cfg.maxAmountFen, amountTimeoutSeconds: cfg.amountTimeoutSeconds, registration: false });
  const { refuse, withOrder, guarded, code, operatorConsole } = counter({ services: s, service: SERVICE, ledger, desk, log, refundWindowSeconds: cfg.refundWindowSeconds, recordRegister: false });

  /** Limit and subsidy for this holder; a decline, or the plan with the wallet hold written. */
  const plan = (credential: Credential, order: Order, method: 'card' | 'ecode'): { decline: Decision } | { plan: SalePlan; category?: string } => {
    const now = s.clock.now();
    const day = cstDateNumber(now);
    const holder = credential.holderToken;
    const limit = dailyLimitDecision(cfg.dailyLimitFen, ledger.spentToday(holder, day), order.amountFen);
    if (limit) return { decline: limit };
    const ent = cfg.subsidy.enabled ? entitlementOf([...credential.categories, ...roster(holder)], cfg.subsidy.dailyFenByCategory) : { dailyFen: 0 };
    const wallet = ledger.wallet(holder, day, ent.dailyFen);
    const p = planSale(order.amountFen, wallet.balanceFen);
    ledger.hold({ txn: order.id, day, holder, method: p.chargedFen === 0 ? 'subsidy' : method, totalFen: p.totalFen, subsidyFen: p.subsidyFen, chargedFen: p.chargedFen, entitledFen: ent.dailyFen, hintSeq: s.journal.head, atMs: now });
    return { plan: p, category: p.subsidyFen > 0 ? ent.category : undefined };
  };

  const paidMessage = (p: SalePlan, via: 'card' | 'post-paid') => {
    if (p.chargedFen === 0) return `paid ${formatYuan(p.totalFen)} CNY from the subsidy`;
    if (p.subsidyFen === 0) return `paid ${formatYuan(p.totalFen)} CNY ${via === 'card' ? 'by card' : 'post-paid'}`;
    return `paid ${formatYuan(p.totalFen)} CNY: subsidy ${formatYuan(p.subsidyFen)}, ${via} ${formatYuan(p.chargedFen)}`;
  };

  const operator: OperatorConsole = operatorConsole({
    setAmount(fen, opts) {
      if (opts?.register) throw new OperatorError('not-supported', 'a canteen does not register patients');
      desk.set(fen, false);
      return operator.state();
    },
    register() {
      throw new OperatorError('not-supported', 'a canteen does not register patients');
    },
  });

  return {
    name: 'canteen',
    operator,
    idle() {
      const order = desk.peek();
      return order ? { prompt: cfg.acceptCode ? 'tap-or-scan' : 'tap-card', amountFen: order.amountFen } : { prompt: 'enter-amount' };
    },

    onCard: (tap: CardTap) =>
      withOrder('ssse-card', async (order) => {
        const r = await readAndAcceptSsse(s, tap);
        const latency: Record<string, number> = { read: r.readMs };
        if (r.decision.outcome !== 'approved' || !r.credential) {
          const d = r.decision.reason === 'not-ssc' ? decline('not-ssc', 'this canteen takes the social security card or its e-code') : r.decision;
          return { result: refuse(d, 'ssse-card', { credential: r.credential, order, maskedId: r.maskedId, latency }), used: false };
        }
        const credential = r.credential;
        const planned = plan(credential, order, 'card');
        if ('decline' in planned) return { result: refuse(planned.decline, 'ssse-card', { credential, order, maskedId: r.maskedId, latency }), used: false };
        const p = planned.plan;
        return guarded(order.id, async () => {
          if (p.chargedFen === 0) {
            const d = approve('ok', paidMessage(p, 'card'));
            const t0 = s.clock.monotonic();
            const seq = recordSale(s, { service: SERVICE, decision: d, txn: order.id, method: 'subsidy', totalFen: p.totalFen, subsidyFen: p.subsidyFen, chargedFen: 0, credential, category: planned.category });
            ledger.finish(order.id, true, seq);
            latency.journal = s.clock.monotonic() - t0;
            return { result: { decision: d, seq, source: 'ssse-card', amountFen: 0, fullAmountFen: p.totalFen, concession: planned.category, maskedId: r.maskedId, latency }, used: true };
          }
          const iface = interfaceOf(tap.reader, cfg.contactReaders);
          const pay = await payByCard(s, tap, { amountFen: p.chargedFen, txn: order.id, interface: iface, service: SERVICE });
          latency.kernel = pay.hostMs + pay.ioMs;
          const k = pay.decision;
          const approved = k.outcome === 'approved';
          const d: Decision = approved ? approve('ok', paidMessage(p, 'card')) : { outcome: k.outcome, reason: k.reason, message: k.message };
          const t0 = s.clock.monotonic();
          const seq = recordSale(s, {
            service: SERVICE,
            decision: d,
            txn: order.id,
            method: 'card',
            totalFen: p.totalFen,
            subsidyFen: p.subsidyFen,
            chargedFen: p.chargedFen,
            credential,
            panToken: k.panToken,
            paymentSeq: k.resultSeq,
            category: planned.category,
            details: { payment: paymentDetails(k) },
          });
          ledger.finish(order.id, approved, seq);
          latency.journal = s.clock.monotonic() - t0;
          const subsidised = approved && p.subsidyFen > 0;
          return {
            result: { decision: d, seq, source: 'pboc-card', amountFen: approved ? p.chargedFen : undefined, fullAmountFen: subsidised ? p.totalFen : undefined, concession: subsidised ? planned.category : undefined, balanceFen: k.ecBalanceFen, maskedId: k.panMasked ?? r.maskedId, latency },
            used: moneyMayHaveMoved(k),
          };
        });
      }),

    onCode: (scan: CodeScan) =>
      withOrder('ecode', async (order) => {
        const c = code(scan, order, cfg, { useCard: 'tap your card', here: 'the canteen' });
        if (!c.ok) return c.outcome;
        const { credential, maskedId, latency } = c;
        const planned = plan(credential, order, 'ecode');
        if ('decline' in planned) return { result: refuse(planned.decline, 'ecode', { credential, order, maskedId, latency }), used: false };
        const p = planned.plan;
        return guarded(order.id, async () => {
          const base = { service: SERVICE, txn: order.id, totalFen: p.totalFen, subsidyFen: p.subsidyFen, chargedFen: p.chargedFen, credential, category: planned.category, details: { code: c.info } };
          const t0 = s.clock.monotonic();
          if (p.chargedFen > 0) {
            const off = s.journal.checkOffline(p.chargedFen);
            if (!off.ok) {
              const dd = decline(off.reason, off.message);
              const seq = recordSale(s, { ...base, method: 'ecode', decision: dd });
              ledger.finish(order.id, false, seq);
              return { result: { decision: dd, seq, source: 'ecode', maskedId, latency }, used: false };
            }
          }
          const dd = approve('ok', paidMessage(p, 'post-paid'));
          const seq = p.chargedFen > 0 ? recordPostpaidSale(s, { ...base, method: 'ecode', decision: dd }) : recordSale(s, { ...base, method: 'subsidy', decision: dd });
          ledger.finish(order.id, true, seq);
          latency.journal = s.clock.monotonic() - t0;
          const subsidised = p.subsidyFen > 0;
          return { result: { decision: dd, seq, source: 'ecode', amountFen: p.chargedFen, fullAmountFen: subsidised ? p.totalFen : undefined, concession: subsidised ? planned.category : undefined, maskedId, latency }, used: true };
        });
      }),

    async close() {
      desk.close();
      ledger.close();
    },
  };
}
