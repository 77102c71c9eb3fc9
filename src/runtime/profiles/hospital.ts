/**
 * Hospital counter (挂号收费窗口). The cashier arms the next tap from the operator console / API:
 *
 *  - payment:                   POST /operator/amount {fen}                  — e.g. a bill at the payment window;
 *  - registration + payment:    POST /operator/amount {fen, register: true}  — registration with its fee, one tap;
 *  - registration only:         POST /operator/register                      — e.g. free or deferred registration.
 *
 * One tap does what was armed, all or nothing: a registration whose fee is declined is not a
 * registration (no holder data is kept). Nothing armed → "enter the amount first" (recorded; the card is
 * not read).
 *
 * Registration identifies the patient: by the social security card (SSSE EF05 acceptance + hotlist, and
 * EF06 name and ID number — which registration needs — read after EXTERNAL AUTHENTICATE; stored only
 * SEALED in the journal via `personal`, shown masked), or by the e-code with a medical scope (a
 * pseudonymous holder token: the hospital system resolves it online; the code carries no name).
 * Payment: the card's UnionPay application (qPBOC / EC within its limits, or contact PBOC; QuickPass CVM
 * limit and EC limits from the pboc config), or a bank card without the social security application
 * (payment only, acceptBankCards); for an e-code, a post-paid charge within the journal's offline limits.
 */
import { join } from 'node:path';
import { cstDateNumber } from '../../core/clock';
import type { Credential } from '../../core/credential';
import { approve, decline, type Decision } from '../../core/decision';
import { formatYuan } from '../../core/money';
import type { PersonalData } from '../../journal/seal';
import { holderIdentity, readAndAcceptSsse, ssseAuthenticatorOf } from './common';
import type { HospitalProfileConfig } from './config';
import { interfaceOf, moneyMayHaveMoved, payByCard, paymentDetails } from './pos/card-payment';
import { counter } from './pos/counter';
import { OperatorDesk, type OperatorConsole, type Order, type PosProfile } from './pos/operator-console';
import { SaleLedger } from './pos/sale-ledger';
import { reconcileLedger, recordPostpaidSale, recordSale } from './pos/sale-flow';
import type { CardTap, CodeScan, ProfileContext } from './types';

const SERVICE = 'hospital';

