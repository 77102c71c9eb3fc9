/**
 * qPBOC: the contactless quick path (PBOC 3.0 part 12; DOMAIN.md §1.2).
 *
 *   pre-processing (limits → TTQ 9F66, 9F7A) → PPSE → final SELECT → [GET DATA 9F79: EC balance]
 *   → persist INTENT → GPO (the card decides and, for electronic cash, debits here) → READ RECORD per AFL
 *   → cryptogram type from IAD byte 5 bits 6–5:
 *        TC   → expiry, hotlist, fDDA (9F4B with the ICC key; v01 covers amount and currency), CVM (CTQ)
 *               → persist RESULT → approved (Y1)
 *        ARQC → online-capable: 'cannot-decide' online-required; offline-only: the named policy
 *               (decline Z3, or approve-and-store Y3 within the journal's offline limits)
 *        AAC  → declined (Z1), with "EC balance 3.20 < amount 4.00" when that is why
 *   A GPO answered 6985 is not retried on another AID (DOMAIN.md §1.2).
 *   A card whose AIP asks for full PBOC (byte 2 b8) continues in contact.ts when the reader allows it.
 */
import { describeSw } from '../../../apdu/status-words';
import { buildDolData, parseDol } from '../../../apdu/dol';
import { concat } from '../../../apdu/hex';
import { ProtocolError } from '../../core/errors';
import { formatYuan } from '../../core/money';
import { toCard, type Kernel } from '../../kernel/step';
import { cryptogramTypeOfIad, gpo } from './commands';
import { fullPboc } from './contact';
import type { TxContext } from './context';
import { ecBalanceLowMessage, getAmount, readEcBalance } from './ec';
import { clearingOf, close, decision, recordIntent, type CryptogramData } from './finish';
import { parseAfl, parseGpo, readAflRecords } from './gpo-records';
import { authenticateChain, odaFailedReport, verifyDynamic } from './oda-run';
import type { PbocDecision } from './outcome';
import { finalSelect, selectPpse, type Candidate, type Fci } from './select';
import { setBit, TSI, TVR } from './tvr';

const yuan = formatYuan;

