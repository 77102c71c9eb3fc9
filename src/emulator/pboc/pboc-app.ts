/**
 * The emulated UnionPay PBOC 3.0 application: GET PROCESSING OPTIONS (qPBOC decision and electronic
 * cash debit, or contact format 1/EC format 2), GENERATE AC (card action analysis, real MACs from a TEST
 * issuer master key), INTERNAL AUTHENTICATE (DDA), live GET DATA objects (EC balance that goes down,
 * ATC that goes up, last online ATC, limits, log formats), and a cyclic transaction log that fills.
 * Signatures (fDDA/DDA) are real: RSA with the ICC private key (no padding), or SM2 with SM3.
 */
import { constants, createPrivateKey, privateEncrypt, type KeyObject } from 'node:crypto';
import { decodeN, encodeAn, encodeN } from '../../../apdu/codec';
import type { ParsedCommand } from '../../../apdu/command';
import { dolLength, parseDol, splitDolData, type DolEntry } from '../../../apdu/dol';
import { concat, fromHex, writeUint } from '../../../apdu/hex';
import { decodeTlv, encodeTlv, findTlv, tlv, type TlvInput } from '../../../apdu/tlv';
import { applicationCryptogram } from '../../pboc/crypto/cryptogram';
import { sha1 } from '../../pboc/crypto/hash';
import { sm2Sign } from '../../pboc/crypto/sm2';
import type { CardApp, CardReply, EfNode } from '../fs';
import type { Iso7816Card } from '../iso7816-card';
import type { PbocSection } from './personalisation';
import { track2 } from './records';

const SW = { OK: 0x9000, CONDITIONS: 0x6985, WRONG_LENGTH: 0x6700, WRONG_DATA: 0x6a80, P1P2: 0x6a86, SECURITY: 0x6982 } as const;

type Mode = 'qpboc' | 'contact';

interface Session {
  mode: Mode;
  /** Values the terminal gave (PDOL, then CDOL1/CDOL2/DDOL), by tag. */
  values: Map<number, Uint8Array>;
  ec: boolean;
  /** After a first GENERATE AC answered ARQC, a second one may come. */
  awaitingSecond: boolean;
  done: boolean;
}

export interface PbocCardState {
  balanceFen: number;
  atc: number;
  lastOnlineAtc: number;
  /** Log records, most recent first. */
  log: Uint8Array[];
}

export class PbocApp implements CardApp {
  readonly state: PbocCardState;
  private session: Session | undefined;
  private readonly pdol: DolEntry[];
  private readonly cdol1: DolEntry[];
  private readonly cdol2: DolEntry[];
  private readonly logFormat: DolEntry[];
  private readonly rsaKey: KeyObject | undefined;
  private readonly rsaLen: number;

  constructor(
    private readonly p: PbocSection,
    private readonly afl: Uint8Array,
    private readonly logEf: EfNode,
  ) {
    this.state = { balanceFen: p.ec.balanceFen, atc: p.atc, lastOnlineAtc: p.lastOnlineAtc, log: logEf.records! };
    this.pdol = parseDol(fromHex(p.pdol));
    this.cdol1 = parseDol(fromHex(p.cdol1));
    this.cdol2 = parseDol(fromHex(p.cdol2));
    this.logFormat = parseDol(fromHex(p.log.format));
    if (typeof p.keys.iccPrivateKey === 'object') {
      this.rsaKey = createPrivateKey({ key: p.keys.iccPrivateKey, format: 'jwk' });
      this.rsaLen = Buffer.from(p.keys.iccPrivateKey.n, 'base64url').length;
    } else this.rsaLen = 0;
  }

  onSelect(): void {
    this.session = undefined;
  }

  onReset(): void {
    this.session = undefined;
  }

