/**
 * The UnionPay section of `ykt card read`: electronic cash balance and limits, ATC, the decoded
 * transaction log, the PAN masked. Read with SELECT, GET DATA and READ RECORD only — never GPO (which
 * would spend an ATC; DOMAIN.md §1.2). The shape matches src/cli/card-read/section.ts (CardSection):
 * the integrator lists `pbocCardSection` in src/cli/card-read/sections.ts.
 */
import { decodeN } from '../../apdu/codec';
import { equalBytes, fromHex, readUint, toHex } from '../../apdu/hex';
import { swHex } from '../../apdu/status-words';
import { decodeTlv, findTlv } from '../../apdu/tlv';
import { ProtocolError } from '../core/errors';
import { maskPan } from '../core/mask';
import { formatYuan } from '../core/money';
import { toCard, type Kernel } from '../kernel/step';
import { pbocConfigDefaults, type PbocConfig } from './config';
import { readRecord, selectByName } from './kernel/commands';
import { panOf } from './kernel/context';
import { getDataValue } from './kernel/ec';
import { parseFci, selectPpse, selectPse, type Candidate, type Fci } from './kernel/select';
import { decodeLogRecord, parseLogFormat, type LogEntry } from './log';

export interface PbocCardView {
  aid: string;
  label?: string;
  panMasked?: string;
  ec: {
    balanceFen?: number;
    singleLimitFen?: number;
    balanceLimitFen?: number;
    resetThresholdFen?: number;
    currency?: number;
  };
  atc?: number;
  lastOnlineAtc?: number;
  log: LogEntry[];
  /** Why the log could not be read completely, when it could not. */
  logProblem?: string;
}

export interface PbocReadOptions {
  nowMs?: number;
  config?: PbocConfig;
  /** Records of the transaction log to read (default config.log.maxRecords). */
  maxLogRecords?: number;
}

function* amount(tag: number): Kernel<number | undefined> {
  const v = yield* getDataValue(tag);
  if (!v) return undefined;
  try {
    return decodeN(v);
  } catch {
    return undefined;
  }
}

/** Read the UnionPay application's public data; undefined when the card has none this terminal knows. */
export function* readPbocSection(opts: PbocReadOptions = {}): Kernel<PbocCardView | undefined> {
  const cfg = opts.config ?? pbocConfigDefaults;
  const cands: Candidate[] = (yield* selectPpse(cfg)) ?? (yield* selectPse(cfg)) ?? [];
  let fci: Fci | undefined;
  const tryAids = cands.length ? cands.map((c) => c.aid) : cfg.aids.map((a) => fromHex(a.aid));
  for (const aid of tryAids) {
    const r = yield* toCard('SELECT AID', selectByName(aid));
    if (r.sw !== 0x9000) continue;
    try {
      const f = parseFci(r.data);
      if (cands.length === 0 && !equalBytes(f.dfName.subarray(0, aid.length), aid)) continue;
      fci = f;
      break;
    } catch {
      continue;
    }
  }
  if (!fci) return undefined;
  const view: PbocCardView = { aid: toHex(fci.dfName), label: fci.label, ec: {}, log: [] };
  view.ec.balanceFen = yield* amount(0x9f79);
  view.ec.singleLimitFen = yield* amount(0x9f78);
  view.ec.balanceLimitFen = yield* amount(0x9f77);
  view.ec.resetThresholdFen = yield* amount(0x9f6d);
  view.ec.currency = yield* amount(0x9f51);
  const atc = yield* getDataValue(0x9f36);
  if (atc?.length === 2) view.atc = readUint(atc);
  const loatc = yield* getDataValue(0x9f13);
  if (loatc?.length === 2) view.lastOnlineAtc = readUint(loatc);

  // The PAN, masked: in the first records of SFI 1 on cards that allow READ RECORD before GPO.
  for (let rec = 1; rec <= 2 && !view.panMasked; rec++) {
    const r = yield* toCard('READ RECORD', readRecord(1, rec));
    if (r.sw !== 0x9000) break;
    try {
      const nodes = decodeTlv(r.data);
      const pan = panOf(findTlv(nodes, 0x5a)?.value, findTlv(nodes, 0x57)?.value);
      if (pan) view.panMasked = maskPan(pan);
    } catch {
      /* not a usable record: no PAN shown */
    }
  }

  // Transaction log (9F4D in the FCI: SFI ‖ count; format 9F4F by GET DATA).
  const entry = fci.logEntry;
  if (entry && entry.length === 2 && entry[0]! >= 1 && entry[0]! <= 30) {
    const formatBytes = yield* getDataValue(0x9f4f);
    if (!formatBytes) view.logProblem = 'the card gives no log format (9F4F)';
    else {
      try {
        const format = parseLogFormat(formatBytes);
        const max = Math.min(entry[1]!, opts.maxLogRecords ?? cfg.log.maxRecords);
        for (let rec = 1; rec <= max; rec++) {
          const r = yield* toCard('READ RECORD (log)', readRecord(entry[0]!, rec));
          if (r.sw === 0x6a83) break;
          if (r.sw !== 0x9000) {
            view.logProblem = `log record ${rec}: card answered ${swHex(r.sw)}`;
            break;
          }
          view.log.push(decodeLogRecord(format, r.data));
        }
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        view.logProblem = e.message;
      }
    }
  }
  return view;
}

const y = (fen: number | undefined) => (fen === undefined ? '—' : `${formatYuan(fen)} CNY`);

export function pbocSectionToJson(v: PbocCardView): unknown {
  return v;
}

export function pbocSectionToText(v: PbocCardView): string[] {
  const lines = [
    `${v.aid}  ${v.label ?? ''}`.trimEnd(),
    `PAN              ${v.panMasked ?? '(not readable before a transaction)'}`,
    `EC balance       ${y(v.ec.balanceFen)}`,
    `EC limits        single ${y(v.ec.singleLimitFen)}, balance ${y(v.ec.balanceLimitFen)}, reset threshold ${y(v.ec.resetThresholdFen)}`,
    `ATC              ${v.atc ?? '—'} (last online ${v.lastOnlineAtc ?? '—'})`,
  ];
  if (v.log.length === 0) lines.push(`log              ${v.logProblem ?? '(empty)'}`);
  else {
    lines.push(`log              ${v.log.length} record(s), newest first${v.logProblem ? ` (${v.logProblem})` : ''}`);
    for (const e of v.log) {
      const parts = [e.date ?? '????-??-??', e.time ?? '??:??:??', e.type?.name ?? '', e.amountFen !== undefined ? y(e.amountFen) : '', e.merchant ?? '', e.atc !== undefined ? `ATC ${e.atc}` : ''];
      if (e.invalid.length) parts.push(`(invalid: ${e.invalid.join(', ')})`);
      lines.push(`  ${parts.filter(Boolean).join('  ')}`);
    }
  }
  return lines;
}

/** Structurally a CardSection (src/cli/card-read/section.ts) for `ykt card read`. */
export const pbocCardSection = {
  name: 'pboc',
  title: 'UnionPay application (PBOC 3.0): electronic cash and transaction log',
  read: (opts: { nowMs: number }) => readPbocSection({ nowMs: opts.nowMs }),
  toJson: pbocSectionToJson,
  toText: pbocSectionToText,
};

