/**
 * A generic ISO/IEC 7816-4 card: SELECT (by DF name, by FID, MF, EF under the current DF), READ BINARY
 * (current EF or by SFI), READ RECORD (by number or by identifier, current EF or by SFI), GET DATA,
 * GET CHALLENGE, VERIFY (PIN with try counter), GET RESPONSE for T=0, status words as cards give them.
 * Applications add their own commands through CardApp handlers on their DF.
 *
 * T=0 behaviour (ISO/IEC 7816-3 §10.3.5): a command that produces data answers 61xx; the data comes
 * with GET RESPONSE (00 C0 00 00 Le). A GET RESPONSE with a wrong Le answers 6Cxx.
 */
import { parseCommand, type ParsedCommand } from '../../apdu/command';
import { equalBytes } from '../../apdu/hex';
import { encodeResponse, swOnly } from '../../apdu/response';
import { encodeTlv } from '../../apdu/tlv';
import type { CardReply, DfNode, EfNode } from './fs';
import type { EmulatedCard } from './types';

export const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  CLA_FUNCTION_NOT_SUPPORTED: 0x6800,
  NO_CURRENT_EF: 0x6986,
  INCOMPATIBLE_FILE: 0x6981,
  SECURITY_NOT_SATISFIED: 0x6982,
  AUTH_BLOCKED: 0x6983,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  WRONG_DATA: 0x6a80,
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  FILE_NOT_FOUND: 0x6a82,
  RECORD_NOT_FOUND: 0x6a83,
  WRONG_P1P2: 0x6a86,
  DATA_NOT_FOUND: 0x6a88,
  OFFSET_OUTSIDE: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  NO_DIAGNOSIS: 0x6f00,
} as const;

export interface Iso7816CardOptions {
  label: string;
  atr: Uint8Array;
  protocol?: 'T0' | 'T1';
  mf: DfNode;
  /** PINs by reference (P2 of VERIFY), with their try limit. */
  pins?: Record<number, { value: Uint8Array; tries: number }>;
  /** Random source for GET CHALLENGE and applications (inject for determinism). */
  random?: (n: number) => Uint8Array;
}

export class Iso7816Card implements EmulatedCard {
  readonly atr: Uint8Array;
  readonly protocol: 'T0' | 'T1';
  readonly label: string;
  readonly mf: DfNode;
  readonly random: (n: number) => Uint8Array;
  /** Currently selected DF (the MF after reset) and EF. */
  currentDf: DfNode;
  currentEf: EfNode | undefined;
  /** Security states reached in this session (e.g. 'ext-auth:1', 'pin:1'). */
  readonly security = new Set<string>();
  /** The last GET CHALLENGE value, consumed by EXTERNAL AUTHENTICATE. */
  challenge: Uint8Array | undefined;
  private pending: Uint8Array | undefined; // T=0 data waiting for GET RESPONSE
  private readonly pinTries = new Map<number, number>();
  private powered = true;

  constructor(private readonly opts: Iso7816CardOptions) {
    this.atr = opts.atr;
    this.protocol = opts.protocol ?? 'T1';
    this.label = opts.label;
    this.mf = opts.mf;
    this.random = opts.random ?? ((n) => crypto.getRandomValues(new Uint8Array(n)));
    this.currentDf = opts.mf;
    for (const [ref, pin] of Object.entries(opts.pins ?? {})) this.pinTries.set(Number(ref), pin.tries);
  }

  powerOn(): void {
    this.powered = true;
    this.currentDf = this.mf;
    this.currentEf = undefined;
    this.security.clear();
    this.challenge = undefined;
    this.pending = undefined;
    forEachDf(this.mf, (d) => d.app?.onReset?.());
  }

  powerOff(): void {
    this.powered = false;
  }