export function* qpbocFlow(ctx: TxContext): Kernel<PbocDecision> {
  const cfg = ctx.cfg;
  const amount = ctx.amountFen;
  ctx.path = 'qpboc';
  if (!cfg.qpboc.enabled) return decision(ctx, 'declined', 'contactless-disabled', 'contactless payment is switched off on this terminal: insert the card');

  // --- pre-processing (qPBOC reader limits → TTQ) ------------------------------------------------
  if (amount >= cfg.qpboc.transactionLimitFen) {
    return decision(ctx, 'declined', 'contactless-limit', `amount ${yuan(amount)} CNY is at or above the contactless limit ${yuan(cfg.qpboc.transactionLimitFen)} CNY: insert the card`);
  }
  const ttq = new Uint8Array(4);
  // Offline-only reader (b4) unless it can go online — or stores ARQCs for later (Y3 policy, like Visa's
  // deferred authorisation): a card facing an offline-only reader declines instead of asking for online.
  const offlineOnlyReader = !cfg.online.capable && cfg.offlineArqcPolicy === 'decline';
  ttq[0] = 0x20 | (cfg.qpboc.fullPboc ? 0x40 : 0) | (cfg.contact.enabled ? 0x10 : 0) | (offlineOnlyReader ? 0x08 : 0) | (cfg.cvm.onlinePin ? 0x04 : 0) | (cfg.cvm.signature ? 0x02 : 0);
  const ecEligible = cfg.ec.supported && amount > 0 && amount < cfg.ec.terminalLimitFen;
  // QuickPass: no PIN or signature at or below the CVM limit (DOMAIN.md §1.2: "at or below 1000.00 CNY").
  const cvmRequired = amount > cfg.qpboc.cvmLimitFen;
  if (cvmRequired) ttq[1]! |= 0x40;
  if (amount === 0) {
    if (cfg.qpboc.zeroAmount === 'decline' || !cfg.online.capable) return decision(ctx, 'declined', 'zero-amount', 'a zero amount cannot be paid contactless here');
    ttq[1]! |= 0x80;
  } else if (amount > cfg.qpboc.floorLimitFen && !ecEligible) ttq[1]! |= 0x80;
  if (cfg.qpboc.fddaVersion01) ttq[3]! |= 0x80;
  ctx.term.tags.set(0x9f66, ttq);
  ctx.term.tags.set(0x9f7a, Uint8Array.of(ecEligible ? 0x01 : 0x00));
  const onlineRequired = (ttq[1]! & 0x80) !== 0;
  if (onlineRequired && !cfg.online.capable && cfg.offlineArqcPolicy === 'decline') {
    return decision(ctx, 'declined', 'online-unavailable', `${yuan(amount)} CNY needs online authorisation (above the offline limits: electronic cash below ${yuan(cfg.ec.terminalLimitFen)} CNY) and this terminal is offline`, { authorisationCode: 'Z3' });
  }

  // --- selection ------------------------------------------------------------------------------------
  const cands = yield* selectPpse(cfg);
  if (!cands) return decision(ctx, 'declined', 'no-ppse', 'the card has no contactless payment directory (PPSE): insert the card');
  if (cands.length === 0) return decision(ctx, 'declined', 'no-supported-application', 'the card has no payment application this terminal accepts');
  let fci: Fci | undefined;
  let chosen: Candidate | undefined;
  for (const c of cands) {
    fci = yield* finalSelect(c);
    if (fci) {
      chosen = c;
      break;
    }
  }
  if (!fci || !chosen) return decision(ctx, 'declined', 'application-blocked', 'the card refused to select its payment application (blocked?)');
  ctx.aid = fci.dfName;
  ctx.label = fci.label ?? chosen.label;
  ctx.card.add(fci.nodes, 'FCI');
  const pdol = fci.pdol ? parseDol(fci.pdol) : [];

  // --- EC balance before (GET DATA: no ATC spent) --------------------------------------------------
  if (ecEligible && cfg.ec.precheckBalance) {
    const bal = yield* getAmount(0x9f79, 'GET DATA EC balance');
    if (bal !== undefined) {
      ctx.ecBalanceBeforeFen = bal;
      if (bal < amount && !cfg.online.capable && cfg.offlineArqcPolicy === 'decline') {
        return decision(ctx, 'declined', 'ec-balance-low', ecBalanceLowMessage(bal, amount), { ecBalanceFen: bal });
      }
    }
  }

  // --- write-ahead, then GPO --------------------------------------------------------------------------
  const pdolData = buildDolData(pdol, ctx.term.source);
  const refused = yield* recordIntent(ctx, 'GPO');
  if (refused) return refused;
  ctx.phase = 'sent';
  const r = yield* toCard('GPO', gpo(pdolData));
  if (r.sw !== 0x9000) {
    ctx.phase = 'answered';
    if (r.sw === 0x6985) return yield* close(ctx, decision(ctx, 'declined', 'gpo-refused', 'the card refused the contactless payment (6985): insert the card or use another interface'));
    return yield* close(ctx, decision(ctx, 'declined', 'gpo-failed', `the card refused GET PROCESSING OPTIONS (${describeSw(r.sw).hex}: ${describeSw(r.sw).meaning})`));
  }
  const g = parseGpo(r.data);
  ctx.card.add(g.nodes, 'GPO');
  ctx.aip = g.aip;

  if ((g.aip[1]! & 0x80) !== 0 && cfg.qpboc.fullPboc) {
    // Contactless full PBOC: GPO moved no money; GENERATE AC will.
    ctx.phase = 'intent';
    ctx.path = 'pboc';
    return yield* fullPboc(ctx, g);
  }

  const ac = ctx.card.fixed(0x9f26, 8);
  const iad = ctx.card.get(0x9f10);
  const atc = ctx.card.fixed(0x9f36, 2);
  if (!ac || !iad || !atc) {
    ctx.phase = 'answered';
    return yield* close(ctx, decision(ctx, 'declined', 'no-cryptogram', 'the card gave no application cryptogram (qPBOC needs 9F26, 9F10, 9F36)'));
  }
  if (iad.length > 32) throw new ProtocolError(`IAD (9F10) is ${iad.length} bytes`, 'iad');
  const type = cryptogramTypeOfIad(iad)!;
  const cg: CryptogramData = { type, atc, cryptogram: ac, iad };
  ctx.cryptogramType = type;
  ctx.phase = 'answered';
  return yield* afterGpo(ctx, g, cg, cvmRequired);
}

