/**
 * The emulated e-purse application (T-Union JT/T 978 / MoHURD CJ/T 166 style; DOMAIN.md §1.3): the
 * commands a validator uses, with the real MAC and TAC computations (crypto.ts) and the card's own
 * rules — a DEBIT is atomic (balance, EP sequence, logs and cached CAPP records change together or
 * not at all), GET TRANSACTION PROVE answers for the last debit only.
 *
 *   80 5C 00 02 04          GET BALANCE
 *   80 50 01|03 02 0B …     INITIALIZE FOR (CAPP) PURCHASE → balance ‖ seq ‖ overdraft ‖ key ver ‖ alg ‖ random
 *   80 DC id SFI<<3 Lc …    UPDATE CAPP DATA CACHE (after a CAPP initialize; committed by DEBIT)
 *   80 54 01 00 0F …        DEBIT FOR (CAPP) PURCHASE → TAC ‖ MAC2 (9302: MAC1 wrong)
 *   80 5A 00 type 02 seq    GET TRANSACTION PROVE → MAC2 ‖ TAC (9406: no such transaction)
 */
import type { ParsedCommand } from '../../../apdu/command';
import { equalBytes, readUint, writeUint } from '../../../apdu/hex';
import { encodeTransactionRecord } from '../../transit/records';
import type { CardApp, CardReply, EfNode } from '../fs';
import type { Iso7816Card } from '../iso7816-card';
import { epMac, mac1Data, sessionKey, tacData, tacKey, type EpAlgorithm } from './crypto';

export interface EpKeys {
  algorithm: EpAlgorithm;
  algorithmId: number;
  keyVersion: number;
  keyIndex: number;
  /** Card purchase key (DPK), diversified. */
  dpk: Uint8Array;
  /** Card TAC key (DTK), diversified. */
  dtk: Uint8Array;
}

export type EpFault = 'bad-mac2' | 'bad-prove-mac2';

export interface EpPurseState {
  balanceFen: number;
  epSeq: number;
  overdraftFen: number;
  maxBalanceFen: number;
  /** Counts of what happened, for tests. */
  debits: number;
  macFailures: number;
}

interface Session {
  capp: boolean;
  amount4: Uint8Array;
  terminal6: Uint8Array;
  random: Uint8Array;
  seq: number;
}

interface CacheEntry {
  sfi: number;
  recordId: number;
  data: Uint8Array;
}

const SW = { OK: 0x9000, WRONG_LENGTH: 0x6700, CONDITIONS: 0x6985, WRONG_P1P2: 0x6a86, NOT_FOUND: 0x6a82, REC_NOT_FOUND: 0x6a83, NO_SPACE: 0x6a84, MAC: 0x9302, FUNDS: 0x9401, KEY_INDEX: 0x9403, NO_MAC: 0x9406, INS: 0x6d00 } as const;

export const TRANSACTION_LOG_SIZE = 10;
export const TRAVEL_LOG_SIZE = 10;

export class EpPurseApp implements CardApp {
  readonly state: EpPurseState;
  private session: Session | undefined;
  private cache: CacheEntry[] = [];
  /** The last debit, for GET TRANSACTION PROVE (non-volatile on a real card). */
  private last: { seq: number; type: number; mac2: Uint8Array; tac: Uint8Array } | undefined;

  constructor(
    private readonly keys: EpKeys,
    init: { balanceFen: number; epSeq: number; overdraftFen?: number; maxBalanceFen?: number },
    private readonly files: { transactions: EfNode; travel: EfNode; compound?: EfNode },
    private readonly faults: ReadonlySet<EpFault> = new Set(),
  ) {
    this.state = { balanceFen: init.balanceFen, epSeq: init.epSeq, overdraftFen: init.overdraftFen ?? 0, maxBalanceFen: init.maxBalanceFen ?? 100_000, debits: 0, macFailures: 0 };
  }

  onReset(): void {
    this.session = undefined;
    this.cache = [];
  }

  onSelect(): void {
    this.onReset();
  }

  handle(cmd: ParsedCommand, card: Iso7816Card): CardReply | undefined {
    if (cmd.cla !== 0x80) return undefined;
    // Only while this application is selected (the engine also asks ancestors' apps).
    if (!card.currentDf.app || card.currentDf.app !== this) return undefined;
    switch (cmd.ins) {
      case 0x5c:
        return this.getBalance(cmd);
      case 0x50:
        return this.initialize(cmd);
      case 0xdc:
        return this.updateCache(cmd);
      case 0x54:
        return this.debit(cmd);
      case 0x5a:
        return this.prove(cmd);
      default:
        return { sw: SW.INS };
    }
  }

  private getBalance(cmd: ParsedCommand): CardReply {
    if (cmd.p1 !== 0x00 || cmd.p2 !== 0x02) return { sw: SW.WRONG_P1P2 };
    return { data: writeUint(this.state.balanceFen, 4), sw: SW.OK };
  }

