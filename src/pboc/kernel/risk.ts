/**
 * Terminal risk management (EMV Book 3 §10.6: exception file, floor limit, random selection, velocity
 * checking) and terminal action analysis (§10.7: TAC | IAC, denial → online → default).
 */
import { fromHex, readUint } from '../../../apdu/hex';
import type { Kernel } from '../../kernel/step';
import type { CryptogramType } from './commands';
import type { TxContext } from './context';
import { getDataValue } from './ec';
import { matchingBits, setBit, TSI, TVR, type TvrBit } from './tvr';

/** Floor limit, random selection, velocity. Electronic cash uses the EC terminal limit as its floor (PBOC 3.0 part 13). */
export function* terminalRiskManagement(ctx: TxContext, ec: boolean): Kernel<void> {
  const cfg = ctx.cfg.contact;
  const term = ctx.term;
  setBit(term.tsi, TSI.terminalRiskManagementPerformed);
  const floor = ec ? ctx.cfg.ec.terminalLimitFen : cfg.floorLimitFen;
  const amount = ctx.amountFen;
  if (amount >= floor) setBit(term.tvr, TVR.floorLimitExceeded);
  else {
    const rs = cfg.randomSelection;
    const rand = (ctx.input.random(1)[0]! % 99) + 1;
    let target = rs.targetPercent;
    if (amount >= rs.thresholdFen && floor > rs.thresholdFen) {
      target = rs.targetPercent + ((rs.maxTargetPercent - rs.targetPercent) * (amount - rs.thresholdFen)) / (floor - rs.thresholdFen);
    }
    if (rand <= target) setBit(term.tvr, TVR.randomlySelected);
  }
  const lcol = ctx.card.get(0x9f14);
  const ucol = ctx.card.get(0x9f23);
  if (cfg.velocityChecking && lcol?.length === 1 && ucol?.length === 1) {
    const atc = yield* getDataValue(0x9f36, 'GET DATA ATC');
    const loatc = yield* getDataValue(0x9f13, 'GET DATA last online ATC');
    if (!atc || atc.length !== 2 || !loatc || loatc.length !== 2) {
      setBit(term.tvr, TVR.lcolExceeded);
      setBit(term.tvr, TVR.ucolExceeded);
      return;
    }
    const a = readUint(atc);
    const l = readUint(loatc);
    if (a <= l) {
      setBit(term.tvr, TVR.lcolExceeded);
      setBit(term.tvr, TVR.ucolExceeded);
    } else {
      if (a - l > lcol[0]!) setBit(term.tvr, TVR.lcolExceeded);
      if (a - l > ucol[0]!) setBit(term.tvr, TVR.ucolExceeded);
    }
    if (l === 0) setBit(term.tvr, TVR.newCard);
  }
}

export interface ActionCodes {
  denial: Uint8Array;
  online: Uint8Array;
  default: Uint8Array;
}

export function actionCodes(ctx: TxContext): ActionCodes {
  const tac = ctx.cfg.contact.tac;
  const iac = (tag: number, absent: number) => {
    const v = ctx.card.get(tag);
    return v && v.length === 5 ? v : new Uint8Array(5).fill(absent);
  };
  const or = (a: Uint8Array, b: Uint8Array) => a.map((x, i) => x | b[i]!);
  return {
    denial: or(fromHex(tac.denial), iac(0x9f0e, 0x00)),
    online: or(fromHex(tac.online), iac(0x9f0f, 0xff)),
    default: or(fromHex(tac.default), iac(0x9f0d, 0xff)),
  };
}

export interface TaaResult {
  request: CryptogramType;
  /** The TVR bits that decided a refusal (denial or default), for the reason. */
  because: TvrBit[];
}

/** EMV Book 3 §10.7. `offlineOnly` also for electronic cash, which is offline by definition (PBOC 3.0 part 13). */
export function terminalActionAnalysis(ctx: TxContext, offlineOnly: boolean): TaaResult {
  const codes = actionCodes(ctx);
  const tvr = ctx.term.tvr;
  const denied = matchingBits(tvr, codes.denial);
  if (denied.length) return { request: 'AAC', because: denied };
  if (!offlineOnly) {
    const online = matchingBits(tvr, codes.online);
    return { request: online.length ? 'ARQC' : 'TC', because: online };
  }
  const def = matchingBits(tvr, codes.default);
  return def.length ? { request: 'AAC', because: def } : { request: 'TC', because: [] };
}

/**
 * Default action analysis for the offline-ARQC policy 'approve-and-store' (Y3): the named policy's
 * offline limits replace the floor-limit family of checks (TVR byte 4), everything else still counts.
 */
export function defaultActionForY3(ctx: TxContext): TvrBit[] {
  const codes = actionCodes(ctx);
  const tvr = ctx.term.tvr.slice();
  tvr[3] = 0;
  return matchingBits(tvr, codes.default).concat(matchingBits(tvr, codes.denial));
}
