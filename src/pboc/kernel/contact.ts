/**
 * The full PBOC path (EMV Book 3 §10 as PBOC 3.0 adopts it), contact — and contactless when the card's
 * AIP asks for it and the reader allows it:
 *
 *   PSE directory (else list of AIDs) → final SELECT → GPO (6985: next candidate, Book 3 §10.1)
 *   → READ RECORD per AFL → offline data authentication (DDA with INTERNAL AUTHENTICATE, else SDA)
 *   → processing restrictions → cardholder verification → terminal risk management (hotlist, floor
 *   limit, random selection, velocity with the card's last online ATC) → terminal action analysis
 *   → persist INTENT → 1st GENERATE AC:
 *        TC → persist RESULT → approved (Y1);  AAC → declined (Z1);
 *        ARQC → online-capable: 'cannot-decide' online-required; offline-only: the named policy, then
 *               2nd GENERATE AC with ARC Z3 (decline) or Y3 (approve-and-store within the offline limits)
 * Electronic cash (the card answers 9F74 at GPO) is offline only, with the EC terminal limit as floor.
 */
import { buildDolData, parseDol } from '../../../apdu/dol';
import { fromHex, toHex } from '../../../apdu/hex';
import { describeSw } from '../../../apdu/status-words';
import { decodeTlv, findTlv } from '../../../apdu/tlv';
import { ProtocolError } from '../../core/errors';
import { formatYuan } from '../../core/money';
import { toCard, type Kernel } from '../../kernel/step';
import { AC, cryptogramTypeOfCid, generateAc, gpo, internalAuthenticate, type CryptogramType } from './commands';
import type { TxContext } from './context';
import { processCvm } from './cvm';
import { ecBalanceLowMessage, readEcBalance } from './ec';
import { clearingOf, close, decision, recordIntent, type CryptogramData } from './finish';
import { parseAfl, parseGpo, readAflRecords, type GpoAnswer, type RecordsRead } from './gpo-records';
import { authenticateChain, odaFailedReport, verifyDynamic, verifyStatic } from './oda-run';
import type { PbocDecision } from './outcome';
import { defaultActionForY3, terminalActionAnalysis, terminalRiskManagement } from './risk';
import { finalSelect, listOfAids, selectPse, type Candidate } from './select';
import { setBit, TSI, TVR, TVR_REASONS, type TvrBit } from './tvr';

const yuan = formatYuan;

export function* contactFlow(ctx: TxContext): Kernel<PbocDecision> {
  const cfg = ctx.cfg;
  ctx.path = 'pboc';
  ctx.debitStep = 'GENERATE AC';
  if (!cfg.contact.enabled) return decision(ctx, 'declined', 'contact-disabled', 'contact payment is switched off on this terminal');
  let cands: Candidate[] | undefined = cfg.contact.usePse ? yield* selectPse(cfg) : undefined;
  if (!cands || cands.length === 0) cands = yield* listOfAids(cfg);
  if (cands.length === 0) return decision(ctx, 'declined', 'no-supported-application', 'the card has no payment application this terminal accepts');
  const ec = cfg.ec.supported && ctx.amountFen > 0 && ctx.amountFen < cfg.ec.terminalLimitFen;
  ctx.term.tags.set(0x9f7a, Uint8Array.of(ec ? 0x01 : 0x00));
  let g: GpoAnswer | undefined;
  for (const c of cands) {
    const fci = yield* finalSelect(c);
    if (!fci) continue;
    ctx.resetCard();
    ctx.card.add(fci.nodes, 'FCI');
    const pdol = fci.pdol ? parseDol(fci.pdol) : [];
    const r = yield* toCard('GPO', gpo(buildDolData(pdol, ctx.term.source)));
    if (r.sw === 0x6985) continue; // conditions not satisfied: remove this application, select the next
    if (r.sw !== 0x9000) return decision(ctx, 'declined', 'gpo-failed', `the card refused GET PROCESSING OPTIONS (${describeSw(r.sw).hex}: ${describeSw(r.sw).meaning})`);
    ctx.aid = fci.dfName;
    ctx.label = fci.label ?? c.label;
    g = parseGpo(r.data);
    break;
  }
  if (!g) return decision(ctx, 'declined', 'no-application-accepted', 'the card refused every payment application for this transaction');
  return yield* fullPboc(ctx, g);
}