  /** GET DATA objects, evaluated at each GET DATA. */
  dataObjects(): Map<number, () => Uint8Array> {
    const p = this.p;
    return new Map<number, () => Uint8Array>([
      [0x9f79, () => encodeN(this.state.balanceFen, 6)],
      [0x9f78, () => encodeN(p.ec.singleLimitFen, 6)],
      [0x9f77, () => encodeN(p.ec.balanceLimitFen, 6)],
      [0x9f6d, () => encodeN(p.ec.resetThresholdFen, 6)],
      [0x9f51, () => encodeN(p.ec.currency, 2)],
      [0x9f36, () => writeUint(this.state.atc, 2)],
      [0x9f13, () => writeUint(this.state.lastOnlineAtc, 2)],
      [0x9f4f, () => fromHex(p.log.format)],
    ]);
  }

  handle(cmd: ParsedCommand, card: Iso7816Card): CardReply | undefined {
    if (cmd.cla === 0x80 && cmd.ins === 0xa8) return this.gpo(cmd, card);
    if (cmd.cla === 0x80 && cmd.ins === 0xae) return this.generateAc(cmd);
    if (cmd.cla === 0x00 && cmd.ins === 0x88) return this.internalAuthenticate(cmd, card);
    return undefined;
  }

  // --- GET PROCESSING OPTIONS -----------------------------------------------------------------------

  private gpo(cmd: ParsedCommand, card: Iso7816Card): CardReply {
    if (cmd.p1 !== 0 || cmd.p2 !== 0) return { sw: SW.P1P2 };
    const data = cmd.data ?? new Uint8Array(0);
    let values: Map<number, Uint8Array>;
    try {
      const t = decodeTlv(data);
      const v83 = findTlv(t, 0x83)?.value;
      if (!v83 || v83.length !== dolLength(this.pdol)) return { sw: SW.WRONG_LENGTH };
      values = splitDolData(this.pdol, v83);
    } catch {
      return { sw: SW.WRONG_DATA };
    }
    if (this.session) return { sw: SW.CONDITIONS }; // one GPO per selection
    if (this.state.atc >= 0xffff) return { sw: SW.CONDITIONS }; // ATC exhausted: the application is blocked
    this.state.atc++;
    const ttq = values.get(0x9f66) ?? new Uint8Array(4);
    const qpboc = (ttq[0]! & 0x20) !== 0;
    const amount = safeN(values.get(0x9f02));
    const ecAsked = (values.get(0x9f7a)?.[0] ?? 0) === 1;
    const ecPossible = ecAsked && amount > 0 && amount <= this.state.balanceFen && amount <= this.p.ec.singleLimitFen;
    const sm = this.p.algorithm === 'sm2';
    if (sm && (values.get(0xdf69)?.[0] ?? 0) !== 1) {
      this.session = { mode: qpboc ? 'qpboc' : 'contact', values, ec: false, awaitingSecond: false, done: true };
      return { sw: SW.CONDITIONS }; // an SM-only card and a terminal without SM
    }
    // Contactless full PBOC: the card's AIP asks for it (byte 2 b8) and the reader supports it (TTQ byte 1 b7).
    const fullOverContactless = qpboc && (fromHex(this.p.aip)[1]! & 0x80) !== 0 && (ttq[0]! & 0x40) !== 0;
    if (!qpboc || fullOverContactless) {
      this.session = { mode: 'contact', values, ec: ecPossible, awaitingSecond: false, done: false };
      if (this.p.faults.malformedGpo) return { data: fromHex('80FF7C00'), sw: SW.OK };
      if (ecPossible) return { data: encodeTlv(tlv(0x77, [tlv(0x82, fromHex(this.p.aip)), tlv(0x94, this.afl), tlv(0x9f74, encodeAn('ECC001', 6))])), sw: SW.OK };
      return { data: encodeTlv(tlv(0x80, concat(fromHex(this.p.aip), this.afl))), sw: SW.OK };
    }
    // qPBOC: the card decides now.
    this.session = { mode: 'qpboc', values, ec: false, awaitingSecond: false, done: true };
    const offlineOnlyReader = (ttq[0]! & 0x08) !== 0;
    const onlineRequired = (ttq[1]! & 0x80) !== 0;
    const cvmRequired = (ttq[1]! & 0x40) !== 0;
    let type: 'TC' | 'ARQC' | 'AAC';
    if (this.p.faults.alwaysAac) type = 'AAC';
    else if (ecPossible && !onlineRequired) type = 'TC';
    else type = offlineOnlyReader ? 'AAC' : 'ARQC';
    if (type === 'TC') {
      this.state.balanceFen -= amount;
      this.writeLog(values);
    }
    const iad = this.iad(type);
    const ac = this.cryptogram(values, iad);
    const ctq = fromHex(this.p.ctq);
    if (cvmRequired && type !== 'AAC') {
      if (this.p.cvm === 'signature') ctq[0]! |= 0x40;
      else if (this.p.cvm === 'online-pin') ctq[0]! |= 0x80;
    }
    const items: TlvInput[] = [
      tlv(0x82, fromHex(this.p.aip)),
      tlv(0x94, this.afl),
      tlv(0x57, track2(this.p)),
      tlv(0x5f34, fromHex(this.p.panSequence)),
      tlv(0x9f10, iad),
      tlv(0x9f26, ac),
      tlv(0x9f36, writeUint(this.state.atc, 2)),
      tlv(0x9f5d, encodeN(this.state.balanceFen, 6)),
      tlv(0x9f6c, ctq),
    ];
    if (type === 'TC') {
      const v01 = (ttq[3]! & 0x80) !== 0;
      const cardUn = card.random(4);
      const c69 = v01 ? concat(Uint8Array.of(0x01), cardUn, ctq) : undefined;
      if (c69) items.push(tlv(0x9f69, c69));
      const un = values.get(0x9f37) ?? new Uint8Array(4);
      const tdd = c69 ? concat(un, values.get(0x9f02) ?? new Uint8Array(6), values.get(0x5f2a) ?? new Uint8Array(2), c69) : un;
      items.push(tlv(0x9f4b, this.sdad(tdd, card)));
    }
    return { data: encodeTlv(tlv(0x77, items)), sw: SW.OK };
  }

