/**
 * The transport application's section of `ykt card read` (src/cli/card-read): a read kernel (no I/O)
 * that captures the application's files — Metrodroid-style, reading and understanding are separate —
 * and formatters that name every field and mask the serial. A malformed file or record is shown as
 * such with its raw bytes; it never stops the rest of the read.
 *
 * Integration: add `transitCardSection` (or `transitCardSectionFor(config)`) to
 * src/cli/card-read/sections.ts. The object has the CardSection shape (name, title, read, toJson, toText).
 */
import { toHex } from '../../apdu/hex';
import { maskTail } from '../core/mask';
import { formatYuan } from '../core/money';
import type { Kernel } from '../kernel/step';
import { CardError } from '../core/errors';
import { readBalance, readCompoundRecord, readIssuerFileBytes, readManagementFileBytes, readRecords, selectTransport } from './card-steps';
import { categoriesOf, defaultTransitConfig, type TransitConfig } from './config';
import { ENABLE_FLAG, INTEROP_TUNION, SFI } from './constants';
import {
  TRIP_STATE,
  decodeCompoundRecord,
  decodeIssuerFile,
  decodeManagementFile,
  decodeTransactionRecord,
  decodeTravelRecord,
  type CompoundRecord,
  type IssuerFile,
  type ManagementFile,
  type TransactionRecord,
  type TravelRecord,
} from './records';

/** Raw capture of the application (what the card said, nothing interpreted). */
export interface TransportDump {
  aid: string;
  /** 9000, 6A81 (stopped) or 9303 (locked). */
  selectSw: number;
  fci: Uint8Array;
  file15?: Uint8Array;
  file17?: Uint8Array;
  balanceFen?: number;
  transactions: Uint8Array[];
  travel: Uint8Array[];
  compound: Array<{ id: number; raw: Uint8Array | undefined }>;
}

export interface TransportReadOptions {
  config?: TransitConfig;
  /** Records read per cyclic file (default 10, the usual file size). */
  maxRecords?: number;
}

/**
 * Read kernel: undefined when the card has no transport application (6A82; also 6D00/6E00, which a
 * transcript answers for commands it did not capture, and which some cards give for unknown AIDs).
 */
export function* readTransportApp(opts: TransportReadOptions = {}): Kernel<TransportDump | undefined> {
  const config = opts.config ?? defaultTransitConfig;
  const max = opts.maxRecords ?? 10;
  let sel;
  try {
    sel = yield* selectTransport(config.aid);
  } catch (e) {
    if (e instanceof CardError && (e.sw === 0x6d00 || e.sw === 0x6e00)) return undefined;
    throw e;
  }
  if (sel.sw === 0x6a82) return undefined;
  const dump: TransportDump = { aid: config.aid, selectSw: sel.sw, fci: sel.fci, transactions: [], travel: [], compound: [] };
  if (sel.sw !== 0x9000) return dump;
  dump.file15 = yield* readIssuerFileBytes(sel.fci, false);
  dump.file17 = yield* readManagementFileBytes();
  dump.balanceFen = yield* readBalance();
  dump.transactions = yield* readRecords(SFI.TRANSACTIONS, max, '0018');
  dump.travel = yield* readRecords(SFI.TRAVEL, max, '001E');
  for (const id of [...new Set([config.compoundRecordIds.bus, config.compoundRecordIds.metro])]) {
    dump.compound.push({ id, raw: yield* readCompoundRecord(id) });
  }
  return dump;
}

type Item<T> = { n: number; ok: true; value: T } | { n: number; ok: false; error: string; raw: string };

export interface TransportView {
  status: 'active' | 'stopped' | 'locked';
  issuer?: IssuerFile;
  issuerError?: string;
  management?: ManagementFile;
  managementError?: string;
  balanceFen?: number;
  transactions: Item<TransactionRecord>[];
  travel: Item<TravelRecord>[];
  compound: Array<Item<CompoundRecord> | { n: number; ok: true; value: undefined; id: number }>;
}

