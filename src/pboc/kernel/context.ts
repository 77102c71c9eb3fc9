/**
 * One transaction's state, shared by the qPBOC and full PBOC flows: inputs, terminal data (TVR, TSI),
 * the card's data, the write-ahead phase (for tearing), and the helpers every step needs.
 */
import { dateNumber, decodeCn, decodeDate6, decodeN } from '../../../apdu/codec';
import { toHex } from '../../../apdu/hex';
import { ProtocolError } from '../../core/errors';
import { maskPan } from '../../core/mask';
import type { CapkStore } from '../capk/store';
import type { PbocConfig } from '../config';
import type { VerifiedCache } from '../oda/cache';
import { CardData } from './card-data';
import type { CryptogramType } from './commands';
import type { OdaContext, OdaReport } from './oda-run';
import { TerminalData } from './terminal-data';

/** The journal's offline-limit check (src/journal Journal.checkOffline), or any function of that shape. */
export type OfflineCheck = (amountFen: number) => { ok: true } | { ok: false; reason: string; message: string };

export interface PbocPaymentInput {
  config: PbocConfig;
  interface: 'contactless' | 'contact';
  /** Amount, authorised, in fen (9F02). */
  amountFen: number;
  /** Amount, other (cashback), fen (9F03). Default 0. */
  otherAmountFen?: number;
  /** 9C transaction type: 0x00 goods and services (default). */
  transactionType?: number;
  /** Wall-clock time of the tap, epoch ms (9A/9F21 in CST). */
  nowMs: number;
  /** 9F37, 4 bytes, from the terminal's random source. */
  unpredictableNumber: Uint8Array;
  /** Random bytes (random transaction selection). */
  random: (n: number) => Uint8Array;
  capk: CapkStore;
  /** tokenise('pan', digits) → token (src/journal createTokeniser). */
  tokenise: (kind: string, value: string) => string;
  /** Is this PAN on the hotlist (src/hotlist lookup by hotlistKey('pan', pan))? */
  isHotlisted: (kind: 'pan', pan: string) => boolean;
  /** Needed for offlineArqcPolicy 'approve-and-store' (Y3); without it Y3 is refused. */
  offlineCheck?: OfflineCheck;
  /** Shared across transactions: remembers verified SM2 certificate signatures. */
  verifiedCache?: VerifiedCache;
  /** Client transaction id; default derived from the date, time and UN. */
  txn?: string;
}

export type Phase = 'idle' | 'intent' | 'sent' | 'answered' | 'closed';

export class TxContext {
  readonly cfg: PbocConfig;
  readonly term: TerminalData;
  card = new CardData();
  readonly txn: string;
  phase: Phase = 'idle';
  /** The step whose command may move money ('GPO' qPBOC, 'GENERATE AC' contact). */
  debitStep: 'GPO' | 'GENERATE AC' = 'GPO';
  intentSeq: bigint | undefined;
  aid: Uint8Array | undefined;
  label: string | undefined;
  aip: Uint8Array | undefined;
  cryptogramType: CryptogramType | undefined;
  oda: OdaReport | undefined;
  pan: string | undefined;
  panToken: string | undefined;
  ecBalanceBeforeFen: number | undefined;
  path: 'qpboc' | 'pboc' | undefined;

  constructor(readonly input: PbocPaymentInput) {
    if (!Number.isSafeInteger(input.amountFen) || input.amountFen < 0 || input.amountFen > 999_999_999_999) {
      throw new RangeError(`amountFen: expected a whole number of fen 0..999999999999, got ${input.amountFen}`);
    }
    if (!(input.unpredictableNumber instanceof Uint8Array) || input.unpredictableNumber.length !== 4) {
      throw new RangeError(`unpredictableNumber: expected Uint8Array of length 4`);
    }
    this.cfg = input.config;
    this.term = new TerminalData(input.config, {
      amountFen: input.amountFen,
      otherAmountFen: input.otherAmountFen ?? 0,
      transactionType: input.transactionType ?? 0x00,
      nowMs: input.nowMs,
      unpredictableNumber: input.unpredictableNumber,
    });
    this.txn = input.txn ?? `pboc-${toHex(this.term.tags.get(0x9a)!)}${toHex(this.term.tags.get(0x9f21)!)}-${toHex(input.unpredictableNumber)}`;
  }

  get amountFen(): number {
    return this.input.amountFen;
  }

  /** Forget what a previous candidate application said (contact: next application after 6985). */
  resetCard(): void {
    this.card = new CardData();
  }

  get today(): number {
    return this.term.ymd;
  }

  /** The card's PAN (panOf), tokenised once; no usable PAN is a protocol error. */
  resolvePan(): string {
    if (this.pan) return this.pan;
    const pan = panOf(this.card.get(0x5a), this.card.get(0x57));
    if (!pan) throw new ProtocolError('card gave no usable PAN (5A or track 2 equivalent 57)', 'pan');
    this.pan = pan;
    this.panToken = this.input.tokenise('pan', pan);
    return pan;
  }

  get panMasked(): string | undefined {
    return this.pan ? maskPan(this.pan) : undefined;
  }

  /** An n12 amount object from the card (9F5D, 9F79…), or undefined when absent or not BCD. */
  amountTag(tag: number): number | undefined {
    const v = this.card.get(tag);
    if (!v || v.length !== 6) return undefined;
    try {
      return decodeN(v);
    } catch {
      return undefined;
    }
  }

  odaContext(): OdaContext {
    return {
      capk: this.input.capk,
      today: this.today,
      pan: this.resolvePan(),
      aid: this.aid!,
      smSupported: this.cfg.sm.supported,
      smUserId: this.cfg.sm.userId,
      cache: this.input.verifiedCache,
    };
  }

  /** YYMMDD application expiry (5F24) has passed (EMV Book 3 §10.4.3)? */
  expired(): boolean {
    const v = this.card.get(0x5f24);
    if (!v) return false;
    return yymmdd(v) < this.today;
  }

  notYetEffective(): boolean {
    const v = this.card.get(0x5f25);
    if (!v) return false;
    return yymmdd(v) > this.today;
  }
}

/**
 * PAN digits from 5A (cn), else from track 2 equivalent data (57: the digits before the D separator);
 * undefined unless that gives 12–19 digits. A 5A that is not cn is a CodecError (a ProtocolError).
 */
export function panOf(p5a: Uint8Array | undefined, track2: Uint8Array | undefined): string | undefined {
  let pan: string | undefined;
  if (p5a) pan = decodeCn(p5a);
  else if (track2) {
    const hex = toHex(track2);
    const d = hex.indexOf('D');
    pan = d > 0 ? hex.slice(0, d) : undefined;
  }
  return pan !== undefined && /^\d{12,19}$/.test(pan) ? pan : undefined;
}

/** 5F24/5F25 YYMMDD → YYYYMMDD (apdu decodeDate6: EMV Book 4 §6.7.3, YY < 50 → 20YY). Not a BCD calendar date → CodecError (a protocol error). */
export const yymmdd = (v: Uint8Array): number => dateNumber(decodeDate6(v));