  // --- GENERATE AC ------------------------------------------------------------------------------------

  private generateAc(cmd: ParsedCommand): CardReply {
    const s = this.session;
    if (!s || s.mode !== 'contact' || s.done) return { sw: SW.CONDITIONS };
    const second = s.awaitingSecond;
    const dol = second ? this.cdol2 : this.cdol1;
    const data = cmd.data ?? new Uint8Array(0);
    if (data.length !== dolLength(dol)) return { sw: SW.WRONG_LENGTH };
    for (const [t, v] of splitDolData(dol, data)) s.values.set(t, v);
    const req = cmd.p1 & 0xc0;
    if (req === 0xc0) return { sw: SW.P1P2 };
    let type: 'TC' | 'ARQC' | 'AAC';
    const amount = safeN(s.values.get(0x9f02));
    if (this.p.faults.alwaysAac || req === 0x00) type = 'AAC';
    else if (second) {
      const arc = new TextDecoder().decode(s.values.get(0x8a) ?? new Uint8Array(0));
      type = req === 0x40 && arc === 'Y3' && !this.p.faults.refuseY3 ? 'TC' : 'AAC';
    } else if (s.ec) {
      type = req === 0x40 && amount <= this.state.balanceFen ? 'TC' : 'AAC';
    } else type = 'ARQC'; // a debit/credit card wants the issuer for anything not electronic cash
    if (type === 'TC' && s.ec) this.state.balanceFen -= amount;
    if (type === 'TC') this.writeLog(s.values);
    s.awaitingSecond = type === 'ARQC' && !second;
    s.done = !s.awaitingSecond;
    const iad = this.iad(type);
    const ac = this.cryptogram(s.values, iad);
    const cid = type === 'TC' ? 0x40 : type === 'ARQC' ? 0x80 : 0x00;
    return { data: encodeTlv(tlv(0x80, concat(Uint8Array.of(cid), writeUint(this.state.atc, 2), ac, iad))), sw: SW.OK };
  }