  private initialize(cmd: ParsedCommand): CardReply {
    this.session = undefined;
    this.cache = [];
    if ((cmd.p1 !== 0x01 && cmd.p1 !== 0x03) || cmd.p2 !== 0x02) return { sw: SW.WRONG_P1P2 };
    const d = cmd.data;
    if (!d || d.length !== 11) return { sw: SW.WRONG_LENGTH };
    if (d[0] !== this.keys.keyIndex) return { sw: SW.KEY_INDEX };
    const amount = readUint(d, 1, 4);
    if (amount > this.state.balanceFen) return { sw: SW.FUNDS };
    const random = (this.rand ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n))))(4);
    this.session = { capp: cmd.p1 === 0x03, amount4: d.slice(1, 5), terminal6: d.slice(5, 11), random, seq: this.state.epSeq };
    const out = new Uint8Array(15);
    out.set(writeUint(this.state.balanceFen, 4), 0);
    out.set(writeUint(this.state.epSeq, 2), 4);
    out.set(writeUint(this.state.overdraftFen, 3), 6);
    out[9] = this.keys.keyVersion;
    out[10] = this.keys.algorithmId;
    out.set(random, 11);
    return { data: out, sw: SW.OK };
  }

  /** The card's random source (set by the fixture builder from the card's injected one). */
  rand: ((n: number) => Uint8Array) | undefined;

  private updateCache(cmd: ParsedCommand): CardReply {
    if (!this.session?.capp) return { sw: SW.CONDITIONS };
    const data = cmd.data;
    if (!data) return { sw: SW.WRONG_LENGTH };
    const sfi = cmd.p2 >> 3;
    if ((cmd.p2 & 0x07) !== 0) return { sw: SW.WRONG_P1P2 };
    if (sfi === this.files.travel.sfi) {
      if (cmd.p1 !== 0x00) return { sw: SW.WRONG_P1P2 };
      if (data.length !== 48) return { sw: SW.WRONG_LENGTH };
    } else if (this.files.compound && sfi === this.files.compound.sfi) {
      const existing = this.files.compound.records!.find((r) => r[0] === cmd.p1);
      if (!existing) return { sw: SW.REC_NOT_FOUND };
      if (data.length !== existing.length || data[0] !== cmd.p1) return { sw: SW.WRONG_LENGTH };
      if (existing[2] !== 0x00) return { sw: SW.CONDITIONS }; // record locked
    } else return { sw: SW.NOT_FOUND };
    if (this.cache.length >= 2) return { sw: SW.NO_SPACE };
    this.cache.push({ sfi, recordId: cmd.p1, data: data.slice() });
    return { sw: SW.OK };
  }

  private debit(cmd: ParsedCommand): CardReply {
    const s = this.session;
    if (!s) return { sw: SW.CONDITIONS };
    if (cmd.p1 !== 0x01 || cmd.p2 !== 0x00) return { sw: SW.WRONG_P1P2 };
    const d = cmd.data;
    if (!d || d.length !== 15) return { sw: SW.WRONG_LENGTH };
    const tseq4 = d.slice(0, 4);
    const dt7 = d.slice(4, 11);
    const mac1 = d.slice(11, 15);
    const type = s.capp ? 0x09 : 0x06;
    const sk = sessionKey(this.keys.algorithm, this.keys.dpk, s.random, writeUint(s.seq, 2), tseq4);
    const input = { amount4: s.amount4, type, terminal6: s.terminal6, dateTime7: dt7 };
    if (!equalBytes(epMac(this.keys.algorithm, sk, mac1Data(input)), mac1)) {
      this.session = undefined;
      this.cache = [];
      this.state.macFailures++;
      return { sw: SW.MAC };
    }
    const amount = readUint(s.amount4, 0, 4);
    if (amount > this.state.balanceFen) return { sw: SW.FUNDS };
    // --- commit, all at once
    this.state.balanceFen -= amount;
    this.state.epSeq = (this.state.epSeq + 1) & 0xffff;
    this.state.debits++;
    const rec = encodeTransactionRecord({ epSeq: s.seq, overdraftFen: this.state.overdraftFen, amountFen: amount, type, terminal6: s.terminal6, dateTime7: dt7 });
    pushCyclic(this.files.transactions, rec, TRANSACTION_LOG_SIZE);
    for (const c of this.cache) {
      if (c.sfi === this.files.travel.sfi) pushCyclic(this.files.travel, c.data, TRAVEL_LOG_SIZE);
      else {
        const recs = this.files.compound!.records!;
        recs[recs.findIndex((r) => r[0] === c.recordId)] = c.data;
      }
    }
    let mac2 = epMac(this.keys.algorithm, sk, s.amount4);
    const tac = epMac(this.keys.algorithm, tacKey(this.keys.algorithm, this.keys.dtk), tacData({ ...input, terminalSeq4: tseq4 }));
    if (this.faults.has('bad-mac2')) mac2 = mac2.map((b) => b ^ 0x5a);
    this.last = { seq: s.seq, type, mac2: this.faults.has('bad-prove-mac2') ? mac2.map((b) => b ^ 0xa5) : mac2, tac };
    this.session = undefined;
    this.cache = [];
    const out = new Uint8Array(8);
    out.set(tac, 0);
    out.set(mac2, 4);
    return { data: out, sw: SW.OK };
  }

  private prove(cmd: ParsedCommand): CardReply {
    if (cmd.p1 !== 0x00) return { sw: SW.WRONG_P1P2 };
    const d = cmd.data;
    if (!d || d.length !== 2) return { sw: SW.WRONG_LENGTH };
    const seq = readUint(d, 0, 2);
    const l = this.last;
    if (!l || l.seq !== seq || l.type !== cmd.p2) return { sw: SW.NO_MAC };
    const out = new Uint8Array(8);
    out.set(l.mac2, 0);
    out.set(l.tac, 4);
    return { data: out, sw: SW.OK };
  }
}

function pushCyclic(ef: EfNode, record: Uint8Array, size: number): void {
  const recs = ef.records!;
  recs.unshift(record);
  if (recs.length > size) recs.length = size;
}
