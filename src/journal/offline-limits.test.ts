import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkOfflineLimits } from './offline-limits';
import { offlineLimitsSchema } from './config';

const limits = offlineLimitsSchema.parse({ maxCount: 10, maxTotalFen: 10_000, maxOldestAgeMs: 3_600_000, perTransactionFen: 2_000 });
const now = 1_800_000_000_000;

describe('offline limits', () => {
  it('has named defaults', () => {
    expect(offlineLimitsSchema.parse(undefined)).toEqual({ maxCount: 2000, maxTotalFen: 500_000, maxOldestAgeMs: 86_400_000, perTransactionFen: 10_000 });
  });

  it('refuses with a reason code and a plain message at each limit', () => {
    const none = { count: 0, totalFen: 0, oldestTs: null };
    expect(checkOfflineLimits(limits, none, 2_000, now)).toEqual({ ok: true });
    expect(checkOfflineLimits(limits, none, 2_001, now)).toMatchObject({ ok: false, reason: 'offline-per-transaction-limit', message: expect.stringContaining('20.00 CNY') });
    expect(checkOfflineLimits(limits, { count: 10, totalFen: 0, oldestTs: now }, 1, now)).toMatchObject({ ok: false, reason: 'offline-count-limit' });
    expect(checkOfflineLimits(limits, { count: 9, totalFen: 9_000, oldestTs: now }, 1_000, now)).toEqual({ ok: true });
    expect(checkOfflineLimits(limits, { count: 9, totalFen: 9_000, oldestTs: now }, 1_001, now)).toMatchObject({ ok: false, reason: 'offline-amount-limit' });
    expect(checkOfflineLimits(limits, { count: 1, totalFen: 1, oldestTs: now - 3_600_001 }, 1, now)).toMatchObject({ ok: false, reason: 'offline-age-limit' });
    expect(checkOfflineLimits(limits, { count: 1, totalFen: 1, oldestTs: now + 99_999_999 }, 1, now)).toEqual({ ok: true }); // clock set back
    expect(() => checkOfflineLimits(limits, none, 1.5, now)).toThrow(/whole number/);
  });

  it('never lets the exposure exceed a limit when approvals follow the check', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3_000 }), { maxLength: 60 }), (amounts) => {
        const ex = { count: 0, totalFen: 0, oldestTs: now as number | null };
        for (const a of amounts) if (checkOfflineLimits(limits, ex, a, now).ok) {
          ex.count++;
          ex.totalFen += a;
        }
        return ex.count <= limits.maxCount && ex.totalFen <= limits.maxTotalFen;
      }),
    );
  });
});