  transmit(command: Uint8Array): Uint8Array {
    if (!this.powered) this.powerOn();
    let cmd: ParsedCommand;
    try {
      cmd = parseCommand(command);
    } catch {
      return swOnly(SW.WRONG_LENGTH);
    }
    // T=0: GET RESPONSE drains pending data.
    if (cmd.ins === 0xc0 && (cmd.cla & 0x80) === 0) return this.getResponse(cmd);
    this.pending = undefined;
    const reply = this.dispatch(cmd);
    const data = reply.data ?? new Uint8Array(0);
    if (this.protocol === 'T0' && data.length > 0 && (reply.sw === SW.OK || reply.sw >> 8 === 0x62 || reply.sw >> 8 === 0x63)) {
      // The data stays in the card until GET RESPONSE; the final SW is lost in this simple model when not 9000.
      this.pending = data;
      return swOnly(0x6100 | (data.length >= 256 ? 0 : data.length));
    }
    return encodeResponse(data, reply.sw);
  }

  private getResponse(cmd: ParsedCommand): Uint8Array {
    const pending = this.pending;
    if (!pending) return swOnly(SW.CONDITIONS_NOT_SATISFIED);
    const want = cmd.le ?? 256;
    const avail = Math.min(pending.length, 256);
    if (want > avail) return swOnly(0x6c00 | (avail === 256 ? 0 : avail));
    const chunk = pending.subarray(0, want);
    const rest = pending.subarray(want);
    if (rest.length > 0) {
      this.pending = rest;
      return encodeResponse(chunk, 0x6100 | (rest.length >= 256 ? 0 : rest.length));
    }
    this.pending = undefined;
    return encodeResponse(chunk, SW.OK);
  }

  private dispatch(cmd: ParsedCommand): CardReply {
    if ((cmd.cla & 0xe0) === 0x20 || cmd.cla === 0xff) return { sw: SW.CLA_NOT_SUPPORTED };
    // Application handlers of the selected DF and its ancestors, innermost first.
    for (const d of this.dfPath(this.currentDf).reverse()) {
      const r = d.app?.handle?.(cmd, this);
      if (r) return r;
    }
    const proprietary = (cmd.cla & 0x80) !== 0;
    switch (cmd.ins) {
      case 0xa4:
        return proprietary ? { sw: SW.CLA_NOT_SUPPORTED } : this.select(cmd);
      case 0xb0:
        return proprietary ? { sw: SW.CLA_NOT_SUPPORTED } : this.readBinary(cmd);
      case 0xb2:
        return proprietary ? { sw: SW.CLA_NOT_SUPPORTED } : this.readRecord(cmd);
      case 0xca:
        return this.getData(cmd);
      case 0x84:
        return proprietary ? { sw: SW.CLA_NOT_SUPPORTED } : this.getChallenge(cmd);
      case 0x20:
        return this.verify(cmd);
      default:
        return { sw: SW.INS_NOT_SUPPORTED };
    }
  }

  // --- SELECT -------------------------------------------------------------------------------------

  private select(cmd: ParsedCommand): CardReply {
    const data = cmd.data ?? new Uint8Array(0);
    const p2occ = cmd.p2 & 0x03;
    if (p2occ !== 0 && p2occ !== 0x02) return { sw: SW.WRONG_P1P2 }; // first/only, or next (treated as "no next")
    switch (cmd.p1) {
      case 0x04: {
        if (data.length < 1 || data.length > 16) return { sw: SW.WRONG_LENGTH };
        if (p2occ === 0x02) return { sw: SW.FILE_NOT_FOUND };
        const found = findDfByName(this.mf, data);
        if (!found) return { sw: SW.FILE_NOT_FOUND };
        return this.enterDf(found, cmd);
      }
      case 0x00: {
        if (data.length === 0 || (data.length === 2 && data[0] === 0x3f && data[1] === 0x00)) return this.enterDf(this.mf, cmd);
        if (data.length !== 2) return { sw: SW.WRONG_LENGTH };
        const fid = (data[0]! << 8) | data[1]!;
        const child = this.currentDf.children.find((c) => c.fid === fid) ?? this.parentOf(this.currentDf)?.children.find((c) => c.fid === fid && c.kind === 'df');
        if (!child) return { sw: SW.FILE_NOT_FOUND };
        return child.kind === 'df' ? this.enterDf(child, cmd) : this.enterEf(child);
      }
      case 0x01: {
        if (data.length !== 2) return { sw: SW.WRONG_LENGTH };
        const fid = (data[0]! << 8) | data[1]!;
        const child = this.currentDf.children.find((c) => c.kind === 'df' && c.fid === fid) as DfNode | undefined;
        return child ? this.enterDf(child, cmd) : { sw: SW.FILE_NOT_FOUND };
      }
      case 0x02: {
        if (data.length !== 2) return { sw: SW.WRONG_LENGTH };
        const fid = (data[0]! << 8) | data[1]!;
        const child = this.currentDf.children.find((c) => c.kind === 'ef' && c.fid === fid) as EfNode | undefined;
        return child ? this.enterEf(child) : { sw: SW.FILE_NOT_FOUND };
      }
      case 0x03: {
        const parent = this.parentOf(this.currentDf);
        return parent ? this.enterDf(parent, cmd) : { sw: SW.FILE_NOT_FOUND };
      }
      default:
        return { sw: SW.WRONG_P1P2 };
    }
  }

