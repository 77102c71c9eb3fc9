/**
 * Which journal records are rides, and the payload the transit profiles write for the rides they
 * decide in one step (e-code rides: post-paid, no purse). The ride ledger is rebuilt from these after a
 * crash between the journal commit and the ledger commit (`reconcileLedger`).
 *
 *   card ride     'result' transit.result (completed / mac2-unverified, approved) or transit.recovered
 *                 (approved) → its intent (refSeq) has the ride and the tokens {card, holder?}
 *   e-code ride   'decision' transit.code-ride (approved), tokens {holder}; metro entry/exit move the
 *                 holder's open trip
 *   QuickPass     not rebuilt (the PBOC result has no ride data): a lost ledger row only loses a
 *                 transfer discount or cap credit, never money
 */
import type { CredentialSource } from '../../../core/credential';
import type { FareQuote, FareStep, Industry, RideKind } from '../../../fares/engine';
import type { JournalRecord } from '../../../journal';
import type { TransitIntent } from '../../../transit/journal-records';
import type { LedgerRide, RideLedger } from './ride-ledger';

export const CODE_RIDE = 'transit.code-ride';

/** Payload of an e-code ride's decision record (post-paid: the backend collects the fare). */
export interface CodeRidePayload {
  kind: typeof CODE_RIDE;
  postPaid: true;
  industry: Industry;
  rideKind: RideKind;
  profile: string;
  line: number;
  /** Station code (metro). */
  station?: string;
  /** Metro exit: where and when the code entered (from the trip memory), if it did. */
  entry?: { station: string; atMs: number; seq: string };
  atMs: number;
  fare: FareSummary;
  fareVersion: string;
}

/** The quote as stored: amounts and the rules applied (the steps say why, for receipts and audits). */
export type FareSummary = Pick<FareQuote, 'fareFen' | 'baseFen' | 'penaltyFen' | 'concession' | 'transfer' | 'cap'> & { steps: Pick<FareStep, 'kind' | 'fen' | 'rule'>[] };

export function fareSummary(q: FareQuote): FareSummary {
  return {
    fareFen: q.fareFen,
    baseFen: q.baseFen,
    penaltyFen: q.penaltyFen,
    concession: q.concession,
    transfer: q.transfer,
    cap: q.cap,
    steps: q.steps.map((s) => ({ kind: s.kind, fen: s.fen, rule: s.rule })),
  };
}

type Get = (seq: bigint) => JournalRecord | undefined;

/** What a journal record means for the ledger, if anything. */
export type LedgerEffect =
  | { kind: 'ride'; ride: LedgerRide }
  | { kind: 'code-entry'; ride: LedgerRide; station: string }
  | { kind: 'code-exit'; ride: LedgerRide };

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined);

export function ledgerEffectOf(rec: JournalRecord, get: Get, industryOf: (fareProfile: string, kind: RideKind) => Industry): LedgerEffect | undefined {
  const p = obj(rec.payload);
  if (!p || rec.outcome !== 'approved') return undefined;
  if (rec.type === 'result' && (p.kind === 'transit.result' || p.kind === 'transit.recovered') && rec.refSeq !== null) {
    const intent = get(rec.refSeq);
    const ip = obj(intent?.payload) as TransitIntent | undefined;
    if (!intent || ip?.kind !== 'transit.intent' || !intent.tokens.card) return undefined;
    const ride: LedgerRide = {
      seq: rec.seq,
      holder: intent.tokens.holder ?? intent.tokens.card,
      card: intent.tokens.card,
      atMs: ip.atMs,
      industry: industryOf(ip.ride.profile, ip.ride.kind),
      kind: ip.ride.kind,
      line: ip.ride.line,
      fen: ip.amountFen,
      source: 'transit-card',
    };
    return { kind: 'ride', ride };
  }
  if (p.kind === CODE_RIDE && rec.tokens.holder) {
    const c = p as unknown as CodeRidePayload;
    const ride: LedgerRide = { seq: rec.seq, holder: rec.tokens.holder, atMs: c.atMs, industry: c.industry, kind: c.rideKind, line: c.line, fen: c.fare.fareFen, source: 'ecode' as CredentialSource };
    if (c.industry === 'metro' && c.rideKind === 'entry' && c.station) return { kind: 'code-entry', ride, station: c.station };
    if (c.industry === 'metro' && c.rideKind === 'exit') return { kind: 'code-exit', ride };
    return { kind: 'ride', ride };
  }
  return undefined;
}

export function applyLedgerEffect(ledger: RideLedger, e: LedgerEffect): void {
  if (e.kind === 'ride') ledger.add(e.ride);
  else if (e.kind === 'code-entry') ledger.enter({ holder: e.ride.holder, station: e.station, atMs: e.ride.atMs, seq: e.ride.seq }, e.ride);
  else ledger.exit(e.ride.holder, e.ride);
}

/**
 * Bring the ledger up to the journal: apply every ride recorded after the ledger's watermark. A new
 * ledger beside an existing journal starts at the journal's head (no back-fill: a full scan could
 * take seconds at start); returns how many rides were re-applied.
 */
export function reconcileLedger(
  ledger: RideLedger,
  journal: { head: bigint; list(o: { after?: bigint; limit?: number }): JournalRecord[]; get: Get },
  industryOf: (fareProfile: string, kind: RideKind) => Industry,
): { applied: number; scanned: number; fresh: boolean } {
  let after = ledger.watermark();
  if (after === 0n) {
    ledger.markSeen(journal.head);
    return { applied: 0, scanned: 0, fresh: journal.head > 0n };
  }
  let applied = 0;
  let scanned = 0;
  for (;;) {
    const page = journal.list({ after, limit: 500 });
    if (page.length === 0) break;
    for (const rec of page) {
      const e = ledgerEffectOf(rec, journal.get.bind(journal), industryOf);
      if (e) {
        applyLedgerEffect(ledger, e);
        applied++;
      }
    }
    scanned += page.length;
    after = page[page.length - 1]!.seq;
    ledger.markSeen(after);
  }
  return { applied, scanned, fresh: false };
}
