/**
 * Bus validator. A card pays from its transport e-purse (T-Union / city card) through the PSAM in the
 * second reader slot: flat fare of the line, concession by the card's category, transfer discount and
 * daily/monthly caps from the fare file (src/fares), hotlist, offline. A card without a transport
 * application pays by QuickPass / EC when `acceptQuickPass`. The e-code (卡码同权) gets the same fare
 * from the same engine and is recorded as a post-paid charge (the backend collects it).
 *
 * Torn debits: the TornLedger is seeded from the journal's open intents at start; the card's next tap
 * recovers; `tick()` marks those not back within transit.tornWindowSeconds as unconfirmed.
 */
import { join } from 'node:path';
import { cannotDecide, decline, type Decision } from '../../core/decision';
import type { FareParameters } from '../../fares/params';
import { TRANSIT_REASONS } from '../../transit/reasons';
import type { BusProfileConfig } from './config';
import { busFareProfile, perFareSet } from './transit/fare-context';
import { TransitCore } from './transit/transit-core';
import type { Profile, ProfileContext, ProfileResult } from './types';

export function busProfile(ctx: ProfileContext, cfg: BusProfileConfig): Profile {
  const s = ctx.services;
  const core = new TransitCore({ services: s, sam: ctx.sam, ledgerPath: cfg.rideLedgerPath ?? join(s.config.terminal.dataDir, 'transit-rides.sqlite'), ssseHolderToken: cfg.ssseHolderToken });
  const fareProfileOf = perFareSet((p) => busFareProfile(p, cfg));
  let lastProblem = '';
  let lastPrune = 0;

  /** The fares in force and this line's fare profile, or why a ride cannot be priced now. */
  const where = (): { ok: true; fares: FareParameters; profile: string } | { ok: false; decision: Decision } => {
    const fares = core.fares();
    if (!fares) return { ok: false, decision: cannotDecide('fares-unavailable', 'fare table not loaded yet: please use another validator') };
    const r = fareProfileOf(fares);
    if (!r.ok) {
      if (r.message !== lastProblem) s.log.error('bus: no fare for this validator', { problem: (lastProblem = r.message) });
      return { ok: false, decision: cannotDecide('fare-profile-unknown', r.message) };
    }
    return { ok: true, fares, profile: r.value };
  };

  return {
    name: 'bus',
    idle() {
      core.warmUp();
      const fares = core.fares();
      const r = fares && fareProfileOf(fares);
      const prof = r && r.ok ? fares.profiles[r.value] : undefined;
      return { prompt: cfg.acceptCode ? 'tap-or-scan' : 'tap-card', amountFen: prof?.mode === 'flat' ? prof.fareFen : undefined };
    },

    async onCard(tap): Promise<ProfileResult> {
      const w = where();
      if (!w.ok) return core.oneStep('transit-card', { decision: w.decision, payload: {} }, {});
      const r = await core.cardTap(tap, { ride: { profile: w.profile }, passbackSeconds: cfg.antiPassbackSeconds });
      if (r.kind === 'decided') return r.result;
      if (!cfg.acceptQuickPass) {
        return core.oneStep('transit-card', { decision: decline('no-transit-app', TRANSIT_REASONS['no-transit-app']), holder: r.holderToken, payload: { ride: { profile: w.profile } } }, r.latency, { maskedId: r.maskedId });
      }
      return core.quickPass(tap, { fareProfile: w.profile, holderToken: r.holderToken, maskedId: r.maskedId, passbackSeconds: cfg.antiPassbackSeconds, latency: r.latency });
    },

    async onCode(scan): Promise<ProfileResult> {
      const v = core.verify(scan, cfg);
      if (!v.ok) return v.result;
      const c = v.credential;
      const w = where();
      if (!w.ok) return core.oneStep(c.source, { decision: w.decision, holder: c.holderToken, payload: { code: v.info } }, v.latency);
      if (core.codePassback(c, cfg.antiPassbackSeconds, cfg.ecodeProfile)) {
        return core.oneStep(c.source, { decision: decline('anti-passback', TRANSIT_REASONS['anti-passback']), holder: c.holderToken, payload: { code: v.info } }, v.latency);
      }
      const atMs = s.clock.now();
      const q = core.quote(w.fares, c, { profile: w.profile, atMs, kind: 'single' });
      if (!q.ok) return core.oneStep(c.source, { decision: decline('fare-refused', q.message), holder: c.holderToken, payload: { code: v.info } }, v.latency);
      const r = core.codeRide(c, q, w.fares, { profile: w.profile, atMs }, v.info, v.latency);
      const t = s.clock.monotonic();
      core.ledger.add(core.rideOf(r.seq, c.holderToken, atMs, q, c.source));
      if (cfg.antiPassbackSeconds > 0) s.passback(c.holderToken, cfg.antiPassbackSeconds, true);
      r.latency!.ledger = s.clock.monotonic() - t;
      return r;
    },

    async tick() {
      await core.sweep();
      core.warmUp();
      const now = s.clock.now();
      if (now - lastPrune > 3_600_000) {
        lastPrune = now;
        core.ledger.prune(now, now - 31 * 86_400_000);
      }
    },

    close: () => core.close(),
  };
}
