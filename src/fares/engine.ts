/**
 * The fare engine: pure, integer fen, driven by a validated parameter file (params.ts). It takes a
 * Credential — not a card type — so the e-code gets exactly the card's entitlements (卡码同权).
 *
 * Order of application (each step is listed in the quote, so a receipt or an audit can show it):
 *   1. base fare: flat, distance band, or zones (metro: from entry and exit stations)
 *   2. concession: the best (lowest result) of those whose category, profile, industry and time of
 *      day match; times are judged at boarding (the entry time for a metro exit)
 *   3. transfer discount: the previous boarding (bus tap or metro entry) within the rule's window,
 *      from an allowed industry, on another line
 *   4. caps: what is left under each matching daily/monthly cap, given what was already spent
 *   5. penalties (missing entry replaces the fare; missing exit and overstay add to it): never
 *      discounted, never capped
 */
import type { Credential } from '../core/credential';
import { cstParts } from '../core/clock';
import type { Concession, FareParameters, FareProfile, TimeWindow, TransferRule } from './params';

export type Industry = 'bus' | 'metro';
export type RideKind = 'single' | 'entry' | 'exit';

export interface RideRequest {
  profile: string;
  /** When the card was tapped (epoch ms). */
  atMs: number;
  kind: RideKind;
  /** Station code in the parameter file; required for metro entry and exit. */
  station?: string;
  /**
   * Exit: the entry the card recorded. `station` undefined = the card names a station this
   * parameter set does not know. The whole field undefined = no entry on the card.
   */
  entry?: { station: string | undefined; atMs: number };
  /** Entry: the card says the previous trip was entered at this time and never exited. */
  openTrip?: { atMs: number };
}

export interface PastRide {
  atMs: number;
  industry: Industry;
  kind: RideKind;
  line?: number;
  fen: number;
}

/** What the rider already did: from the card's travel records, and/or host totals (e-code). */
export interface RideHistory {
  rides: readonly PastRide[];
  /** Host-side totals for this holder (the larger of these and the rides' sum is used). */
  spentTodayFen?: number;
  spentThisMonthFen?: number;
}

export interface FareStep {
  kind: 'base' | 'concession' | 'transfer' | 'cap' | 'penalty';
  /** Signed change to the fare, fen (the base step carries the base fare). */
  fen: number;
  rule?: string;
  note: string;
}

export interface FareQuote {
  ok: true;
  profile: string;
  industry: Industry;
  kind: RideKind;
  fareFen: number;
  baseFen: number;
  penaltyFen: number;
  concession?: string;
  transfer?: string;
  cap?: string;
  /** Line and station numbers to write into the travel record. */
  line: number;
  station: number;
  steps: FareStep[];
}

export type FareRefusal = { ok: false; reason: 'unknown-profile' | 'unknown-station' | 'station-required' | 'kind-not-allowed'; message: string };

export const NO_HISTORY: RideHistory = { rides: [] };

