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
import { join } from 'node:path';
import { cannotDecide, decline, type Decision } from '../../core/decision';
import type { FareParameters } from '../../fares/params';
import { TRANSIT_REASONS } from '../../transit/reasons';
import type { MetroProfileConfig } from './config';
import { metroStation, perFareSet } from './transit/fare-context';
import { TransitCore } from './transit/transit-core';
import type { Profile, ProfileContext, ProfileResult } from './types';

export function metroProfile(ctx: ProfileContext, cfg: MetroProfileConfig): Profile {
  const s = ctx.services;
  const core = new TransitCore({ services: s, sam: ctx.sam, ledgerPath: cfg.rideLedgerPath ?? join(s.config.terminal.dataDir, 'transit-rides.sqlite'), ssseHolderToken: cfg.ssseHolderToken });
  const stationOf = perFareSet((p) => metroStation(p, cfg));
  const entry = cfg.direction === 'entry';
  const tripMaxMs = cfg.codeTripMaxHours * 3_600_000;
  let lastProblem = '';
  let lastPrune = 0;

  const where = (): { ok: true; fares: FareParameters; profile: string; station: string } | { ok: false; decision: Decision } => {
    const fares = core.fares();
    if (!fares) return { ok: false, decision: cannotDecide('fares-unavailable', 'fare table not loaded yet: please use another gate') };
    const r = stationOf(fares);
    if (!r.ok) {
      if (r.message !== lastProblem) s.log.error('metro: no fare for this gate', { problem: (lastProblem = r.message) });
      return { ok: false, decision: cannotDecide('fare-profile-unknown', r.message) };
    }
    return { ok: true, fares, ...r.value };
  };

  return {
    name: entry ? 'metro-entry' : 'metro-exit',
    idle() {
      core.warmUp();
      return { prompt: cfg.acceptCode ? 'tap-or-scan' : 'tap-card' };
    },

    async onCard(tap): Promise<ProfileResult> {
      const w = where();
      if (!w.ok) return core.oneStep('transit-card', { decision: w.decision, payload: {} }, {});
      const ride = { profile: w.profile, station: w.station, direction: cfg.direction, reentryWindowMs: entry ? cfg.antiPassbackSeconds * 1000 : undefined };
      const r = await core.cardTap(tap, { ride, passbackSeconds: entry ? cfg.antiPassbackSeconds : 0 });
      if (r.kind === 'decided') return r.result;
      // Metro gates charge at exit from the card's own trip record: no QuickPass fallback here.
      return core.oneStep('transit-card', { decision: decline('no-transit-app', TRANSIT_REASONS['no-transit-app']), holder: r.holderToken, payload: { ride } }, r.latency, { maskedId: r.maskedId });
    },

    async onCode(scan): Promise<ProfileResult> {
      const v = core.verify(scan, cfg);
      if (!v.ok) return v.result;
      const c = v.credential;
      const w = where();
      if (!w.ok) return core.oneStep(c.source, { decision: w.decision, holder: c.holderToken, payload: { code: v.info } }, v.latency);
      const atMs = s.clock.now();
      const open = core.ledger.openTrip(c.holderToken);
      const trip = open && atMs - open.atMs <= tripMaxMs && atMs >= open.atMs ? open : undefined;

      if (entry) {
        if (core.codePassback(c, cfg.antiPassbackSeconds, cfg.ecodeProfile)) {
          return core.oneStep(c.source, { decision: decline('anti-passback', TRANSIT_REASONS['anti-passback']), holder: c.holderToken, payload: { code: v.info } }, v.latency);
        }
        const q = core.quote(w.fares, c, { profile: w.profile, atMs, kind: 'entry', station: w.station, openTrip: trip && { atMs: trip.atMs } });
        if (!q.ok) return core.oneStep(c.source, { decision: decline('fare-refused', q.message), holder: c.holderToken, payload: { code: v.info } }, v.latency);
        const r = core.codeRide(c, q, w.fares, { profile: w.profile, station: w.station, atMs }, v.info, v.latency);
        const t = s.clock.monotonic();
        core.ledger.enter({ holder: c.holderToken, station: w.station, atMs, seq: r.seq }, core.rideOf(r.seq, c.holderToken, atMs, q, c.source));
        if (cfg.antiPassbackSeconds > 0) s.passback(c.holderToken, cfg.antiPassbackSeconds, true);
        r.latency!.ledger = s.clock.monotonic() - t;
        return r;
      }

      // exit: the fare from the code's entry here on this network; no entry → the missing-entry rule
      const q = core.quote(w.fares, c, { profile: w.profile, atMs, kind: 'exit', station: w.station, entry: trip && { station: trip.station, atMs: trip.atMs } });
      if (!q.ok) return core.oneStep(c.source, { decision: decline('fare-refused', q.message), holder: c.holderToken, payload: { code: v.info } }, v.latency);
      const r = core.codeRide(c, q, w.fares, { profile: w.profile, station: w.station, atMs, entry: trip && { station: trip.station, atMs: trip.atMs, seq: trip.seq.toString() } }, v.info, v.latency);
      const t = s.clock.monotonic();
      core.ledger.exit(c.holderToken, core.rideOf(r.seq, c.holderToken, atMs, q, c.source));
      r.latency!.ledger = s.clock.monotonic() - t;
      return r;
    },

    async tick() {
      await core.sweep();
      core.warmUp();
      const now = s.clock.now();
      if (now - lastPrune > 3_600_000) {
        lastPrune = now;
        core.ledger.prune(now, now - tripMaxMs);
      }
    },

    close: () => core.close(),
  };
}
