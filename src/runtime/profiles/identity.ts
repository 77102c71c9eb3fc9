/**
 * Identity check (e.g. hotel registration): read the holder's identity from the card (SSSE EF06, which
 * this purpose needs) or take the e-code's pseudonymous credential; show it masked; record the check.
 * Holder data is stored only sealed (AES-256-GCM, journal data key) and never shown or logged in clear.
 * No payment.
 */
import { approve, decline } from '../../core/decision';
import type { PersonalData } from '../../journal/seal';
import { codeMaskedId, holderIdentity, readAndAcceptSsse, recordDecision, ssseAuthenticatorOf, verifyCode } from './common';
import type { IdentityProfileConfig } from './config';
import type { Profile, ProfileContext } from './types';

export function identityProfile(ctx: ProfileContext, cfg: IdentityProfileConfig): Profile {
  const s = ctx.services;
  const authenticate = ssseAuthenticatorOf(cfg.ssseTestAuthKey);
  return {
    name: 'identity',
    idle: () => ({ prompt: cfg.acceptCode ? 'tap-or-scan' : 'tap-card' }),
    async onCard(tap) {
      const r = await readAndAcceptSsse(s, tap, { holderData: cfg.recordHolder, authenticate });
      let decision = r.decision;
      let personal: PersonalData | undefined;
      let maskedId = r.maskedId;
      if (decision.outcome === 'approved') {
        const who = cfg.recordHolder ? holderIdentity(r) : undefined;
        if (who && 'refused' in who) decision = who.refused;
        else {
          if (who) ({ personal, maskedId } = who);
          decision = approve('identity-verified', 'identity verified');
        }
      }
      const t0 = s.clock.monotonic();
      const seq = recordDecision(s, { type: 'check', decision, credential: r.credential, personal, payload: { purpose: cfg.purpose } });
      return { decision, seq, source: 'ssse-card', maskedId, latency: { read: r.readMs, journal: s.clock.monotonic() - t0 } };
    },
    async onCode(scan) {
      const r = cfg.acceptCode ? verifyCode(s, scan, cfg.ecodeProfile) : { decision: decline('code-not-accepted', 'codes are not accepted here: please tap your card'), verifyMs: 0, credential: undefined, info: undefined };
      const decision = r.decision.outcome === 'approved' ? approve('identity-verified', 'identity verified (electronic code)') : r.decision;
      const t0 = s.clock.monotonic();
      const seq = recordDecision(s, { type: 'check', decision, credential: r.credential, payload: { purpose: cfg.purpose, code: r.info } });
      return { decision, seq, source: r.credential?.source ?? 'ecode', maskedId: r.credential && codeMaskedId(r.credential), latency: { verify: r.verifyMs, journal: s.clock.monotonic() - t0 } };
    },
  };
}