export function quoteFare(params: FareParameters, credential: Pick<Credential, 'categories'>, ride: RideRequest, history: RideHistory = NO_HISTORY): FareQuote | FareRefusal {
  const prof = params.profiles[ride.profile];
  if (!prof) return { ok: false, reason: 'unknown-profile', message: `fare profile "${ride.profile}" is not in parameter set ${params.version}` };
  const needsStations = prof.mode !== 'flat';
  if (needsStations && ride.kind === 'single') return { ok: false, reason: 'kind-not-allowed', message: `profile "${ride.profile}" charges by entry and exit: tap at an entry or exit gate` };
  if (prof.industry === 'bus' && ride.kind !== 'single') return { ok: false, reason: 'kind-not-allowed', message: `profile "${ride.profile}" is a bus profile: no entry/exit` };
  let here: { line: number; station: number } = { line: prof.mode === 'flat' ? prof.line : 0, station: 0 };
  if (ride.station !== undefined) {
    const s = params.stations[ride.station];
    if (!s) return { ok: false, reason: 'unknown-station', message: `station "${ride.station}" is not in parameter set ${params.version}` };
    here = { line: s.line, station: s.station };
  } else if (ride.kind !== 'single') {
    return { ok: false, reason: 'station-required', message: `a metro ${ride.kind} needs the station code` };
  }
  const steps: FareStep[] = [];
  const base = { industry: prof.industry, kind: ride.kind, profile: ride.profile, line: here.line, station: here.station };

  // --- entry: normally free; a trip never closed pays the missing-exit penalty here
  if (ride.kind === 'entry') {
    const pen = ride.openTrip ? prof.penalties.missingExitFen : 0;
    steps.push({ kind: 'base', fen: 0, note: 'entry: charged at exit' });
    if (ride.openTrip && pen > 0) steps.push({ kind: 'penalty', fen: pen, rule: 'missing-exit', note: 'previous trip has no exit' });
    return { ok: true, ...base, fareFen: pen, baseFen: 0, penaltyFen: pen, steps };
  }

  // --- exit without a known entry: the penalty replaces the fare
  if (ride.kind === 'exit' && needsStations && (ride.entry === undefined || ride.entry.station === undefined)) {
    const pen = prof.penalties.missingEntry === 'max-fare' ? maxFareFrom(params, prof, ride.station!) : prof.penalties.missingEntry.fen;
    steps.push({ kind: 'base', fen: 0, note: 'no entry recorded on the card' });
    steps.push({ kind: 'penalty', fen: pen, rule: 'missing-entry', note: prof.penalties.missingEntry === 'max-fare' ? 'highest fare from this station' : 'fixed missing-entry fare' });
    return { ok: true, ...base, fareFen: pen, baseFen: 0, penaltyFen: pen, steps };
  }

  // 1. base
  let baseFen: number;
  let baseNote: string;
  if (prof.mode === 'flat') {
    baseFen = prof.fareFen;
    baseNote = 'flat fare';
  } else {
    const from = ride.entry!.station!;
    if (!params.stations[from]) return { ok: false, reason: 'unknown-station', message: `entry station "${from}" is not in parameter set ${params.version}` };
    const r = stationFare(params, prof, from, ride.station!);
    baseFen = r.fen;
    baseNote = r.note;
  }
  steps.push({ kind: 'base', fen: baseFen, note: baseNote });
  let fare = baseFen;
  const boardingMs = ride.kind === 'exit' && ride.entry ? ride.entry.atMs : ride.atMs;

  // 2. concession
  let concession: string | undefined;
  let best = fare;
  for (const c of params.concessions) {
    if (!concessionApplies(c, credential.categories, ride.profile, prof.industry, boardingMs)) continue;
    const after = applyConcession(c, fare);
    if (after < best) {
      best = after;
      concession = c.id;
    }
  }
  if (concession) {
    steps.push({ kind: 'concession', fen: best - fare, rule: concession, note: params.concessions.find((c) => c.id === concession)!.description ?? `concession ${concession}` });
    fare = best;
  }

  // 3. transfer
  let transfer: string | undefined;
  const prev = previousBoarding(history.rides, boardingMs);
  if (prev && fare > 0) {
    let bestT = fare;
    for (const t of params.transfers) {
      if (!transferApplies(t, prev, prof.industry, here.line, boardingMs)) continue;
      const after = applyTransfer(t, fare);
      if (after < bestT) {
        bestT = after;
        transfer = t.id;
      }
    }
    if (transfer) {
      steps.push({ kind: 'transfer', fen: bestT - fare, rule: transfer, note: params.transfers.find((t) => t.id === transfer)!.description ?? `transfer ${transfer}` });
      fare = bestT;
    }
  }

  // 4. caps
  let cap: string | undefined;
  if (fare > 0) {
    const spent = spentSoFar(history, ride.atMs);
    for (const c of params.caps) {
      if (c.categories && !c.categories.some((x) => credential.categories.includes(x))) continue;
      if (c.industries && !c.industries.includes(prof.industry)) continue;
      const already = c.period === 'day' ? spent.day : spent.month;
      const room = Math.max(0, c.capFen - already);
      if (room < fare) {
        steps.push({ kind: 'cap', fen: room - fare, rule: c.id, note: `${c.period === 'day' ? 'daily' : 'monthly'} cap reached` });
        fare = room;
        cap = c.id;
      }
    }
  }

  // 5. penalties
  let penaltyFen = 0;
  if (ride.kind === 'exit' && ride.entry && prof.penalties.overstayMinutes !== undefined) {
    const inside = ride.atMs - ride.entry.atMs;
    if (inside > prof.penalties.overstayMinutes * 60_000 && prof.penalties.overstayFen > 0) {
      penaltyFen += prof.penalties.overstayFen;
      steps.push({ kind: 'penalty', fen: prof.penalties.overstayFen, rule: 'overstay', note: `more than ${prof.penalties.overstayMinutes} min inside` });
    }
  }
  return { ok: true, ...base, fareFen: fare + penaltyFen, baseFen, penaltyFen, concession, transfer, cap, steps };
}

// --- pieces ---------------------------------------------------------------------------------------

export function distanceKm(params: FareParameters, a: string, b: string): number {
  if (a === b) return 0;
  const explicit = params.distances.find((d) => (d.from === a && d.to === b) || (d.from === b && d.to === a));
  if (explicit) return explicit.km;
  return Math.abs(params.stations[a]!.km! - params.stations[b]!.km!);
}

