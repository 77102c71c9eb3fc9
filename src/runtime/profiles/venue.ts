/**
 * Library and museum gates: identity entry by card or code (卡码同权), no payment. Checks, in order:
 * the credential (card acceptance checks or e-code verification, hotlist), reservations when required,
 * anti-passback, the holder's daily quota, the venue's daily capacity. Every entry and refusal is in
 * the journal before the gate moves; visitor counts are kept per day.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cstDateNumber } from '../../core/clock';
import type { Credential } from '../../core/credential';
import { approve, decline, type Decision } from '../../core/decision';
import { VisitLedger } from '../visits';
import { passbackDecision, readAndAcceptSsse, recordDecision, verifyCode } from './common';
import type { VenueProfileConfig } from './config';
import type { Profile, ProfileContext, ProfileResult } from './types';

/** Reservations file: { "YYYYMMDD": ["<holder token>", …] } — written by the booking system's sync. */
function loadReservations(path: string | undefined): () => Map<number, Set<string>> {
  let cache = new Map<number, Set<string>>();
  let mtime = -1;
  return () => {
    if (!path) return cache;
    let m: number;
    try {
      m = statSync(path).mtimeMs;
    } catch {
      cache = new Map();
      return cache;
    }
    if (m !== mtime) {
      mtime = m;
      const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string[]>;
      cache = new Map(Object.entries(json).map(([d, list]) => [Number(d), new Set(list)]));
    }
    return cache;
  };
}

export function venueProfile(ctx: ProfileContext, cfg: VenueProfileConfig): Profile {
  const s = ctx.services;
  const ledger = new VisitLedger(join(s.config.terminal.dataDir, 'visits.sqlite'));
  const reservations = loadReservations(cfg.reservationsFile);
  const passbackWindow = cfg.antiPassbackSeconds;
  // When the e-code profile has its own anti-passback the verifier already applies (and records) it.
  const verifierPassback = (s.config.ecode.profiles[cfg.ecodeProfile]?.antiPassbackSeconds ?? 0) > 0;

  /** Venue rules once the credential itself is accepted. Anti-passback is recorded only on entry. */
  const rules = (c: Credential, checkPassback: boolean): Decision => {
    const now = s.clock.now();
    if (cfg.reservationRequired) {
      const today = reservations().get(cstDateNumber(now));
      if (!today?.has(c.holderToken)) return decline('no-reservation', 'no reservation for today');
    }
    if (cfg.dailyQuotaPerHolder > 0 && ledger.holderToday(now, cfg.venue, c.holderToken) >= cfg.dailyQuotaPerHolder) {
      return decline('daily-quota-reached', `daily entry limit reached (${cfg.dailyQuotaPerHolder})`);
    }
    if (cfg.dailyCapacity > 0 && ledger.totalToday(now, cfg.venue) >= cfg.dailyCapacity) return decline('venue-full', 'the venue is full for today');
    if (checkPassback) {
      const pb = passbackDecision(s, c, passbackWindow);
      if (pb) return pb;
    }
    return approve('entry', cfg.kind === 'library' ? '欢迎 / welcome to the library' : '欢迎 / welcome to the museum');
  };

  const finish = (decision: Decision, credential: Credential | undefined, source: ProfileResult['source'], maskedId: string | undefined, latency: Record<string, number>, extra?: Record<string, unknown>): ProfileResult => {
    const now = s.clock.now();
    const t0 = s.clock.monotonic();
    const seq = recordDecision(s, { type: 'check', decision, credential, payload: { venue: cfg.venue, ...extra } });
    if (decision.outcome === 'approved' && credential) ledger.add(now, cfg.venue, credential.holderToken);
    latency.journal = s.clock.monotonic() - t0;
    return { decision, seq, source, maskedId, latency };
  };

  return {
    name: cfg.kind,
    idle: () => ({ prompt: cfg.acceptCode ? 'tap-or-scan' : 'tap-card' }),
    async onCard(tap) {
      const r = await readAndAcceptSsse(s, tap);
      const decision = r.decision.outcome === 'approved' && r.credential ? rules(r.credential, true) : r.decision;
      return finish(decision, r.credential, 'ssse-card', r.maskedId, { read: r.readMs });
    },
    async onCode(scan) {
      if (!cfg.acceptCode) {
        const d = decline('code-not-accepted', 'codes are not accepted at this gate: please tap your card');
        return finish(d, undefined, 'ecode', undefined, {});
      }
      const r = verifyCode(s, scan, cfg.ecodeProfile);
      const decision = r.decision.outcome === 'approved' && r.credential ? rules(r.credential, !verifierPassback) : r.decision;
      return finish(decision, r.credential, r.credential?.source ?? 'ecode', undefined, { verify: r.verifyMs }, { code: r.info });
    },
    async close() {
      ledger.close();
    },
  };
}
