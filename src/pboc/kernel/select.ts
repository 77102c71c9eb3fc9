/**
 * Application selection (EMV Book 1 §12; PBOC 3.0 part 5/12):
 *  - contactless: PPSE "2PAY.SYS.DDF01", directory entries 61{4F, 50, 87} in BF0C (DOMAIN.md §1.2);
 *  - contact: PSE "1PAY.SYS.DDF01" with its directory records (SFI in tag 88), else the list of AIDs
 *    (SELECT each terminal AID; partial matches followed by SELECT next);
 * then the candidate list: card AIDs the terminal supports (exactly or by prefix when `partial`), in
 * the card's priority order (87 low nibble, 1 highest; none = last), ties in the terminal's order.
 */
import { decodeAn } from '../../../apdu/codec';
import { equalBytes, fromHex, toHex } from '../../../apdu/hex';
import { decodeTlv, findAllTlv, findTlv, type Tlv } from '../../../apdu/tlv';
import { ProtocolError } from '../../core/errors';
import { toCard, type Kernel } from '../../kernel/step';
import type { PbocConfig } from '../config';
import { PPSE_NAME, PSE_NAME, readRecord, selectByName } from './commands';

export interface Candidate {
  aid: Uint8Array;
  label?: string;
  /** 1 (highest) … 15; undefined = no priority. */
  priority?: number;
  /** Index of the terminal AID it matched (tie-breaker). */
  terminalOrder: number;
}

export interface Fci {
  dfName: Uint8Array;
  label?: string;
  priority?: number;
  pdol?: Uint8Array;
  /** 9F4D log entry (SFI, count) and DF4D load log entry, from BF0C. */
  logEntry?: Uint8Array;
  loadLogEntry?: Uint8Array;
  /** Every primitive object of the FCI (for the card data map). */
  nodes: Tlv[];
}

const MAX_DIRECTORY_RECORDS = 16;
const MAX_PARTIAL_SELECTS = 8;

function label(v: Uint8Array | undefined): string | undefined {
  if (!v) return undefined;
  try {
    return decodeAn(v);
  } catch {
    return undefined;
  }
}

function supported(cfg: PbocConfig, aid: Uint8Array): number {
  const hex = toHex(aid);
  return cfg.aids.findIndex((a) => hex === a.aid || (a.partial && hex.startsWith(a.aid)));
}

function entriesToCandidates(cfg: PbocConfig, entries: readonly Tlv[]): Candidate[] {
  const out: Candidate[] = [];
  for (const e of entries) {
    const aid = findTlv([e], 0x4f)?.value;
    if (!aid || aid.length < 5 || aid.length > 16) continue;
    const order = supported(cfg, aid);
    if (order < 0) continue;
    if (out.some((c) => equalBytes(c.aid, aid))) continue;
    const prio = findTlv([e], 0x87)?.value?.[0];
    out.push({ aid: aid.slice(), label: label(findTlv([e], 0x50)?.value), priority: prio !== undefined && (prio & 0x0f) !== 0 ? prio & 0x0f : undefined, terminalOrder: order });
  }
  return sortCandidates(out);
}

export function sortCandidates(c: Candidate[]): Candidate[] {
  return c.sort((a, b) => (a.priority ?? 16) - (b.priority ?? 16) || a.terminalOrder - b.terminalOrder);
}

/** PPSE: returns the candidates, or undefined when the card has no PPSE (6A82 etc.). */
export function* selectPpse(cfg: PbocConfig): Kernel<Candidate[] | undefined> {
  const r = yield* toCard('SELECT PPSE', selectByName(PPSE_NAME));
  if (r.sw !== 0x9000) return undefined;
  const fci = decodeTlv(r.data, { maxNodes: 512 });
  const fciT = findTlv(fci, 0x6f);
  if (!fciT) throw new ProtocolError('PPSE answer is not an FCI template (6F)', 'fci');
  const dir = findTlv(fciT.children ?? [], 0xbf0c);
  return entriesToCandidates(cfg, dir ? findAllTlv(dir.children ?? [], 0x61) : []);
}