/** From the GPO answer to the outcome (shared with contactless full PBOC). */
export function* fullPboc(ctx: TxContext, g: GpoAnswer): Kernel<PbocDecision> {
  const cfg = ctx.cfg;
  const term = ctx.term;
  ctx.debitStep = 'GENERATE AC';
  if (g.nodes.length) ctx.card.add(g.nodes, 'GPO', true);
  ctx.aip = g.aip;
  const recs = yield* readAflRecords(parseAfl(g.afl));
  ctx.card.add(recs.nodes, 'records');
  for (const [tag, name] of [
    [0x5f24, 'application expiration date (5F24)'],
    [0x8c, 'CDOL1 (8C)'],
    [0x8d, 'CDOL2 (8D)'],
  ] as const) {
    if (!ctx.card.has(tag)) return yield* close(ctx, decision(ctx, 'declined', 'icc-data-missing', `the card is missing mandatory data: ${name}`));
  }
  ctx.resolvePan();
  const ec = ctx.card.has(0x9f74); // electronic cash issuer authorisation code: an EC transaction (offline only)

  yield* contactOda(ctx, recs);

  // Processing restrictions (EMV Book 3 §10.4): versions, dates. (Application usage control: domestic use assumed.)
  const v = ctx.card.get(0x9f08);
  if (v && toHex(v) !== cfg.terminal.applicationVersion) setBit(term.tvr, TVR.versionMismatch);
  if (ctx.notYetEffective()) setBit(term.tvr, TVR.notYetEffective);
  if (ctx.expired()) setBit(term.tvr, TVR.expired);

  let signatureRequired = false;
  if ((g.aip[0]! & 0x10) !== 0) signatureRequired = processCvm(ctx).signatureRequired;

  if (ctx.input.isHotlisted('pan', ctx.pan!)) setBit(term.tvr, TVR.exceptionFile);
  if ((g.aip[0]! & 0x08) !== 0) yield* terminalRiskManagement(ctx, ec);

  // Electronic cash offered but not taken (the card answered without 9F74): learn the balance so that a
  // refusal can say "EC balance 3.20 < amount 4.00" rather than "floor limit".
  const ecOffered = ctx.term.tags.get(0x9f7a)![0] === 1;
  if (ecOffered && !ec && cfg.ec.precheckBalance) ctx.ecBalanceBeforeFen = yield* readEcBalance();

  const taa = terminalActionAnalysis(ctx, ec || !cfg.online.capable);

  const cdol1 = parseDol(ctx.card.get(0x8c)!);
  const cdol2 = parseDol(ctx.card.get(0x8d)!);
  const source = (tag: number) => term.source(tag) ?? ctx.card.get(tag);

  if (ctx.intentSeq === undefined) {
    const refused = yield* recordIntent(ctx, 'GENERATE AC');
    if (refused) return refused;
  }
  ctx.phase = 'sent';
  const r = yield* toCard('GENERATE AC', generateAc(AC[taa.request], buildDolData(cdol1, source)));
  if (r.sw !== 0x9000) {
    ctx.phase = 'answered';
    return yield* close(ctx, decision(ctx, 'declined', 'gen-ac-failed', `the card refused GENERATE AC (${describeSw(r.sw).hex}: ${describeSw(r.sw).meaning})`));
  }
  const cg = parseGenAc(r.data);
  ctx.phase = 'answered';
  ctx.cryptogramType = cg.type;
  setBit(term.tsi, TSI.cardRiskManagementPerformed);
  if (!allowedAnswer(taa.request, cg.type)) throw new ProtocolError(`card answered ${cg.type} when the terminal asked for ${taa.request}`, 'gen-ac');
  const balance = ctx.amountTag(0x9f79);

  if (cg.type === 'TC') {
    const after = ec && cfg.ec.readBalanceAfter ? yield* readEcBalance() : balance;
    const d = decision(ctx, 'approved', 'ok', `approved offline: ${yuan(ctx.amountFen)} CNY${after !== undefined ? `, EC balance ${yuan(after)} CNY` : ''}`, {
      ecBalanceFen: after,
      authorisationCode: 'Y1',
      signatureRequired,
      clearing: clearingOf(ctx, cg, 'Y1'),
    });
    return yield* close(ctx, d);
  }
  if (cg.type === 'AAC') {
    let why = taa.request === 'AAC' ? reasonOf(taa.because, ctx) : undefined;
    const before = ctx.ecBalanceBeforeFen;
    if (why?.reason === 'floor-limit' && before !== undefined && before < ctx.amountFen) {
      why = { reason: 'ec-balance-low', message: ecBalanceLowMessage(before, ctx.amountFen) };
    }
    if (!why && ec) {
      const bal = yield* readEcBalance();
      if (bal !== undefined && bal < ctx.amountFen) {
        return yield* close(ctx, decision(ctx, 'declined', 'ec-balance-low', ecBalanceLowMessage(bal, ctx.amountFen), { ecBalanceFen: bal, authorisationCode: 'Z1', clearing: clearingOf(ctx, cg, 'Z1') }));
      }
    }
    return yield* close(ctx, decision(ctx, 'declined', why?.reason ?? 'card-declined', why?.message ?? 'the card declined the payment (AAC)', { authorisationCode: 'Z1', clearing: clearingOf(ctx, cg, 'Z1') }));
  }

  // ARQC
  if (cfg.online.capable && !ec) {
    return yield* close(ctx, decision(ctx, 'cannot-decide', 'online-required', 'the card asks for online authorisation: forward the ARQC to the issuer (second GENERATE AC after the answer)', { clearing: clearingOf(ctx, cg) }));
  }
  let approve = cfg.offlineArqcPolicy === 'approve-and-store';
  let why: { reason: string; message: string } = { reason: 'online-unavailable', message: 'the card asks for online authorisation and this terminal is offline: declined (Z3)' };
  if (approve) {
    const blocking = defaultActionForY3(ctx);
    const oc = ctx.input.offlineCheck?.(ctx.amountFen);
    if (blocking.length) {
      approve = false;
      why = reasonOf(blocking, ctx)!;
    } else if (!oc) {
      approve = false;
      why = { reason: 'offline-limits-unavailable', message: "offline approval (Y3) needs the journal's offline limits, which are not available" };
    } else if (!oc.ok) {
      approve = false;
      why = { reason: oc.reason, message: oc.message };
    }
  }
  const arc = approve ? 'Y3' : 'Z3';
  term.tags.set(0x8a, new TextEncoder().encode(arc));
  ctx.phase = 'sent';
  const r2 = yield* toCard('GENERATE AC 2', generateAc(approve ? AC.TC : AC.AAC, buildDolData(cdol2, source)));
  if (r2.sw !== 0x9000) {
    ctx.phase = 'answered';
    return yield* close(ctx, decision(ctx, 'declined', 'gen-ac-failed', `the card refused the second GENERATE AC (${describeSw(r2.sw).hex})`, { authorisationCode: 'Z3', clearing: clearingOf(ctx, cg, 'Z3') }));
  }
  const cg2 = parseGenAc(r2.data);
  ctx.phase = 'answered';
  ctx.cryptogramType = cg2.type;
  if (cg2.type === 'ARQC' || (!approve && cg2.type === 'TC')) throw new ProtocolError(`card answered ${cg2.type} to the second GENERATE AC`, 'gen-ac');
  if (cg2.type === 'TC') {
    const d = decision(ctx, 'approved', 'approved-offline-stored', `approved offline without the issuer (Y3): ${yuan(ctx.amountFen)} CNY stored for forwarding`, {
      authorisationCode: 'Y3',
      offlineStored: true,
      signatureRequired,
      clearing: clearingOf(ctx, cg2, 'Y3'),
    });
    return yield* close(ctx, d, true);
  }
  if (approve) why = { reason: 'card-declined', message: 'the card declined the offline approval (AAC at the second GENERATE AC)' };
  return yield* close(ctx, decision(ctx, 'declined', why.reason, why.message, { authorisationCode: 'Z3', clearing: clearingOf(ctx, cg2, 'Z3') }));
}