function attempt<T>(n: number, raw: Uint8Array, f: (b: Uint8Array) => T | undefined): Item<T> | undefined {
  try {
    const v = f(raw);
    return v === undefined ? undefined : { n, ok: true, value: v };
  } catch (e) {
    return { n, ok: false, error: (e as Error).message, raw: toHex(raw) };
  }
}

export function decodeTransportDump(d: TransportDump): TransportView {
  const v: TransportView = { status: d.selectSw === 0x6a81 ? 'stopped' : d.selectSw === 0x9303 ? 'locked' : 'active', transactions: [], travel: [], compound: [] };
  if (d.file15) {
    try {
      v.issuer = decodeIssuerFile(d.file15);
    } catch (e) {
      v.issuerError = `${(e as Error).message} (raw ${toHex(d.file15)})`;
    }
  }
  if (d.file17) {
    try {
      v.management = decodeManagementFile(d.file17);
    } catch (e) {
      v.managementError = (e as Error).message;
    }
  }
  v.balanceFen = d.balanceFen;
  d.transactions.forEach((r, i) => {
    const it = attempt(i + 1, r, decodeTransactionRecord);
    if (it) v.transactions.push(it);
  });
  d.travel.forEach((r, i) => {
    const it = attempt(i + 1, r, decodeTravelRecord);
    if (it) v.travel.push(it);
  });
  for (const c of d.compound) {
    if (!c.raw) v.compound.push({ n: c.id, ok: true, value: undefined, id: c.id });
    else v.compound.push(attempt(c.id, c.raw, decodeCompoundRecord)!);
  }
  return v;
}

// --- formatting -------------------------------------------------------------------------------------

const date = (n: number) => `${String(n).slice(0, 4)}-${String(n).slice(4, 6)}-${String(n).slice(6, 8)}`;
const dt = (s: string) => `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)} ${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}`;
const enableName = (f: number) => (f === ENABLE_FLAG.ACTIVE ? 'active' : f === ENABLE_FLAG.STOPPED ? 'stopped' : f === ENABLE_FLAG.NOT_ACTIVE ? 'not activated' : `unknown (${f})`);
const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
/** The application serial is a card number: shown with its last 4 digits only. */
export const maskSerial = (s: string) => maskTail(s, 4);

function travelTypeName(config: TransitConfig, t: number): string {
  const e = Object.entries(config.travelRecordTypes).find(([, v]) => v === t);
  return e ? e[0] : `type ${hex2(t)}`;
}

export function transportToJson(v: TransportView, config: TransitConfig = defaultTransitConfig): unknown {
  const items = <T>(xs: Array<Item<T> | { n: number; ok: true; value: undefined; id: number }>, f: (x: T) => unknown) =>
    xs.map((x) => (x.ok ? (x.value === undefined ? { n: x.n, empty: true } : { n: x.n, ...(f(x.value) as object) }) : { n: x.n, error: x.error, raw: x.raw }));
  return {
    status: v.status,
    issuer: v.issuer && {
      issuerId: v.issuer.issuerId,
      appType: v.issuer.appType,
      enableFlag: v.issuer.enableFlag,
      enable: enableName(v.issuer.enableFlag),
      serial: maskSerial(v.issuer.serial),
      startDate: date(v.issuer.startDate),
      expiryDate: date(v.issuer.expiryDate),
      fciData: v.issuer.fciData,
    },
    issuerError: v.issuerError,
    management: v.management && { ...v.management, interoperable: v.management.interopType === INTEROP_TUNION, categories: categoriesOf(config, v.management.cardCategory) ?? null },
    managementError: v.managementError,
    balance: v.balanceFen === undefined ? undefined : { fen: v.balanceFen, yuan: formatYuan(v.balanceFen) },
    transactions: items(v.transactions, (t) => ({ ...t })),
    travel: items(v.travel, (t) => ({ ...t, typeName: travelTypeName(config, t.type) })),
    compound: items(v.compound as Item<CompoundRecord>[], (c) => ({ ...c, trip: tripName(c.tripState) })),
  };
}

const tripName = (s: number) => (s === TRIP_STATE.ENTERED ? 'entered' : s === TRIP_STATE.EXITED ? 'exited' : 'none');

