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
import { decline } from '../../core/decision';
import { TRANSIT_REASONS } from '../../transit/reasons';
import type { BusProfileConfig } from './config';
import { busFareProfile, perFareSet } from './transit/fare-context';
import { TransitCore } from './transit/transit-core';
import type { Profile, ProfileContext, ProfileResult } from './types';

export function busProfile(ctx: ProfileContext, cfg: BusProfileConfig): Profile {
  const s = ctx.services;
  const core = new TransitCore({ services: s, sam: ctx.sam, profile: cfg });
  const fareProfileOf = perFareSet((p) => busFareProfile(p, cfg));
  /** The fares in force and this line's fare profile, or why a ride cannot be priced now. */
  const where = () => core.locate(fareProfileOf, 'validator');

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
      const r = await core.cardTap(tap, { fares: w.fares, ride: { profile: w.value }, passbackSeconds: cfg.antiPassbackSeconds });
      if (r.kind === 'decided') return r.result;
      if (!cfg.acceptQuickPass) {
        return core.oneStep('transit-card', { decision: decline('no-transit-app', TRANSIT_REASONS['no-transit-app']), holder: r.holderToken, payload: { ride: { profile: w.value } } }, r.latency, { maskedId: r.maskedId });
      }
      return core.quickPass(tap, { fares: w.fares, fareProfile: w.value, holderToken: r.holderToken, maskedId: r.maskedId, passbackSeconds: cfg.antiPassbackSeconds, latency: r.latency });
    },

    async onCode(scan): Promise<ProfileResult> {
      const v = core.verify(scan);
      if (!v.ok) return v.result;
      const c = v.credential;
      const w = where();
      if (!w.ok) return core.codeRefusal(v, w.decision);
      if (core.codePassback(c, cfg.antiPassbackSeconds)) return core.codeRefusal(v, decline('anti-passback', TRANSIT_REASONS['anti-passback']));
      const atMs = s.clock.now();
      const q = core.quote(w.fares, c, { profile: w.value, atMs, kind: 'single' });
      if (!q.ok) return core.codeRefusal(v, decline('fare-refused', q.message));
      return core.codeRide(v, q, w.fares, { profile: w.value, atMs }, (ride) => core.ledger.add(ride), cfg.antiPassbackSeconds);
    },

    tick: () => core.upkeep(),
    close: () => core.close(),
  };
}