/** PSE: the directory's records (EMV Book 1 §12.2.3); undefined when there is no usable PSE. */
export function* selectPse(cfg: PbocConfig): Kernel<Candidate[] | undefined> {
  const r = yield* toCard('SELECT PSE', selectByName(PSE_NAME));
  if (r.sw !== 0x9000) return undefined;
  const fci = decodeTlv(r.data);
  const sfi = findTlv(fci, 0x88)?.value;
  if (!sfi || sfi.length !== 1 || sfi[0]! < 1 || sfi[0]! > 30) return undefined;
  const entries: Tlv[] = [];
  for (let rec = 1; rec <= MAX_DIRECTORY_RECORDS; rec++) {
    const rr = yield* toCard('READ RECORD (PSE)', readRecord(sfi[0]!, rec));
    if (rr.sw === 0x6a83) break;
    if (rr.sw !== 0x9000) return undefined;
    const nodes = decodeTlv(rr.data);
    const t70 = findTlv(nodes, 0x70);
    if (!t70) throw new ProtocolError(`PSE record ${rec} is not a template 70`, 'pse-record');
    entries.push(...findAllTlv(t70.children ?? [], 0x61));
  }
  return entriesToCandidates(cfg, entries);
}

/** List of AIDs (EMV Book 1 §12.3.3): SELECT each terminal AID; follow partial matches with SELECT next. */
export function* listOfAids(cfg: PbocConfig): Kernel<Candidate[]> {
  const out: Candidate[] = [];
  for (let i = 0; i < cfg.aids.length; i++) {
    const t = cfg.aids[i]!;
    const name = fromHex(t.aid);
    let next = false;
    for (let k = 0; k < MAX_PARTIAL_SELECTS; k++) {
      const r = yield* toCard('SELECT AID', selectByName(name, next));
      if (r.sw !== 0x9000 && r.sw !== 0x6283) break;
      let fci: Fci | undefined;
      try {
        fci = parseFci(r.data);
      } catch {
        fci = undefined;
      }
      if (!fci) break;
      const exact = equalBytes(fci.dfName, name);
      const partial = !exact && t.partial && fci.dfName.length > name.length && equalBytes(fci.dfName.subarray(0, name.length), name);
      if ((exact || partial) && r.sw === 0x9000 && !out.some((c) => equalBytes(c.aid, fci!.dfName))) {
        out.push({ aid: fci.dfName.slice(), label: fci.label, priority: fci.priority, terminalOrder: i });
      }
      if (!partial) break;
      next = true;
    }
  }
  return sortCandidates(out);
}

export function parseFci(data: Uint8Array): Fci {
  const nodes = decodeTlv(data);
  const t6f = findTlv(nodes, 0x6f);
  if (!t6f || !t6f.children) throw new ProtocolError('SELECT answer is not an FCI template (6F)', 'fci');
  const dfName = findTlv(t6f.children, 0x84)?.value;
  if (!dfName || dfName.length < 5 || dfName.length > 16) throw new ProtocolError('FCI without a DF name (84) of 5..16 bytes', 'fci');
  const a5 = findTlv(t6f.children, 0xa5);
  const inA5 = a5?.children ?? [];
  const prio = findTlv(inA5, 0x87)?.value?.[0];
  const bf0c = findTlv(inA5, 0xbf0c)?.children ?? [];
  return {
    dfName,
    label: label(findTlv(inA5, 0x50)?.value),
    priority: prio !== undefined && (prio & 0x0f) !== 0 ? prio & 0x0f : undefined,
    pdol: findTlv(inA5, 0x9f38)?.value,
    logEntry: findTlv(bf0c, 0x9f4d)?.value,
    loadLogEntry: findTlv(bf0c, 0xdf4d)?.value,
    nodes: inA5,
  };
}

/** Final selection of one candidate: its FCI, or undefined when the card refuses (blocked, not found). */
export function* finalSelect(c: Candidate): Kernel<Fci | undefined> {
  const r = yield* toCard('SELECT AID', selectByName(c.aid));
  if (r.sw !== 0x9000) return undefined;
  const fci = parseFci(r.data);
  if (!equalBytes(fci.dfName, c.aid)) throw new ProtocolError(`card selected ${toHex(fci.dfName)} when asked for ${toHex(c.aid)}`, 'fci');
  return fci;
}
