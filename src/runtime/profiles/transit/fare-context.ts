/**
 * What the transit profiles derive from the fare parameter set in force, once per set (a download
 * replaces the object: the cache is keyed by it), never per tap: the fare profile of this validator,
 * the station code of this gate, the longest transfer window. And the display fields of a quote.
 */
import type { Credential, EntitlementCategory } from '../../../core/credential';
import type { Fen } from '../../../core/money';
import { stationCodeOf, type FareQuote, type Industry, type RideKind } from '../../../fares/engine';
import type { FareParameters } from '../../../fares/params';

/** Memoise a derivation of the parameter set (one entry per set object). */
export function perFareSet<T>(derive: (p: FareParameters) => T): (p: FareParameters) => T {
  const cache = new WeakMap<FareParameters, T>();
  return (p) => {
    let v = cache.get(p);
    if (v === undefined && !cache.has(p)) {
      v = derive(p);
      cache.set(p, v);
    }
    return v as T;
  };
}

/** The longest transfer window of the set, ms (how far back the ride ledger is asked). */
export const maxTransferWindowMs = perFareSet((p) => Math.max(0, ...p.transfers.map((t) => t.windowMinutes * 60_000)));

export type Resolved<T> = { ok: true; value: T } | { ok: false; message: string };

/** A bus validator's fare profile: the configured name, else the flat bus profile of its line. */
export function busFareProfile(p: FareParameters, cfg: { fareProfile?: string; line: number }): Resolved<string> {
  if (cfg.fareProfile) {
    const prof = p.profiles[cfg.fareProfile];
    if (!prof) return { ok: false, message: `fare profile "${cfg.fareProfile}" (profile.fareProfile) is not in fare set ${p.version}` };
    if (prof.industry !== 'bus') return { ok: false, message: `fare profile "${cfg.fareProfile}" is a ${prof.industry} profile, not a bus one` };
    return { ok: true, value: cfg.fareProfile };
  }
  const found = Object.entries(p.profiles).find(([, prof]) => prof.mode === 'flat' && prof.industry === 'bus' && prof.line === cfg.line);
  return found ? { ok: true, value: found[0] } : { ok: false, message: `fare set ${p.version} has no bus profile for line ${cfg.line}: set profile.fareProfile or profile.line` };
}

/** A metro gate's fare profile and station code (from the configured line and station numbers). */
export function metroStation(p: FareParameters, cfg: { fareProfile: string; line: number; station: number }): Resolved<{ profile: string; station: string }> {
  const prof = p.profiles[cfg.fareProfile];
  if (!prof) return { ok: false, message: `fare profile "${cfg.fareProfile}" (profile.fareProfile) is not in fare set ${p.version}` };
  if (prof.industry !== 'metro') return { ok: false, message: `fare profile "${cfg.fareProfile}" is a ${prof.industry} profile, not a metro one` };
  const code = stationCodeOf(p, cfg.line, cfg.station);
  if (!code) return { ok: false, message: `line ${cfg.line} station ${cfg.station} (profile.line, profile.station) is not in fare set ${p.version}` };
  return { ok: true, value: { profile: cfg.fareProfile, station: code } };
}

/** The industry of a fare profile (for ledger rows rebuilt from the journal). */
export function industryOf(p: FareParameters | undefined, fareProfile: string, kind: RideKind): Industry {
  return p?.profiles[fareProfile]?.industry ?? (kind === 'single' ? 'bus' : 'metro');
}

/** Display fields of a quote: the full fare when something reduced it, and the category that earned a concession. */
export function fareDisplay(p: FareParameters, q: FareQuote, c: Pick<Credential, 'categories'>): { fullAmountFen?: Fen; concession?: EntitlementCategory } {
  const full = q.baseFen + q.penaltyFen;
  const out: { fullAmountFen?: Fen; concession?: EntitlementCategory } = {};
  if (full !== q.fareFen) out.fullAmountFen = full;
  if (q.concession) {
    const rule = p.concessions.find((x) => x.id === q.concession);
    out.concession = rule?.categories.find((x) => c.categories.includes(x)) ?? q.concession;
  }
  return out;
}
