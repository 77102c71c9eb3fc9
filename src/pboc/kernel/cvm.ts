/**
 * Cardholder verification for the full PBOC path (EMV Book 3 §10.5): walk the CVM list (8E), apply
 * the first rule whose condition holds, with the terminal's CVMs from config (no PIN pad here unless
 * online PIN is configured; signature only where paper can be signed). Sets TVR bits, CVM results
 * (9F34) and TSI; returns whether a signature must be collected.
 */
import { equalBytes, readUint } from '../../../apdu/hex';
import { ProtocolError } from '../../core/errors';
import type { TxContext } from './context';
import { setBit, TSI, TVR } from './tvr';

const RESULT = { unknown: 0x00, failed: 0x01, successful: 0x02 } as const;

export interface CvmOutcome {
  signatureRequired: boolean;
  onlinePin: boolean;
}

export function processCvm(ctx: TxContext): CvmOutcome {
  const out: CvmOutcome = { signatureRequired: false, onlinePin: false };
  const term = ctx.term;
  const list = ctx.card.get(0x8e);
  if (!list) {
    setBit(term.tvr, TVR.iccDataMissing);
    term.tags.set(0x9f34, Uint8Array.of(0x3f, 0x00, 0x00));
    return out;
  }
  if (list.length < 8 || list.length % 2 !== 0 || list.length > 8 + 2 * 64) throw new ProtocolError(`CVM list (8E) is ${list.length} bytes`, 'cvm-list');
  setBit(term.tsi, TSI.cvmPerformed);
  const x = readUint(list, 0, 4);
  const y = readUint(list, 4, 4);
  const amount = ctx.amountFen;
  const other = ctx.term.basics.otherAmountFen;
  const appCurrency = ctx.card.get(0x9f42);
  // Application currency (9F42) and transaction currency (5F2A) are both n3 in 2 bytes.
  const sameCurrency = appCurrency !== undefined && equalBytes(appCurrency, term.tags.get(0x5f2a)!);
  const cfg = ctx.cfg.cvm;
  const supported = (method: number): boolean => method === 0x1f || (method === 0x1e && cfg.signature) || (method === 0x02 && cfg.onlinePin);
  const known = (method: number): boolean => [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x1e, 0x1f].includes(method);
  const purchase = ctx.term.basics.transactionType === 0x00;

  for (let i = 8; i < list.length; i += 2) {
    const code = list[i]!;
    const cond = list[i + 1]!;
    const method = code & 0x3f;
    const next = (code & 0x40) !== 0;
    let applies: boolean;
    switch (cond) {
      case 0x00:
        applies = true;
        break;
      case 0x01: // unattended cash
      case 0x04: // manual cash
        applies = false;
        break;
      case 0x02: // not unattended cash, not manual cash, not purchase with cashback
        applies = !(purchase && other > 0);
        break;
      case 0x03:
        applies = supported(method);
        break;
      case 0x05:
        applies = purchase && other > 0;
        break;
      case 0x06:
        applies = sameCurrency && amount < x;
        break;
      case 0x07:
        applies = sameCurrency && amount > x;
        break;
      case 0x08:
        applies = sameCurrency && amount < y;
        break;
      case 0x09:
        applies = sameCurrency && amount > y;
        break;
      default:
        applies = false; // RFU or proprietary condition: not satisfied
    }
    if (!applies) continue;
    const result = (r: number) => term.tags.set(0x9f34, Uint8Array.of(code, cond, r));
    if (method === 0x00) {
      setBit(term.tvr, TVR.cvmFailed);
      result(RESULT.failed);
      return out;
    }
    if (!known(method)) {
      setBit(term.tvr, TVR.unrecognisedCvm);
      if (next) continue;
      setBit(term.tvr, TVR.cvmFailed);
      result(RESULT.failed);
      return out;
    }
    if (supported(method)) {
      if (method === 0x1e) {
        out.signatureRequired = true;
        result(RESULT.unknown);
      } else if (method === 0x02) {
        out.onlinePin = true;
        setBit(term.tvr, TVR.onlinePinEntered);
        result(RESULT.unknown);
      } else result(RESULT.successful);
      return out;
    }
    // A known method this terminal cannot perform.
    if (method === 0x01 || method === 0x03 || method === 0x04 || method === 0x05 || method === 0x02) setBit(term.tvr, TVR.pinPadMissing);
    if (next) continue;
    setBit(term.tvr, TVR.cvmFailed);
    result(RESULT.failed);
    return out;
  }
  setBit(term.tvr, TVR.cvmFailed);
  term.tags.set(0x9f34, Uint8Array.of(0x3f, 0x00, RESULT.failed));
  return out;
}
