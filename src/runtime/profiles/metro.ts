/**
 * Metro gate, one direction (profile.direction), at one station (profile.line, profile.station → the
 * fare file's station code).
 *
 * Card (transport e-purse through the PSAM): entry writes the trip into the card's compound record
 * (0.00 compound purchase; a previous trip without exit pays the missing-exit penalty here); exit
 * prices the trip from the entry the card recorded (distance or zones), with concessions, transfer and
 * caps, and debits; an exit without entry pays the missing-entry rule, a long stay the overstay
 * penalty (all from the fare file). Anti-passback: no re-entry within antiPassbackSeconds, judged on
 * the card's own trip record (any gate) and on the holder (card or code, this device).
 *
 * E-code (卡码同权): the same fares; entry and exit are matched by holder token through the durable trip
 * memory of the ride ledger; the fare is recorded at exit as a post-paid charge.
 */
import { decline } from '../../core/decision';
import { TRANSIT_REASONS } from '../../transit/reasons';
import type { MetroProfileConfig } from './config';
import { metroStation, perFareSet } from './transit/fare-context';
import { TransitCore } from './transit/transit-core';
import type { Profile, ProfileContext, ProfileResult } from './types';

export function metroProfile(ctx: ProfileContext, cfg: MetroProfileConfig): Profile {
  const s = ctx.services;
  const core = new TransitCore({ services: s, sam: ctx.sam, profile: cfg });
  const stationOf = perFareSet((p) => metroStation(p, cfg));
  const entry = cfg.direction === 'entry';
  const tripMaxMs = cfg.codeTripMaxHours * 3_600_000;
  /** The fares in force, this gate's fare profile and station code, or why a ride cannot be priced now. */
  const where = () => core.locate(stationOf, 'gate');

  return {
    name: entry ? 'metro-entry' : 'metro-exit',
    idle() {
      core.warmUp();
      return { prompt: cfg.acceptCode ? 'tap-or-scan' : 'tap-card' };
    },

    async onCard(tap): Promise<ProfileResult> {
      const w = where();
      if (!w.ok) return core.oneStep('transit-card', { decision: w.decision, payload: {} }, {});
      const { profile, station } = w.value;
      const ride = { profile, station, direction: cfg.direction, reentryWindowMs: entry ? cfg.antiPassbackSeconds * 1000 : undefined };
      const r = await core.cardTap(tap, { fares: w.fares, ride, passbackSeconds: entry ? cfg.antiPassbackSeconds : 0 });
      if (r.kind === 'decided') return r.result;
      // Metro gates charge at exit from the card's own trip record: no QuickPass fallback here.
      return core.oneStep('transit-card', { decision: decline('no-transit-app', TRANSIT_REASONS['no-transit-app']), holder: r.holderToken, payload: { ride } }, r.latency, { maskedId: r.maskedId });
    },

    async onCode(scan): Promise<ProfileResult> {
      const v = core.verify(scan);
      if (!v.ok) return v.result;
      const c = v.credential;
      const w = where();
      if (!w.ok) return core.codeRefusal(v, w.decision);
      const { profile, station } = w.value;
      const atMs = s.clock.now();
      const open = core.ledger.openTrip(c.holderToken);
      const trip = open && atMs - open.atMs <= tripMaxMs && atMs >= open.atMs ? open : undefined;

      if (entry) {
        if (core.codePassback(c, cfg.antiPassbackSeconds)) return core.codeRefusal(v, decline('anti-passback', TRANSIT_REASONS['anti-passback']));
        const q = core.quote(w.fares, c, { profile, atMs, kind: 'entry', station, openTrip: trip && { atMs: trip.atMs } });
        if (!q.ok) return core.codeRefusal(v, decline('fare-refused', q.message));
        return core.codeRide(v, q, w.fares, { profile, station, atMs }, (ride) => core.ledger.enter({ holder: c.holderToken, station, atMs, seq: ride.seq }, ride), cfg.antiPassbackSeconds);
      }

      // exit: the fare from the code's entry here on this network; no entry → the missing-entry rule
      const q = core.quote(w.fares, c, { profile, atMs, kind: 'exit', station, entry: trip && { station: trip.station, atMs: trip.atMs } });
      if (!q.ok) return core.codeRefusal(v, decline('fare-refused', q.message));
      const tripEntry = trip && { station: trip.station, atMs: trip.atMs, seq: trip.seq.toString() };
      return core.codeRide(v, q, w.fares, { profile, station, atMs, entry: tripEntry }, (ride) => core.ledger.exit(c.holderToken, ride));
    },

    tick: () => core.upkeep(tripMaxMs),
    close: () => core.close(),
  };
}
