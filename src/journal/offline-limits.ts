/**
 * Offline limits (DOMAIN.md §3: Stripe's per-transaction and total stored amounts, Adyen's max count,
 * Square's 24-hour forwarding window). Pure: the journal supplies the current exposure (offline
 * approvals not yet acknowledged by the backend), the caller supplies the amount it wants to approve
 * offline. A refusal is a value with a stable reason code and a plain message, not an exception.
 */
import { formatYuan } from '../core/money';
import type { OfflineLimits } from './config';

/** What is at risk right now: offline approvals the backend has not acknowledged yet. */
export interface OfflineExposure {
  count: number;
  totalFen: number;
  /** Append time (terminal wall clock, epoch ms) of the oldest of them, or null if none. */
  oldestTs: number | null;
}

export type OfflineRefusalReason = 'offline-per-transaction-limit' | 'offline-count-limit' | 'offline-amount-limit' | 'offline-age-limit';

export type OfflineCheck =
  | { ok: true }
  | {
      ok: false;
      reason: OfflineRefusalReason;
      /** For a person: what was reached and what to do. */
      message: string;
      limit: number;
      current: number;
    };

export function checkOfflineLimits(limits: OfflineLimits, exposure: OfflineExposure, amountFen: number, nowMs: number): OfflineCheck {
  if (!Number.isSafeInteger(amountFen) || amountFen < 0) throw new RangeError(`amountFen: expected a whole number of fen >= 0, got ${amountFen}`);
  if (amountFen > limits.perTransactionFen) {
    return {
      ok: false,
      reason: 'offline-per-transaction-limit',
      message: `offline payments are limited to ${formatYuan(limits.perTransactionFen)} CNY each; this one is ${formatYuan(amountFen)} CNY — pay online or at a counter`,
      limit: limits.perTransactionFen,
      current: amountFen,
    };
  }
  if (exposure.count + 1 > limits.maxCount) {
    return {
      ok: false,
      reason: 'offline-count-limit',
      message: `${exposure.count} offline payments are waiting to be forwarded (limit ${limits.maxCount}) — the terminal must reach the backend first`,
      limit: limits.maxCount,
      current: exposure.count,
    };
  }
  if (exposure.totalFen + amountFen > limits.maxTotalFen) {
    return {
      ok: false,
      reason: 'offline-amount-limit',
      message: `${formatYuan(exposure.totalFen)} CNY of offline payments are waiting to be forwarded (limit ${formatYuan(limits.maxTotalFen)} CNY) — the terminal must reach the backend first`,
      limit: limits.maxTotalFen,
      current: exposure.totalFen,
    };
  }
  if (exposure.oldestTs !== null) {
    const age = Math.max(0, nowMs - exposure.oldestTs); // a wall clock set back never makes the age negative
    if (age > limits.maxOldestAgeMs) {
      return {
        ok: false,
        reason: 'offline-age-limit',
        message: `the oldest offline payment has waited ${Math.floor(age / 60_000)} min to be forwarded (limit ${Math.floor(limits.maxOldestAgeMs / 60_000)} min) — the terminal must reach the backend first`,
        limit: limits.maxOldestAgeMs,
        current: age,
      };
    }
  }
  return { ok: true };
}