  // --- INTERNAL AUTHENTICATE (DDA) ----------------------------------------------------------------------

  private internalAuthenticate(cmd: ParsedCommand, card: Iso7816Card): CardReply {
    if (!this.session || this.session.mode !== 'contact') return { sw: SW.CONDITIONS };
    const data = cmd.data;
    if (!data || data.length < 4) return { sw: SW.WRONG_LENGTH };
    return { data: encodeTlv(tlv(0x80, this.sdad(data, card))), sw: SW.OK };
  }

  // --- pieces -------------------------------------------------------------------------------------------

  /** PBOC IAD: length 07 ‖ DKI 01 ‖ CVN 01 (3DES) or 04 (SM4) ‖ CVR: 03 ‖ byte 2 (b6–b5 AC type) ‖ 00 ‖ 00. */
  private iad(type: 'TC' | 'ARQC' | 'AAC'): Uint8Array {
    const bits = type === 'TC' ? 0x10 : type === 'ARQC' ? 0x20 : 0x00;
    return Uint8Array.of(0x07, 0x01, this.p.algorithm === 'sm2' ? 0x04 : 0x01, 0x03, bits, 0x00, 0x00);
  }

  private cryptogram(v: Map<number, Uint8Array>, iad: Uint8Array): Uint8Array {
    const z = (t: number, n: number) => v.get(t) ?? new Uint8Array(n);
    return applicationCryptogram(this.p.algorithm === 'sm2' ? 'sm4' : '3des', fromHex(this.p.keys.acMasterKey), this.p.pan, this.p.panSequence, {
      amount: z(0x9f02, 6),
      otherAmount: z(0x9f03, 6),
      country: z(0x9f1a, 2),
      tvr: z(0x95, 5),
      currency: z(0x5f2a, 2),
      date: z(0x9a, 3),
      type: z(0x9c, 1),
      un: z(0x9f37, 4),
      aip: fromHex(this.p.aip),
      atc: writeUint(this.state.atc, 2),
      iad,
    });
  }

  /** Signed Dynamic Application Data over the terminal dynamic data (EMV Book 2 §6.5 / SM variant 0x15). */
  private sdad(tdd: Uint8Array, card: Iso7816Card): Uint8Array {
    const idn = card.random(8);
    const dyn = concat(Uint8Array.of(idn.length), idn);
    let out: Uint8Array;
    if (this.p.algorithm === 'sm2') {
      const head = concat(Uint8Array.of(0x15, dyn.length), dyn);
      const sig = sm2Sign(fromHex(this.p.keys.iccPrivateKey as string), concat(head, tdd), { userId: this.p.smUserId, random: card.random });
      out = concat(head, sig);
    } else {
      const n = this.rsaLen;
      const pad = new Uint8Array(n - dyn.length - 25).fill(0xbb);
      const body = concat(Uint8Array.of(0x05, 0x01, dyn.length), dyn, pad);
      const block = concat(Uint8Array.of(0x6a), body, sha1(body, tdd), Uint8Array.of(0xbc));
      out = new Uint8Array(privateEncrypt({ key: this.rsaKey!, padding: constants.RSA_NO_PADDING }, block));
    }
    if (this.p.faults.badSignature) out[out.length - 5]! ^= 0x5a;
    return out;
  }

  private writeLog(values: Map<number, Uint8Array>): void {
    const parts = this.logFormat.map((e) => {
      const v = e.tag === 0x9f36 ? writeUint(this.state.atc, 2) : values.get(e.tag);
      const out = new Uint8Array(e.length);
      if (v) out.set(v.subarray(0, e.length));
      return out;
    });
    this.state.log.unshift(concat(...parts));
    if (this.state.log.length > this.p.log.size) this.state.log.length = this.p.log.size;
  }
}

function safeN(v: Uint8Array | undefined): number {
  if (!v) return 0;
  try {
    return decodeN(v);
  } catch {
    return 0;
  }
}