function* afterGpo(ctx: TxContext, g: ReturnType<typeof parseGpo>, cg: CryptogramData, cvmRequired: boolean): Kernel<PbocDecision> {
  const cfg = ctx.cfg;
  const amount = ctx.amountFen;
  const recs = yield* readAflRecords(parseAfl(g.afl));
  ctx.card.add(recs.nodes, 'records');
  ctx.resolvePan();
  const available = ctx.amountTag(0x9f5d);
  const money = { availableOfflineFen: available, ecBalanceFen: available };
  const chargedNote = cg.type === 'TC' ? ` — the card already deducted ${yuan(amount)} CNY; recorded for refund` : '';

  if (cg.type === 'AAC') {
    const bal = available ?? ctx.ecBalanceBeforeFen;
    if (bal !== undefined && bal < amount) {
      return yield* close(ctx, decision(ctx, 'declined', 'ec-balance-low', ecBalanceLowMessage(bal, amount), { ...money, ecBalanceFen: bal, authorisationCode: 'Z1', clearing: clearingOf(ctx, cg, 'Z1') }));
    }
    return yield* close(ctx, decision(ctx, 'declined', 'card-declined', 'the card declined the payment (AAC)', { ...money, authorisationCode: 'Z1', clearing: clearingOf(ctx, cg, 'Z1') }));
  }

  // Checks common to TC and the Y3 policy.
  const refuse = (reason: string, message: string, code: 'Z1' | 'Z3') => close(ctx, decision(ctx, 'declined', reason, message + chargedNote, { ...money, authorisationCode: code, clearing: clearingOf(ctx, cg, code) }));

  if (cg.type === 'ARQC') {
    if (cfg.online.capable) {
      return yield* close(ctx, decision(ctx, 'cannot-decide', 'online-required', 'the card asks for online authorisation: forward the ARQC to the issuer', { ...money, clearing: clearingOf(ctx, cg) }));
    }
    if (cfg.offlineArqcPolicy === 'decline') return yield* refuse('online-unavailable', 'the card asks for online authorisation and this terminal is offline: declined (Z3)', 'Z3');
    // approve-and-store (Y3), within the journal's offline limits
    if (ctx.expired()) return yield* refuse('card-expired', 'the card application has expired', 'Z3');
    if (ctx.input.isHotlisted('pan', ctx.pan!)) return yield* refuse('hotlisted', 'the card is on the hotlist (reported lost or blocked)', 'Z3');
    if (!ctx.input.offlineCheck) return yield* refuse('offline-limits-unavailable', 'offline approval (Y3) needs the journal\'s offline limits, which are not available', 'Z3');
    const oc = ctx.input.offlineCheck(amount);
    if (!oc.ok) return yield* refuse(oc.reason, oc.message, 'Z3');
    const cvm = qpbocCvm(ctx, cvmRequired);
    if (!cvm.ok) return yield* refuse(cvm.reason, cvm.message, 'Z3');
    if (ctx.card.has(0x9f4b) && (ctx.aip![0]! & 0x20) !== 0) {
      const f = fdda(ctx, recs.odaRecords);
      if (!f.ok) return yield* refuse(f.reason, f.message, 'Z3');
    } else ctx.oda = { method: 'none', result: 'not-performed' };
    const d = decision(ctx, 'approved', 'approved-offline-stored', `approved offline without the issuer (Y3): ${yuan(amount)} CNY stored for forwarding`, {
      ...money,
      authorisationCode: 'Y3',
      offlineStored: true,
      signatureRequired: cvm.signature,
      clearing: clearingOf(ctx, cg, 'Y3'),
    });
    return yield* close(ctx, d, true);
  }

  // TC: the card approved offline (and, for electronic cash, already debited).
  if (ctx.expired()) return yield* refuse('card-expired', 'the card application has expired', 'Z1');
  if (ctx.input.isHotlisted('pan', ctx.pan!)) return yield* refuse('hotlisted', 'the card is on the hotlist (reported lost or blocked)', 'Z1');
  if ((ctx.aip![0]! & 0x20) === 0) {
    ctx.oda = { method: 'none', result: 'not-performed' };
    return yield* refuse('oda-not-supported', 'the card cannot be authenticated offline (no fDDA in its AIP)', 'Z1');
  }
  const f = fdda(ctx, recs.odaRecords);
  if (!f.ok) {
    const ctq = ctx.card.get(0x9f6c);
    if (ctq && (ctq[0]! & 0x20) !== 0 && cfg.online.capable) {
      return yield* close(ctx, decision(ctx, 'cannot-decide', 'online-required', `${f.message}: the card asks to go online when offline authentication fails`, { ...money, clearing: clearingOf(ctx, cg) }));
    }
    if (ctq && (ctq[0]! & 0x10) !== 0 && cfg.contact.enabled) return yield* refuse(f.reason, `${f.message}: insert the card (the card asks to switch interface when offline authentication fails)`, 'Z1');
    return yield* refuse(f.reason, f.message, 'Z1');
  }
  const cvm = qpbocCvm(ctx, cvmRequired);
  if (!cvm.ok) {
    if (cvm.reason === 'cvm-online-pin' && cfg.online.capable) {
      return yield* close(ctx, decision(ctx, 'cannot-decide', 'online-required', 'the card asks for an online PIN', { ...money, clearing: clearingOf(ctx, cg) }));
    }
    return yield* refuse(cvm.reason, cvm.message, 'Z1');
  }
  let balance = available;
  if (balance === undefined && cfg.ec.readBalanceAfter) balance = yield* readEcBalance();
  const d = decision(ctx, 'approved', 'ok', `approved offline: ${yuan(amount)} CNY${balance !== undefined ? `, EC balance ${yuan(balance)} CNY` : ''}`, {
    availableOfflineFen: available,
    ecBalanceFen: balance,
    authorisationCode: 'Y1',
    signatureRequired: cvm.signature,
    clearing: clearingOf(ctx, cg, 'Y1'),
  });
  return yield* close(ctx, d);
}

