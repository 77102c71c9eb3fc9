/**
 * The terminal's side of the data objects: what PDOL, CDOL1/2, DDOL and the card's log ask for
 * (EMV Book 3 §5.4, Annex A; PBOC 3.0 tags DF60/DF69/9F66/9F7A/9F7B — DOMAIN.md §1.2), built from the
 * injected inputs (amount, CST date and time from the clock, unpredictable number) and the config.
 * TVR, TSI, CVM results and the ARC are live: DOLs read their current value.
 */
import { encodeAn, encodeBcd, encodeN } from '../../../apdu/codec';
import { fromHex } from '../../../apdu/hex';
import { cstDateNumber, cstParts } from '../../core/clock';
import type { PbocConfig } from '../config';

export interface TransactionBasics {
  amountFen: number;
  otherAmountFen: number;
  /** 9C: 00 goods and services. */
  transactionType: number;
  nowMs: number;
  unpredictableNumber: Uint8Array;
}

const n2 = (v: number): Uint8Array => encodeN(v, 2);

export function terminalType(cfg: PbocConfig): number {
  // 9F35, EMV Book 4 Annex A1: 2x = merchant; x: 2 attended offline+online, 3 attended offline only,
  // 5 unattended offline+online, 6 unattended offline only.
  const attended = cfg.terminal.attended;
  const online = cfg.online.capable;
  return 0x20 + (attended ? (online ? 2 : 3) : online ? 5 : 6);
}

/** 9F33 (EMV Book 4 Annex A2): IC reader; CVMs from config; SDA and DDA. */
export function terminalCapabilities(cfg: PbocConfig): Uint8Array {
  if (cfg.terminal.capabilities) return fromHex(cfg.terminal.capabilities);
  let cvm = 0x08; // no CVM required
  if (cfg.cvm.onlinePin) cvm |= 0x40;
  if (cfg.cvm.signature) cvm |= 0x20;
  return Uint8Array.of(0x20, cvm, 0xc0);
}

export function dateTimeBcd(nowMs: number): { date: Uint8Array; time: Uint8Array; ymd: number } {
  const p = cstParts(nowMs);
  const two = (v: number) => String(v).padStart(2, '0');
  return {
    date: encodeBcd(two(p.y % 100) + two(p.m) + two(p.d)),
    time: encodeBcd(two(p.hh) + two(p.mm) + two(p.ss)),
    ymd: cstDateNumber(nowMs),
  };
}

export class TerminalData {
  readonly tags = new Map<number, Uint8Array>();
  readonly tvr = new Uint8Array(5);
  readonly tsi = new Uint8Array(2);
  readonly ymd: number;

  constructor(
    readonly cfg: PbocConfig,
    readonly basics: TransactionBasics,
  ) {
    const { date, time, ymd } = dateTimeBcd(basics.nowMs);
    this.ymd = ymd;
    const t = this.tags;
    t.set(0x9f02, encodeN(basics.amountFen, 6));
    t.set(0x9f03, encodeN(basics.otherAmountFen, 6));
    t.set(0x9f1a, n2(cfg.terminal.countryCode));
    t.set(0x5f2a, n2(cfg.terminal.currencyCode));
    t.set(0x5f36, Uint8Array.of(0x02));
    t.set(0x9a, date);
    t.set(0x9f21, time);
    t.set(0x9c, encodeN(basics.transactionType, 1));
    t.set(0x9f37, basics.unpredictableNumber);
    t.set(0x9f35, Uint8Array.of(terminalType(cfg)));
    t.set(0x9f33, terminalCapabilities(cfg));
    t.set(0x9f40, fromHex(cfg.terminal.additionalCapabilities));
    t.set(0x9f09, fromHex(cfg.terminal.applicationVersion));
    t.set(0x9f1c, encodeAn(cfg.terminal.terminalId, 8, 0x20));
    t.set(0x9f16, encodeAn(cfg.terminal.merchantId, 15, 0x20));
    t.set(0x9f15, encodeBcd(cfg.terminal.merchantCategoryCode));
    t.set(0x9f4e, encodeAn(cfg.terminal.merchantName, 20, 0x20));
    t.set(0xdf60, Uint8Array.of(0x00)); // extended application: none (DOMAIN.md §1.2)
    t.set(0xdf69, Uint8Array.of(cfg.sm.supported ? 0x01 : 0x00));
    t.set(0x9f7b, encodeN(cfg.ec.terminalLimitFen, 6));
    t.set(0x9f7a, Uint8Array.of(0x00));
    t.set(0x9f34, Uint8Array.of(0x3f, 0x00, 0x00));
    t.set(0x8a, new Uint8Array(2));
  }

  get amountFen(): number {
    return this.basics.amountFen;
  }

  /** DOL source: live TVR/TSI, then the terminal tags. */
  source = (tag: number): Uint8Array | undefined => {
    if (tag === 0x95) return this.tvr;
    if (tag === 0x9b) return this.tsi;
    return this.tags.get(tag);
  };
}