export function transportToText(v: TransportView, config: TransitConfig = defaultTransitConfig): string[] {
  const out: string[] = [];
  if (v.status !== 'active') out.push(`application     ${v.status === 'stopped' ? 'STOPPED by the issuer (6A81)' : 'LOCKED (9303)'}`);
  if (v.issuerError) out.push(`file 0015       unreadable: ${v.issuerError}`);
  if (v.issuer) {
    const i = v.issuer;
    out.push(
      `issuer          ${i.issuerId}`,
      `serial          ${maskSerial(i.serial)}`,
      `app type        ${hex2(i.appType)}   enable flag ${hex2(i.enableFlag)} (${enableName(i.enableFlag)})`,
      `valid           ${date(i.startDate)} → ${date(i.expiryDate)}`,
    );
  }
  if (v.managementError) out.push(`file 0017       unreadable: ${v.managementError}`);
  if (v.management) {
    const m = v.management;
    const cats = categoriesOf(config, m.cardCategory);
    out.push(
      `city            ${m.city}   province ${m.province}   international code ${m.countryCode}`,
      `interop type    ${m.interopType.toString(16).padStart(4, '0')} (${m.interopType === INTEROP_TUNION ? 'T-Union interoperable' : 'city only'})`,
      `card category   ${hex2(m.cardCategory)} → ${cats ? cats.join(', ') : 'not in the category table'}`,
    );
  }
  if (v.balanceFen !== undefined) out.push(`balance         ${formatYuan(v.balanceFen)}`);
  out.push(`transactions (0018), newest first: ${v.transactions.length || 'none'}`);
  for (const t of v.transactions) {
    if (!t.ok) out.push(`  #${t.n}  unreadable: ${t.error}  raw ${t.raw}`);
    else {
      const r = t.value;
      out.push(`  #${t.n}  seq ${r.epSeq}  ${r.typeName}  amount ${formatYuan(r.amountFen)}  terminal ${r.terminal}  at ${dt(r.dateTime)}  overdraft limit ${formatYuan(r.overdraftFen)}`);
    }
  }
  out.push(`travel (001E), newest first: ${v.travel.length || 'none'}`);
  for (const t of v.travel) {
    if (!t.ok) out.push(`  #${t.n}  unreadable: ${t.error}  raw ${t.raw}`);
    else {
      const r = t.value;
      out.push(
        `  #${t.n}  ${travelTypeName(config, r.type)}  ${r.industry ?? `industry ${hex2(r.industryCode)}`}  line ${r.line} station ${r.station}  amount ${formatYuan(r.amountFen)}  balance after ${formatYuan(r.balanceAfterFen)}  at ${dt(r.dateTime)}  terminal ${r.terminal}  city ${r.city}  institution ${r.institution}  operator ${r.operator}`,
      );
    }
  }
  out.push('compound (001A):');
  for (const c of v.compound) {
    if (!c.ok) out.push(`  id ${hex2(c.n)}  unreadable: ${c.error}  raw ${c.raw}`);
    else if (c.value === undefined) out.push(`  id ${hex2(c.n)}  absent`);
    else {
      const r = c.value;
      out.push(
        `  id ${hex2(r.recordId)}  trip ${tripName(r.tripState)}${r.locked ? ' (locked)' : ''}  line ${r.line} station ${r.station}  at ${r.dateTime ? dt(r.dateTime) : '-'}  terminal ${r.terminal}  amount ${formatYuan(r.amountFen)}  city ${r.city}`,
      );
    }
  }
  return out;
}

/** The section object for src/cli/card-read/sections.ts (CardSection shape). */
export function transitCardSectionFor(config: TransitConfig = defaultTransitConfig) {
  return {
    name: 'transit',
    title: 'Transport application (交通联合 T-Union / city e-purse)',
    *read(): Kernel<TransportView | undefined> {
      const dump = yield* readTransportApp({ config });
      return dump && decodeTransportDump(dump);
    },
    toJson: (v: TransportView) => transportToJson(v, config),
    toText: (v: TransportView) => transportToText(v, config),
  };
}

export const transitCardSection = transitCardSectionFor();