type Check = { ok: true; signature: boolean } | { ok: false; reason: string; message: string };

/** qPBOC CVM (DOMAIN.md §1.2): CVM required at or above the CVM limit; the card's CTQ (9F6C) byte 1 says which. */
function qpbocCvm(ctx: TxContext, required: boolean): Check {
  if (!required) return { ok: true, signature: false };
  const ctq = ctx.card.get(0x9f6c);
  const limit = `above the no-CVM limit ${yuan(ctx.cfg.qpboc.cvmLimitFen)} CNY`;
  if (ctq && ctq.length >= 2 && (ctq[1]! & 0x80) !== 0) return { ok: true, signature: false }; // CVM done on the consumer device
  if (ctq && (ctq[0]! & 0x80) !== 0) return { ok: false, reason: 'cvm-online-pin', message: `the card asks for an online PIN (${limit}) and this terminal cannot take one` };
  if (!ctq || (ctq[0]! & 0x40) !== 0) {
    if (ctx.cfg.cvm.signature) return { ok: true, signature: true };
    return { ok: false, reason: 'cvm-signature-unavailable', message: `a signature is required (${limit}) and this terminal cannot collect one` };
  }
  return { ok: false, reason: 'cvm-required', message: `cardholder verification is required (${limit}) and the card offers none this terminal supports` };
}

/** fDDA (DOMAIN.md §1.2): 9F4B with the ICC key; terminal dynamic data 9F37 [‖ 9F02 ‖ 5F2A ‖ 9F69 for version 01]. */
function fdda(ctx: TxContext, odaRecords: Parameters<typeof authenticateChain>[2]): { ok: true } | { ok: false; reason: string; message: string } {
  setBit(ctx.term.tsi, TSI.odaPerformed);
  const octx = ctx.odaContext();
  const chain = authenticateChain(octx, ctx.card, odaRecords, ctx.aip!, 'fdda');
  if (!chain.ok) {
    setBit(ctx.term.tvr, TVR.ddaFailed);
    if (chain.code === 'data-missing') setBit(ctx.term.tvr, TVR.iccDataMissing);
    ctx.oda = odaFailedReport('fdda', undefined, chain);
    return { ok: false, reason: chain.code === 'issuer-cert-revoked' ? 'issuer-cert-revoked' : chain.code.endsWith('expired') ? chain.code : 'fdda-failed', message: chain.message };
  }
  const card69 = ctx.card.get(0x9f69);
  const v01 = card69 !== undefined && card69.length >= 1 && card69[0] === 0x01;
  const t = ctx.term.tags;
  const tdd = v01 ? concat(t.get(0x9f37)!, t.get(0x9f02)!, t.get(0x5f2a)!, card69!) : t.get(0x9f37)!;
  const res = verifyDynamic(chain.keys, ctx.card.get(0x9f4b), tdd, 'fdda', octx);
  if (!res.ok) {
    setBit(ctx.term.tvr, TVR.ddaFailed);
    ctx.oda = odaFailedReport('fdda', chain.keys.algorithm, res);
    return { ok: false, reason: 'fdda-failed', message: res.message };
  }
  ctx.oda = { method: 'fdda', algorithm: chain.keys.algorithm, result: 'ok' };
  return { ok: true };
}