  private enterDf(d: DfNode, cmd: ParsedCommand): CardReply {
    this.currentDf = d;
    this.currentEf = undefined;
    this.security.clear();
    d.app?.onSelect?.(this);
    const noData = (cmd.p2 & 0x0c) === 0x0c;
    if (noData) return { sw: SW.OK };
    const fci = d.fci ?? (d.name ? encodeTlv({ tag: 0x6f, children: [{ tag: 0x84, value: d.name }, { tag: 0xa5, children: [] }] }) : new Uint8Array(0));
    return { data: fci, sw: SW.OK };
  }

  private enterEf(ef: EfNode): CardReply {
    this.currentEf = ef;
    return { sw: SW.OK };
  }

  // --- READ ---------------------------------------------------------------------------------------

  /** EF by SFI under the current DF, or the current EF for SFI 0. */
  efBySfi(sfi: number): EfNode | undefined {
    if (sfi === 0) return this.currentEf;
    return this.currentDf.children.find((c): c is EfNode => c.kind === 'ef' && c.sfi === sfi);
  }

  mayRead(ef: EfNode): boolean {
    if (ef.read === 'always') return true;
    if (ef.read === 'never') return false;
    return this.security.has(ef.read.state);
  }

  private readBinary(cmd: ParsedCommand): CardReply {
    let ef: EfNode | undefined;
    let offset: number;
    if (cmd.p1 & 0x80) {
      if (cmd.p1 & 0x60) return { sw: SW.WRONG_P1P2 };
      ef = this.efBySfi(cmd.p1 & 0x1f);
      if (!ef) return { sw: SW.FILE_NOT_FOUND };
      this.currentEf = ef;
      offset = cmd.p2;
    } else {
      ef = this.currentEf;
      if (!ef) return { sw: SW.NO_CURRENT_EF };
      offset = ((cmd.p1 & 0x7f) << 8) | cmd.p2;
    }
    if (ef.structure !== 'transparent' || !ef.data) return { sw: SW.INCOMPATIBLE_FILE };
    if (!this.mayRead(ef)) return { sw: SW.SECURITY_NOT_SATISFIED };
    if (offset > ef.data.length) return { sw: SW.OFFSET_OUTSIDE };
    const le = cmd.le ?? 256;
    const avail = ef.data.length - offset;
    if (le > avail && cmd.le !== 256) {
      if (avail === 0) return { sw: SW.OFFSET_OUTSIDE };
      return { sw: 0x6c00 | (avail >= 256 ? 0 : avail) };
    }
    return { data: ef.data.subarray(offset, offset + Math.min(le, avail)), sw: SW.OK };
  }

