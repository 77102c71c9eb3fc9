/**
 * Canteen subsidy and daily-limit arithmetic (pure, integer fen). The subsidy is spent BEFORE the card:
 * the wallet covers as much of the sale as it holds, only the rest is charged to the card (EC /
 * QuickPass) or post-paid (e-code).
 */
import type { EntitlementCategory } from '../../../core/credential';
import { decline, type Decision } from '../../../core/decision';
import { formatYuan, type Fen } from '../../../core/money';

export interface Entitlement {
  /** The day's subsidy for this holder (fen). */
  dailyFen: Fen;
  /** The category that gives it (shown as the concession), or undefined for the default / none. */
  category?: EntitlementCategory;
}

/** The largest daily subsidy among the holder's categories; "default" when none is listed. */
export function entitlementOf(categories: readonly EntitlementCategory[], table: Readonly<Record<string, Fen>>): Entitlement {
  let best: Entitlement | undefined;
  for (const c of categories) {
    if (c === 'default' || !Object.hasOwn(table, c)) continue;
    const fen = table[c]!;
    if (!best || fen > best.dailyFen) best = { dailyFen: fen, category: c };
  }
  return best ?? { dailyFen: table.default ?? 0 };
}

export interface SalePlan {
  totalFen: Fen;
  subsidyFen: Fen;
  /** What the card or the post-paid account pays. */
  chargedFen: Fen;
}

/** Split a sale: subsidy first (up to the wallet balance), the rest charged. */
export function planSale(totalFen: Fen, walletBalanceFen: Fen): SalePlan {
  const subsidyFen = Math.max(0, Math.min(totalFen, walletBalanceFen));
  return { totalFen, subsidyFen, chargedFen: totalFen - subsidyFen };
}

/** The holder's daily spending limit (0 = unlimited): a decline, or undefined when the sale fits. */
export function dailyLimitDecision(limitFen: Fen, spentTodayFen: Fen, amountFen: Fen): Decision | undefined {
  if (limitFen <= 0 || spentTodayFen + amountFen <= limitFen) return undefined;
  const left = Math.max(0, limitFen - spentTodayFen);
  return decline('daily-limit', `over the daily limit of ${formatYuan(limitFen)} CNY: ${formatYuan(left)} left today`);
}
