import { approve, cannotDecide, decline, type Decision } from '../core/decision';
import { formatYuan } from '../core/money';
import type { TransitConfig } from './config';
import type { TransitResult } from './journal-records';

/**
 * Reason codes of transit decisions (stable: the journal, the backend and the display key on them)
 * with the plain message shown to the rider or operator.
 */
export const TRANSIT_REASONS = {
  ok: 'paid',
  'torn-recovered': 'previous tap completed',
  'no-transit-app': 'this card has no transport application',
  'app-stopped': 'transport application stopped by the issuer',
  'app-locked': 'transport application locked',
  'app-not-active': 'transport application not activated',
  'not-yet-valid': 'card not valid yet',
  expired: 'card expired',
  'not-accepted-here': 'card not accepted in this city',
  'issuer-not-accepted': 'card issuer not accepted here',
  'category-unknown': 'card type not accepted here',
  hotlisted: 'card reported lost or blocked',
  'anti-passback': 'already passed here a moment ago',
  'insufficient-funds': 'balance too low: please top up',
  'key-index-unsupported': 'card keys not supported by this terminal',
  'algorithm-unsupported': 'card security algorithm not supported by this terminal',
  'fare-refused': 'fare cannot be computed here',
  'no-metro-record': 'card not set up for metro',
  'card-error': 'card could not be read: tap again',
  'card-data-invalid': 'card data invalid',
  'sam-failed': 'terminal security module failed: terminal out of service',
  'sam-expired': 'terminal security module expired: terminal out of service',
  'journal-failed': 'transaction could not be recorded: terminal out of service',
  torn: 'card removed during payment: tap the same card again',
  'mac1-rejected': 'card refused the terminal (security check failed)',
  'debit-refused': 'card refused the payment',
  'mac2-invalid': 'card failed the security check',
  'mac2-unverified': 'payment taken but not verified: see staff',
} as const;

export type TransitReason = keyof typeof TRANSIT_REASONS;

export type Reasoned = Decision & { reason: TransitReason };
const msg = (r: TransitReason, detail?: string): string => (detail ? `${TRANSIT_REASONS[r]} (${detail})` : TRANSIT_REASONS[r]);
export const declined = (r: TransitReason, detail?: string): Reasoned => decline(r, msg(r, detail)) as Reasoned;
export const undecided = (r: TransitReason, detail?: string): Reasoned => cannotDecide(r, msg(r, detail)) as Reasoned;

/** The decision after a debit (or a recovered one), by MAC2 status and the mac2UnverifiedPolicy. */
export function debitDecision(config: TransitConfig, status: TransitResult['status'] | 'recovered-unverified', amountFen: number, balanceAfterFen: number, reason: 'ok' | 'torn-recovered' = 'ok'): Reasoned {
  const paid = `${amountFen === 0 ? 'no charge' : `fare ${formatYuan(amountFen)}`}, balance ${formatYuan(balanceAfterFen)}`;
  if (status === 'completed') return approve(reason, `${TRANSIT_REASONS[reason]}: ${paid}`) as Reasoned;
  if (status === 'mac2-invalid') return declined('mac2-invalid');
  const policy = status === 'recovered-unverified' ? config.recoveryUnverifiedPolicy : config.mac2UnverifiedPolicy;
  if (policy === 'approve') return approve(reason, `${TRANSIT_REASONS[reason]}: ${paid} (card MAC2 not verified)`) as Reasoned;
  return declined('mac2-unverified', paid);
}

