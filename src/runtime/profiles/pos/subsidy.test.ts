// Subsidy split, entitlement by category, daily limit, roster parsing: pure arithmetic in integer fen.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRoster } from './roster';
import { dailyLimitDecision, entitlementOf, planSale } from './subsidy';

const TABLE = { default: 1_00, elderly: 5_00, 'elderly-70': 8_00 };

describe('subsidy', () => {
  it('the best listed category wins; default for the rest', () => {
    expect(entitlementOf(['standard'], TABLE)).toEqual({ dailyFen: 1_00 });
    expect(entitlementOf(['standard', 'elderly'], TABLE)).toEqual({ dailyFen: 5_00, category: 'elderly' });
    expect(entitlementOf(['elderly-70', 'elderly'], TABLE)).toEqual({ dailyFen: 8_00, category: 'elderly-70' });
    expect(entitlementOf(['default'], { elderly: 5_00 })).toEqual({ dailyFen: 0 });
    expect(entitlementOf(['toString', '__proto__'], TABLE)).toEqual({ dailyFen: 1_00 }); // no prototype lookups
  });

  it('subsidy first, then the card; the parts always add up', () => {
    expect(planSale(12_00, 8_00)).toEqual({ totalFen: 12_00, subsidyFen: 8_00, chargedFen: 4_00 });
    expect(planSale(6_50, 8_00)).toEqual({ totalFen: 6_50, subsidyFen: 6_50, chargedFen: 0 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), fc.integer({ min: 0, max: 100_000_000 }), (total, wallet) => {
        const p = planSale(total, wallet);
        return p.subsidyFen + p.chargedFen === total && p.subsidyFen <= wallet && p.subsidyFen >= 0 && p.chargedFen >= 0 && (p.chargedFen === 0 || p.subsidyFen === wallet);
      }),
      { numRuns: 2000 },
    );
  });

  it('daily limit: inclusive, 0 = unlimited', () => {
    expect(dailyLimitDecision(20_00, 12_00, 8_00)).toBeUndefined();
    expect(dailyLimitDecision(20_00, 12_00, 8_01)).toMatchObject({ outcome: 'declined', reason: 'daily-limit', message: 'over the daily limit of 20.00 CNY: 8.00 left today' });
    expect(dailyLimitDecision(0, 1_000_000, 1_000_000)).toBeUndefined();
  });

  it('roster: holder tokens only', () => {
    expect(parseRoster('{"AAAAAAAAAAAAAAAAAAAAAAAAAA":["elderly"]}').get('AAAAAAAAAAAAAAAAAAAAAAAAAA')).toEqual(['elderly']);
    expect(() => parseRoster('{"410102195003070010":["elderly"]}')).toThrow(/holder token/);
    expect(() => parseRoster('["x"]')).toThrow(/object/);
    expect(() => parseRoster('{"AAAAAAAAAAAAAAAAAAAAAAAAAA":"elderly"}')).toThrow(/array/);
  });
});
