/**
 * GET PROCESSING OPTIONS and READ RECORD per AFL (EMV Book 3 §6.5.8, §10.1–10.2; DOMAIN.md §1.2).
 *
 * GPO answer: format 1 (80: AIP ‖ AFL) or format 2 (77 template). AFL: 4-byte entries
 * SFI<<3 ‖ first record ‖ last record ‖ records involved in offline data authentication.
 */
import { swHex } from '../../../apdu/status-words';
import { decodeTlv, findTlv, type Tlv } from '../../../apdu/tlv';
import { ProtocolError } from '../../core/errors';
import { toCard, type Kernel } from '../../kernel/step';
import type { OdaRecord } from '../oda/static-data';
import { readRecord } from './commands';

export interface AflEntry {
  sfi: number;
  first: number;
  last: number;
  odaCount: number;
}

export function parseAfl(afl: Uint8Array): AflEntry[] {
  if (afl.length % 4 !== 0) throw new ProtocolError(`AFL is ${afl.length} bytes, not a multiple of 4`, 'afl');
  if (afl.length > 4 * 16) throw new ProtocolError(`AFL has more than 16 entries`, 'afl');
  const out: AflEntry[] = [];
  for (let i = 0; i < afl.length; i += 4) {
    const sfi = afl[i]! >> 3;
    const first = afl[i + 1]!;
    const last = afl[i + 2]!;
    const odaCount = afl[i + 3]!;
    if ((afl[i]! & 0x07) !== 0 || sfi < 1 || sfi > 30 || first < 1 || last < first || odaCount > last - first + 1) {
      throw new ProtocolError(`AFL entry ${i / 4 + 1} is invalid (SFI ${sfi}, records ${first}..${last}, ODA ${odaCount})`, 'afl');
    }
    out.push({ sfi, first, last, odaCount });
  }
  return out;
}

export interface GpoAnswer {
  aip: Uint8Array;
  afl: Uint8Array;
  /** Format 2 objects (77), or just AIP/AFL for format 1. */
  nodes: Tlv[];
}

export function parseGpo(data: Uint8Array): GpoAnswer {
  const nodes = decodeTlv(data);
  if (nodes.length !== 1) throw new ProtocolError(`GPO answer has ${nodes.length} top-level objects, expected one template`, 'gpo');
  const t = nodes[0]!;
  if (t.tag === 0x80) {
    if (t.value.length < 2 || (t.value.length - 2) % 4 !== 0) throw new ProtocolError(`GPO format 1 answer is ${t.value.length} bytes`, 'gpo');
    const aip = t.value.slice(0, 2);
    const afl = t.value.slice(2);
    return { aip, afl, nodes: [] };
  }
  if (t.tag === 0x77 && t.children) {
    const aip = findTlv(t.children, 0x82)?.value;
    if (!aip || aip.length !== 2) throw new ProtocolError('GPO answer without a 2-byte AIP (82)', 'gpo');
    const afl = findTlv(t.children, 0x94)?.value ?? new Uint8Array(0);
    return { aip, afl, nodes: t.children };
  }
  throw new ProtocolError(`GPO answer template ${t.tag.toString(16).toUpperCase()} is neither 80 nor 77`, 'gpo');
}

export interface RecordsRead {
  nodes: Tlv[];
  odaRecords: OdaRecord[];
}

/** READ RECORD for each AFL entry; a record must be template 70 (SFI 1–10; EMV Book 3 §10.2). */
export function* readAflRecords(afl: readonly AflEntry[]): Kernel<RecordsRead> {
  const nodes: Tlv[] = [];
  const odaRecords: OdaRecord[] = [];
  let total = 0;
  for (const e of afl) {
    for (let rec = e.first; rec <= e.last; rec++) {
      if (++total > 64) throw new ProtocolError('AFL names more than 64 records', 'afl');
      const r = yield* toCard('READ RECORD', readRecord(e.sfi, rec));
      if (r.sw !== 0x9000) throw new ProtocolError(`READ RECORD SFI ${e.sfi} record ${rec}: card answered ${swHex(r.sw)}`, 'read-record');
      const parsed = decodeTlv(r.data, { skipPadding: true });
      const t70 = parsed.length === 1 && parsed[0]!.tag === 0x70 ? parsed[0]! : undefined;
      if (e.sfi <= 10 && !t70) throw new ProtocolError(`record ${rec} of SFI ${e.sfi} is not a template 70`, 'record');
      nodes.push(...(t70 ? (t70.children ?? []) : parsed));
      if (rec - e.first < e.odaCount) odaRecords.push({ sfi: e.sfi, data: r.data });
    }
  }
  return { nodes, odaRecords };
}