function stationFare(params: FareParameters, prof: Exclude<FareProfile, { mode: 'flat' }>, a: string, b: string): { fen: number; note: string } {
  if (prof.mode === 'zones') {
    const n = Math.abs(params.stations[a]!.zone! - params.stations[b]!.zone!) + 1;
    return { fen: prof.zoneFares[Math.min(n, prof.zoneFares.length) - 1]!, note: `${n} zone${n > 1 ? 's' : ''}` };
  }
  const km = distanceKm(params, a, b);
  const band = prof.bands.find((x) => km <= x.upToKm);
  let fen: number;
  if (band) fen = band.fareFen;
  else {
    const last = prof.bands[prof.bands.length - 1]!;
    fen = last.fareFen;
    if (prof.beyond) fen += Math.ceil((km - last.upToKm) / prof.beyond.everyKm - 1e-9) * prof.beyond.addFen;
  }
  if (prof.maxFareFen !== undefined) fen = Math.min(fen, prof.maxFareFen);
  return { fen, note: `${Math.round(km * 10) / 10} km` };
}

function maxFareFrom(params: FareParameters, prof: FareProfile, station: string): number {
  if (prof.mode === 'flat') return prof.fareFen;
  let max = 0;
  for (const other of Object.keys(params.stations)) max = Math.max(max, stationFare(params, prof, other, station).fen);
  return max;
}

const pay = (fen: number, pct: number): number => Math.floor((fen * pct + 50) / 100);

function applyConcession(c: Concession, fare: number): number {
  switch (c.kind) {
    case 'free':
      return 0;
    case 'pay-percent':
      return pay(fare, c.payPercent);
    case 'fixed':
      return Math.min(fare, c.fareFen);
    case 'discount-fen':
      return Math.max(0, fare - c.discountFen);
  }
}

function applyTransfer(t: TransferRule, fare: number): number {
  switch (t.kind) {
    case 'free':
      return 0;
    case 'pay-percent':
      return pay(fare, t.payPercent);
    case 'discount-fen':
      return Math.max(0, fare - t.discountFen);
  }
}

function concessionApplies(c: Concession, categories: readonly string[], profile: string, industry: Industry, atMs: number): boolean {
  if (!c.categories.some((x) => categories.includes(x))) return false;
  if (c.profiles && !c.profiles.includes(profile)) return false;
  if (c.industries && !c.industries.includes(industry)) return false;
  if (c.times && !c.times.some((w) => inWindow(w, atMs))) return false;
  return true;
}

/** Is epoch ms inside the CST time window? */
export function inWindow(w: TimeWindow, atMs: number): boolean {
  const p = cstParts(atMs);
  const dow = ((new Date(atMs + 8 * 3600_000).getUTCDay() + 6) % 7) + 1; // 1 = Monday
  const min = p.hh * 60 + p.mm;
  const from = toMin(w.from);
  const to = toMin(w.to);
  if (from === to) return !w.days || w.days.includes(dow); // the whole day
  if (from < to) return (!w.days || w.days.includes(dow)) && min >= from && min < to;
  // wraps midnight: the part after midnight belongs to the previous day's window
  if (min >= from) return !w.days || w.days.includes(dow);
  if (min < to) return !w.days || w.days.includes(dow === 1 ? 7 : dow - 1);
  return false;
}

const toMin = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function previousBoarding(rides: readonly PastRide[], boardingMs: number): PastRide | undefined {
  let best: PastRide | undefined;
  for (const r of rides) {
    if (r.kind === 'exit' || r.atMs >= boardingMs) continue;
    if (!best || r.atMs > best.atMs) best = r;
  }
  return best;
}

function transferApplies(t: TransferRule, prev: PastRide, industry: Industry, line: number, boardingMs: number): boolean {
  if (!t.from.includes(prev.industry) || !t.to.includes(industry)) return false;
  if (boardingMs - prev.atMs > t.windowMinutes * 60_000) return false;
  if (t.differentLine && prev.industry === industry && prev.line !== undefined && prev.line === line) return false;
  return true;
}

function spentSoFar(h: RideHistory, atMs: number): { day: number; month: number } {
  const now = cstParts(atMs);
  let day = 0;
  let month = 0;
  for (const r of h.rides) {
    if (r.atMs > atMs) continue;
    const p = cstParts(r.atMs);
    if (p.y === now.y && p.m === now.m) {
      month += r.fen;
      if (p.d === now.d) day += r.fen;
    }
  }
  return { day: Math.max(day, h.spentTodayFen ?? 0), month: Math.max(month, h.spentThisMonthFen ?? 0) };
}

/** The parameter file's code for a (line, station) pair read from a card, if it knows it. */
export function stationCodeOf(params: FareParameters, line: number, station: number): string | undefined {
  for (const [code, s] of Object.entries(params.stations)) if (s.line === line && s.station === station) return code;
  return undefined;
}
