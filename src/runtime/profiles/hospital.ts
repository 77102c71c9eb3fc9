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
import { formatDate } from '../../../apdu/codec';
import { cstDateNumber } from '../../core/clock';
import type { Credential } from '../../core/credential';
import { approve, decline, type Decision } from '../../core/decision';
import { maskIdNumber, maskName } from '../../core/mask';
import { formatYuan } from '../../core/money';
import type { PersonalData } from '../../journal/seal';
import { readAndAcceptSsse, ssseAuthenticatorOf, verifyCode } from './common';
import type { HospitalProfileConfig } from './config';
import { interfaceOf, moneyMayHaveMoved, payByCard } from './pos/card-payment';
import { OperatorDesk, OperatorError, type OperatorConsole, type Order, type PosProfile } from './pos/operator-console';
import { SaleLedger } from './pos/sale-ledger';
import { lastSaleView, reconcileLedger, recordPostpaidSale, recordRefusal, recordSale, refundLastSale } from './pos/sale-flow';
import type { CardTap, CodeScan, ProfileContext, ProfileResult } from './types';

const SERVICE = 'hospital';

export function hospitalProfile(ctx: ProfileContext, cfg: HospitalProfileConfig): PosProfile {
  const s = ctx.services;
  const log = s.log.child('hospital');
  const ledger = new SaleLedger(join(s.config.terminal.dataDir, 'hospital-sales.sqlite'));
  for (const r of reconcileLedger(s, ledger, SERVICE)) log.warn('sale settled after a restart', { txn: r.txn, was: r.was, now: r.now });
  const desk = new OperatorDesk({ clock: s.clock, maxAmountFen: cfg.maxAmountFen, amountTimeoutSeconds: cfg.amountTimeoutSeconds, registration: cfg.registration });
  const authenticate = ssseAuthenticatorOf(cfg.ssseTestAuthKey);

  const refuse = (decision: Decision, source: ProfileResult['source'], o: { credential?: Credential; order?: Order; maskedId?: string; latency?: Record<string, number> } = {}): ProfileResult => {
    const seq = recordRefusal(s, SERVICE, decision, { credential: o.credential, payload: o.order ? { amountFen: o.order.amountFen, register: o.order.register } : undefined });
    return { decision, seq, source, maskedId: o.maskedId, latency: o.latency };
  };

  const withOrder = async (source: ProfileResult['source'], run: (order: Order) => Promise<{ result: ProfileResult; used: boolean }>): Promise<ProfileResult> => {
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

  const guarded = async <T,>(txn: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      try {
        if (ledger.get(txn)?.state === 'held') reconcileLedger(s, ledger, SERVICE);
      } catch (re) {
        log.error('could not settle an interrupted payment now; it will be settled at the next start', { txn, error: (re as Error).message });
      }
      throw e;
    }
  };

  const hold = (order: Order, holder: string | null, method: 'card' | 'ecode') =>
    ledger.hold({ txn: order.id, day: cstDateNumber(s.clock.now()), holder, method, totalFen: order.amountFen, subsidyFen: 0, chargedFen: order.amountFen, entitledFen: 0, hintSeq: s.journal.head, atMs: s.clock.now() });

  const registered = (order: Order, paid: string) => (order.register ? (order.amountFen > 0 ? `registered; ${paid}` : 'registered') : paid);

  const operator: OperatorConsole = {
    profile: 'hospital',
    state: () => ({ profile: 'hospital', pending: desk.peek(), inProgress: desk.inProgress(), lastSale: lastSaleView(ledger, s.clock.now(), cfg.refundWindowSeconds), maxAmountFen: cfg.maxAmountFen, registration: cfg.registration }),
    setAmount(fen, opts) {
      desk.set(fen, opts?.register ?? false);
      return operator.state();
    },
    register() {
      desk.set(0, true);
      return operator.state();
    },
    cancel() {
      const cancelled = desk.cancel();
      return { cancelled, state: operator.state() };
    },
    async refundLast() {
      if (desk.inProgress()) throw new OperatorError('busy', 'a payment is in progress: refund after it');
      const r = refundLastSale(s, ledger, SERVICE, cfg.refundWindowSeconds);
      desk.emit({ kind: 'decision', result: r.result });
      return r.outcome;
    },
    onEvent: (l) => desk.onEvent(l),
  };

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
          if (!r.holder?.idNumber || !r.holder.name) {
            return { result: refuse(decline('holder-data-unavailable', `identity could not be read from the card (${r.holderRefused ?? 'no holder data'})`), 'ssse-card', { credential, order, maskedId, latency }), used: false };
          }
          personal = { name: r.holder.name, idNumber: r.holder.idNumber, ...(r.holder.birthDate ? { birthDate: formatDate(r.holder.birthDate) } : {}) };
          maskedId = `${maskName(r.holder.name)} ${maskIdNumber(r.holder.idNumber)}`;
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
            details: { register: order.register, payment: { interface: k.interface, path: k.path, cryptogramType: k.cryptogramType, authorisationCode: k.authorisationCode, ecBalanceFen: k.ecBalanceFen, signatureRequired: k.signatureRequired, reason: k.reason } },
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
        if (!cfg.acceptCode) return { result: refuse(decline('code-not-accepted', 'codes are not accepted here: please use your card'), 'ecode', { order }), used: false };
        const r = verifyCode(s, scan, cfg.ecodeProfile);
        const latency: Record<string, number> = { verify: r.verifyMs };
        const scope = typeof r.info?.scope === 'string' ? r.info.scope : undefined;
        let d: Decision | undefined;
        if (r.decision.outcome !== 'approved' || r.decision.reason !== 'ecode-valid' || !r.credential) d = r.decision.outcome === 'approved' ? decline('code-unverified', 'the code cannot be verified now: please use your card') : r.decision;
        else if (!scope || !cfg.codeScopes.includes(scope)) d = decline('wrong-scope', `this code was made for "${scope ?? 'unknown'}", this counter takes ${cfg.codeScopes.join(', ')} codes`);
        if (d) return { result: refuse(d, 'ecode', { credential: r.credential, order, latency }), used: false };
        const credential = r.credential!;
        const maskedId = `${credential.region ?? ''} ${credential.holderToken.slice(0, 4)}…`.trim();
        const t0 = s.clock.monotonic();
        if (order.amountFen === 0) {
          const dd = approve('registered', 'registered (electronic code)');
          const seq = recordSale(s, { type: 'registration', service: SERVICE, decision: dd, txn: order.id, method: 'ecode', totalFen: 0, subsidyFen: 0, chargedFen: 0, credential, details: { register: true, code: r.info } });
          latency.journal = s.clock.monotonic() - t0;
          return { result: { decision: dd, seq, source: 'ecode', maskedId, latency }, used: true };
        }
        hold(order, credential.holderToken, 'ecode');
        return guarded(order.id, async () => {
          const base = { service: SERVICE, txn: order.id, method: 'ecode' as const, totalFen: order.amountFen, subsidyFen: 0, chargedFen: order.amountFen, credential, details: { register: order.register, code: r.info } };
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