  private readRecord(cmd: ParsedCommand): CardReply {
    const sfi = cmd.p2 >> 3;
    const mode = cmd.p2 & 0x07;
    if (sfi === 0x1f) return { sw: SW.WRONG_P1P2 };
    const ef = this.efBySfi(sfi);
    if (!ef) return { sw: sfi === 0 ? SW.NO_CURRENT_EF : SW.FILE_NOT_FOUND };
    if (ef.structure !== 'records' || !ef.records) return { sw: SW.INCOMPATIBLE_FILE };
    if (!this.mayRead(ef)) return { sw: SW.SECURITY_NOT_SATISFIED };
    if (sfi !== 0) this.currentEf = ef;
    let rec: Uint8Array | undefined;
    if (mode === 0x04) {
      if (cmd.p1 === 0) return { sw: SW.WRONG_P1P2 };
      rec = ef.records[cmd.p1 - 1];
    } else if (mode === 0x00) {
      // first occurrence of the record whose identifier (first byte, SIMPLE-TLV tag) is P1
      rec = ef.records.find((r) => r[0] === cmd.p1);
    } else {
      return { sw: SW.WRONG_P1P2 };
    }
    if (!rec) return { sw: SW.RECORD_NOT_FOUND };
    if (cmd.le !== undefined && cmd.le !== 256 && cmd.le !== rec.length) return { sw: 0x6c00 | (rec.length & 0xff) };
    return { data: rec, sw: SW.OK };
  }

  private getData(cmd: ParsedCommand): CardReply {
    const tag = (cmd.p1 << 8) | cmd.p2;
    for (const d of this.dfPath(this.currentDf).reverse()) {
      const v = d.data?.get(tag) ?? (cmd.p1 === 0 ? d.data?.get(cmd.p2) : undefined);
      if (v !== undefined) {
        const value = typeof v === 'function' ? v() : v;
        return { data: encodeTlv({ tag: cmd.p1 === 0 ? cmd.p2 : tag, value }), sw: SW.OK };
      }
    }
    return { sw: SW.DATA_NOT_FOUND };
  }

  private getChallenge(cmd: ParsedCommand): CardReply {
    if (cmd.p1 !== 0 || cmd.p2 !== 0) return { sw: SW.WRONG_P1P2 };
    const n = cmd.le ?? 0;
    if (n !== 4 && n !== 8 && n !== 16) return { sw: SW.WRONG_LENGTH };
    this.challenge = this.random(n);
    return { data: this.challenge, sw: SW.OK };
  }

  private verify(cmd: ParsedCommand): CardReply {
    const ref = cmd.p2;
    const pin = this.opts.pins?.[ref];
    if (!pin) return { sw: SW.DATA_NOT_FOUND };
    const left = this.pinTries.get(ref) ?? 0;
    if (!cmd.data) return { sw: left === 0 ? SW.AUTH_BLOCKED : 0x63c0 | left };
    if (left === 0) return { sw: SW.AUTH_BLOCKED };
    if (equalBytes(cmd.data, pin.value)) {
      this.pinTries.set(ref, pin.tries);
      this.security.add(`pin:${ref}`);
      return { sw: SW.OK };
    }
    this.pinTries.set(ref, left - 1);
    return { sw: left - 1 === 0 ? SW.AUTH_BLOCKED : 0x63c0 | (left - 1) };
  }

  // --- tree helpers -------------------------------------------------------------------------------

  dfPath(target: DfNode): DfNode[] {
    const path: DfNode[] = [];
    const walk = (d: DfNode): boolean => {
      path.push(d);
      if (d === target) return true;
      for (const c of d.children) if (c.kind === 'df' && walk(c)) return true;
      path.pop();
      return false;
    };
    walk(this.mf);
    return path;
  }

  parentOf(target: DfNode): DfNode | undefined {
    const p = this.dfPath(target);
    return p.length >= 2 ? p[p.length - 2] : undefined;
  }
}

function findDfByName(root: DfNode, name: Uint8Array): DfNode | undefined {
  if (root.name && equalBytes(root.name, name)) return root;
  for (const c of root.children) {
    if (c.kind === 'df') {
      const f = findDfByName(c, name);
      if (f) return f;
    }
  }
  return undefined;
}

function forEachDf(root: DfNode, fn: (d: DfNode) => void): void {
  fn(root);
  for (const c of root.children) if (c.kind === 'df') forEachDf(c, fn);
}