export function hospitalProfile(ctx: ProfileContext, cfg: HospitalProfileConfig): PosProfile {
  const s = ctx.services;
  const log = s.log.child('hospital');
  const ledger = new SaleLedger(join(s.config.terminal.dataDir, 'hospital-sales.sqlite'));
  for (const r of reconcileLedger(s, ledger, SERVICE)) log.warn('sale settled after a restart', { txn: r.txn, was: r.was, now: r.now });
  const desk = new OperatorDesk({ clock: s.clock, maxAmountFen: cfg.maxAmountFen, amountTimeoutSeconds: cfg.amountTimeoutSeconds, registration: cfg.registration });
  const { refuse, withOrder, guarded, code, operatorConsole } = counter({ services: s, service: SERVICE, ledger, desk, log, refundWindowSeconds: cfg.refundWindowSeconds, recordRegister: true });
  const authenticate = ssseAuthenticatorOf(cfg.ssseTestAuthKey);

  const hold = (order: Order, holder: string | null, method: 'card' | 'ecode') =>
    ledger.hold({ txn: order.id, day: cstDateNumber(s.clock.now()), holder, method, totalFen: order.amountFen, subsidyFen: 0, chargedFen: order.amountFen, entitledFen: 0, hintSeq: s.journal.head, atMs: s.clock.now() });

  const registered = (order: Order, paid: string) => (order.register ? (order.amountFen > 0 ? `registered; ${paid}` : 'registered') : paid);

  const operator: OperatorConsole = operatorConsole({
    setAmount(fen, opts) {
      desk.set(fen, opts?.register ?? false);
      return operator.state();
    },
    register() {
      desk.set(0, true);
      return operator.state();
    },
  });

  return {
    name: 'hospital',
    operator,
    idle() {
      const order = desk.peek();
      return order ? { prompt: cfg.acceptCode ? 'tap-or-scan' : 'tap-card', ...(order.amountFen > 0 ? { amountFen: order.amountFen } : {}) } : { prompt: 'enter-amount' };
    },

    onCard: (tap: CardTap) =>
      withOrder('ssse-card', async (order) => {
        const r = await readAndAcceptSsse(s, tap, { holderData: order.register, authenticate });
        const latency: Record<string, number> = { read: r.readMs };
        let credential: Credential | undefined;
        let maskedId = r.maskedId;
        let personal: PersonalData | undefined;
        if (r.decision.reason === 'not-ssc') {
          if (order.register) return { result: refuse(decline('registration-needs-ssc', 'registration needs the social security card or the medical e-code'), 'ssse-card', { order, latency }), used: false };
          if (!cfg.acceptBankCards) return { result: refuse(decline('not-ssc', 'this counter takes the social security card or the medical e-code'), 'ssse-card', { order, latency }), used: false };
          // A bank card: payment only, identified by its PAN token (the kernel checks the PAN hotlist).
        } else if (r.decision.outcome !== 'approved' || !r.credential) {
          return { result: refuse(r.decision, 'ssse-card', { credential: r.credential, order, maskedId, latency }), used: false };
        } else credential = r.credential;

        if (order.register) {
          const who = holderIdentity(r);
          if ('refused' in who) return { result: refuse(who.refused, 'ssse-card', { credential, order, maskedId, latency }), used: false };
          ({ personal, maskedId } = who);
        }

        if (order.amountFen === 0) {
          const d = approve('registered', 'registered');
          const t0 = s.clock.monotonic();
          const seq = recordSale(s, { type: 'registration', service: SERVICE, decision: d, txn: order.id, method: 'card', totalFen: 0, subsidyFen: 0, chargedFen: 0, credential, personal, details: { register: true } });
          latency.journal = s.clock.monotonic() - t0;
          return { result: { decision: d, seq, source: 'ssse-card', maskedId, latency }, used: true };
        }

        hold(order, credential?.holderToken ?? null, 'card');
        return guarded(order.id, async () => {
          const pay = await payByCard(s, tap, { amountFen: order.amountFen, txn: order.id, interface: interfaceOf(tap.reader, cfg.contactReaders), service: SERVICE });
          latency.kernel = pay.hostMs + pay.ioMs;
          const k = pay.decision;
          const approved = k.outcome === 'approved';
          const paid = `paid ${formatYuan(order.amountFen)} CNY${k.signatureRequired ? ': please sign the receipt' : ''}`;
          const d: Decision = approved ? approve(order.register ? 'registered' : 'ok', registered(order, paid)) : { outcome: k.outcome, reason: k.reason, message: k.message };
          const t0 = s.clock.monotonic();
          const seq = recordSale(s, {
            service: SERVICE,
            decision: d,
            txn: order.id,
            method: 'card',
            totalFen: order.amountFen,
            subsidyFen: 0,
            chargedFen: order.amountFen,
            credential,
            panToken: k.panToken,
            paymentSeq: k.resultSeq,
            // Holder data is kept only for a registration that happened.
            personal: approved ? personal : undefined,
            details: { register: order.register, payment: paymentDetails(k) },
          });
          ledger.finish(order.id, approved, seq);
          latency.journal = s.clock.monotonic() - t0;
          return {
            result: { decision: d, seq, source: 'pboc-card', amountFen: approved ? order.amountFen : undefined, balanceFen: k.ecBalanceFen, maskedId: order.register ? maskedId : (k.panMasked ?? maskedId), latency },
            used: moneyMayHaveMoved(k),
          };
        });
      }),

    onCode: (scan: CodeScan) =>
      withOrder('ecode', async (order) => {
        const c = code(scan, order, cfg, { useCard: 'use your card', here: 'this counter' });
        if (!c.ok) return c.outcome;
        const { credential, maskedId, latency } = c;
        const t0 = s.clock.monotonic();
        if (order.amountFen === 0) {
          const dd = approve('registered', 'registered (electronic code)');
          const seq = recordSale(s, { type: 'registration', service: SERVICE, decision: dd, txn: order.id, method: 'ecode', totalFen: 0, subsidyFen: 0, chargedFen: 0, credential, details: { register: true, code: c.info } });
          latency.journal = s.clock.monotonic() - t0;
          return { result: { decision: dd, seq, source: 'ecode', maskedId, latency }, used: true };
        }
        hold(order, credential.holderToken, 'ecode');
        return guarded(order.id, async () => {
          const base = { service: SERVICE, txn: order.id, method: 'ecode' as const, totalFen: order.amountFen, subsidyFen: 0, chargedFen: order.amountFen, credential, details: { register: order.register, code: c.info } };
          const off = s.journal.checkOffline(order.amountFen);
          if (!off.ok) {
            const dd = decline(off.reason, off.message);
            const seq = recordSale(s, { ...base, decision: dd });
            ledger.finish(order.id, false, seq);
            return { result: { decision: dd, seq, source: 'ecode', maskedId, latency }, used: false };
          }
          const dd = approve(order.register ? 'registered' : 'ok', registered(order, `paid ${formatYuan(order.amountFen)} CNY post-paid`));
          const seq = recordPostpaidSale(s, { ...base, decision: dd });
          ledger.finish(order.id, true, seq);
          latency.journal = s.clock.monotonic() - t0;
          return { result: { decision: dd, seq, source: 'ecode', amountFen: order.amountFen, maskedId, latency }, used: true };
        });
      }),

    async close() {
      desk.close();
      ledger.close();
    },
  };
}