const RANK: Record<CryptogramType, number> = { AAC: 0, TC: 1, ARQC: 2 };

/** EMV Book 3 §6.5.5.4: the card may answer AAC to anything, ARQC to a TC or ARQC request, TC only to TC. */
function allowedAnswer(requested: CryptogramType, answered: CryptogramType): boolean {
  if (answered === 'AAC') return true;
  if (requested === 'AAC') return false;
  if (answered === 'TC') return requested === 'TC';
  return RANK[requested] >= RANK.TC;
}

function reasonOf(bits: readonly TvrBit[], ctx: TxContext): { reason: string; message: string } | undefined {
  const b = bits[0];
  if (!b) return undefined;
  const base = TVR_REASONS[b];
  // Name the ODA failure precisely when that is why ("fDDA signature mismatch", "issuer certificate expired 12/2023").
  if ((b === 'ddaFailed' || b === 'sdaFailed' || b === 'iccDataMissing' || b === 'odaNotPerformed') && ctx.oda?.message) {
    return { reason: ctx.oda.code === 'issuer-cert-revoked' || ctx.oda.code?.endsWith('expired') ? ctx.oda.code! : base.reason, message: ctx.oda.message };
  }
  return base;
}

/** GENERATE AC answer: format 1 (80: CID ‖ ATC ‖ AC ‖ IAD) or format 2 (77: 9F27, 9F36, 9F26, 9F10). */
export function parseGenAc(data: Uint8Array): CryptogramData {
  const nodes = decodeTlv(data);
  if (nodes.length !== 1) throw new ProtocolError('GENERATE AC answer is not one template', 'gen-ac');
  const t = nodes[0]!;
  let cid: number;
  let atc: Uint8Array;
  let ac: Uint8Array;
  let iad: Uint8Array;
  if (t.tag === 0x80) {
    if (t.value.length < 11 || t.value.length > 11 + 32) throw new ProtocolError(`GENERATE AC format 1 answer is ${t.value.length} bytes`, 'gen-ac');
    cid = t.value[0]!;
    atc = t.value.slice(1, 3);
    ac = t.value.slice(3, 11);
    iad = t.value.slice(11);
  } else if (t.tag === 0x77 && t.children) {
    const get = (tag: number, len?: number) => {
      const v = findTlv(t.children!, tag)?.value;
      if (v && len !== undefined && v.length !== len) throw new ProtocolError(`GENERATE AC: ${tag.toString(16).toUpperCase()} is ${v.length} bytes`, 'gen-ac');
      return v;
    };
    const c = get(0x9f27, 1);
    const a = get(0x9f36, 2);
    const x = get(0x9f26, 8);
    if (!c || !a || !x) throw new ProtocolError('GENERATE AC answer lacks 9F27, 9F36 or 9F26', 'gen-ac');
    cid = c[0]!;
    atc = a;
    ac = x;
    iad = get(0x9f10) ?? new Uint8Array(0);
    if (iad.length > 32) throw new ProtocolError(`IAD is ${iad.length} bytes`, 'gen-ac');
  } else throw new ProtocolError(`GENERATE AC answer template ${t.tag.toString(16).toUpperCase()}`, 'gen-ac');
  const type = cryptogramTypeOfCid(cid);
  if (!type) throw new ProtocolError(`CID ${cid.toString(16)} has an RFU cryptogram type`, 'gen-ac');
  return { type, atc, cryptogram: ac, iad, cid };
}

/** ODA on the full path: DDA (INTERNAL AUTHENTICATE) when card and terminal support it, else SDA. */
function* contactOda(ctx: TxContext, recs: RecordsRead): Kernel<void> {
  const aip = ctx.aip!;
  const caps = ctx.term.tags.get(0x9f33)!;
  const term = ctx.term;
  const method = (aip[0]! & 0x20) !== 0 && (caps[2]! & 0x40) !== 0 ? 'dda' : (aip[0]! & 0x40) !== 0 && (caps[2]! & 0x80) !== 0 ? 'sda' : undefined;
  if (!method) {
    setBit(term.tvr, TVR.odaNotPerformed);
    ctx.oda = { method: 'none', result: 'not-performed' };
    return;
  }
  setBit(term.tsi, TSI.odaPerformed);
  if (method === 'sda') setBit(term.tvr, TVR.sdaSelected);
  const failBit = method === 'sda' ? TVR.sdaFailed : TVR.ddaFailed;
  const octx = ctx.odaContext();
  const chain = authenticateChain(octx, ctx.card, recs.odaRecords, aip, method);
  if (!chain.ok) {
    setBit(term.tvr, failBit);
    if (chain.code === 'data-missing') setBit(term.tvr, TVR.iccDataMissing);
    ctx.oda = odaFailedReport(method, undefined, chain);
    return;
  }
  if (method === 'sda') {
    const s = verifyStatic(chain.keys, ctx.card.get(0x93), chain.staticData, octx);
    if (!s.ok) {
      setBit(term.tvr, failBit);
      if (s.code === 'data-missing') setBit(term.tvr, TVR.iccDataMissing);
      ctx.oda = odaFailedReport('sda', chain.keys.algorithm, s);
    } else {
      ctx.card.tags.set(0x9f45, s.dac);
      ctx.oda = { method: 'sda', algorithm: chain.keys.algorithm, result: 'ok' };
    }
    return;
  }
  const ddol = parseDol(ctx.card.get(0x9f49) ?? fromHex(ctx.cfg.contact.defaultDdol));
  if (!ddol.some((e) => e.tag === 0x9f37)) {
    setBit(term.tvr, failBit);
    ctx.oda = { method: 'dda', algorithm: chain.keys.algorithm, result: 'failed', code: 'dda-invalid', message: 'DDOL does not ask for the unpredictable number (9F37)' };
    return;
  }
  const ddolData = buildDolData(ddol, (t) => term.source(t) ?? ctx.card.get(t));
  const r = yield* toCard('INTERNAL AUTHENTICATE', internalAuthenticate(ddolData));
  let sdad: Uint8Array | undefined;
  if (r.sw === 0x9000) {
    const nodes = decodeTlv(r.data);
    const t = nodes[0];
    if (t?.tag === 0x80) sdad = t.value;
    else if (t?.tag === 0x77) sdad = findTlv(t.children ?? [], 0x9f4b)?.value;
  }
  const d = verifyDynamic(chain.keys, sdad, ddolData, 'dda', octx);
  if (!d.ok) {
    setBit(term.tvr, failBit);
    ctx.oda = odaFailedReport('dda', chain.keys.algorithm, d);
    return;
  }
  ctx.card.tags.set(0x9f4c, d.iccDynamicNumber);
  ctx.oda = { method: 'dda', algorithm: chain.keys.algorithm, result: 'ok' };
}
