/** The fare engine on the demo parameter file: each rule, their order, and properties. */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Credential } from '../core/credential';
import { fixturesDir } from '../core/paths';
import { inWindow, quoteFare, stationCodeOf, type FareQuote, type PastRide, type RideRequest } from './engine';
import { parseFareParameters } from './params';

const P = parseFareParameters(JSON.parse(readFileSync(fixturesDir('transit', 'fares', 'demo-city.json'), 'utf8')));
/** CST wall time → epoch ms. */
const cst = (y: number, m: number, d: number, hh: number, mm = 0) => Date.UTC(y, m - 1, d, hh - 8, mm);
const MON_10 = cst(2026, 11, 23, 10); // Monday, off-peak
const MON_08 = cst(2026, 11, 23, 8); // Monday, peak
const SUN_08 = cst(2026, 11, 22, 8);
const who = (...categories: string[]): Pick<Credential, 'categories'> => ({ categories });
const ok = (q: ReturnType<typeof quoteFare>): FareQuote => {
  if (!q.ok) throw new Error(`refused: ${q.message}`);
  return q;
};
const exit = (from: string, to: string, atMs: number, minutesInside = 20): RideRequest => ({ profile: 'metro-l1', kind: 'exit', station: to, atMs, entry: { station: from, atMs: atMs - minutesInside * 60_000 } });

describe('base fares', () => {
  it('flat bus fare, with the route as the line', () => {
    const q = ok(quoteFare(P, who('standard'), { profile: 'bus-26', kind: 'single', atMs: MON_10 }));
    expect(q).toMatchObject({ fareFen: 200, baseFen: 200, line: 26, industry: 'bus' });
  });
  it('distance bands by entry and exit station', () => {
    expect(ok(quoteFare(P, who('standard'), exit('L1-01', 'L1-04', MON_10))).fareFen).toBe(300); // 5.0 km
    expect(ok(quoteFare(P, who('standard'), exit('L1-01', 'L1-06', MON_10))).fareFen).toBe(400); // 10.1 km
    expect(ok(quoteFare(P, who('standard'), exit('L1-07', 'L1-01', MON_10))).fareFen).toBe(500); // 14 km, either direction
    expect(ok(quoteFare(P, who('standard'), exit('L1-02', 'L1-02', MON_10))).fareFen).toBe(300); // same station
  });
  it('beyond the last band: +addFen for every started everyKm', () => {
    // 38.5 km: last band (32 km) 6.00 + ceil(6.5/20) × 1.00
    expect(ok(quoteFare(P, who('standard'), exit('L1-01', 'L1-08', MON_10))).fareFen).toBe(700);
  });
  it('zones: fare by the number of zones touched', () => {
    const q = ok(quoteFare(P, who('standard'), { ...exit('L1-01', 'L1-07', MON_10), profile: 'metro-zones' }));
    expect(q.fareFen).toBe(400); // zones 1..3
    expect(q.steps[0]!.note).toBe('3 zones');
  });
  it('refuses what it cannot price, with a reason', () => {
    expect(quoteFare(P, who(), { profile: 'nope', kind: 'single', atMs: MON_10 })).toMatchObject({ ok: false, reason: 'unknown-profile' });
    expect(quoteFare(P, who(), { profile: 'metro-l1', kind: 'single', atMs: MON_10 })).toMatchObject({ ok: false, reason: 'kind-not-allowed' });
    expect(quoteFare(P, who(), { profile: 'metro-l1', kind: 'exit', atMs: MON_10 })).toMatchObject({ ok: false, reason: 'station-required' });
    expect(quoteFare(P, who(), { profile: 'metro-l1', kind: 'exit', station: 'X', atMs: MON_10 })).toMatchObject({ ok: false, reason: 'unknown-station' });
  });
});

describe('concessions (卡码同权: by credential category)', () => {
  it('70+, disabled and veterans ride free', () => {
    for (const c of ['elderly-70', 'disabled', 'veteran']) {
      const q = ok(quoteFare(P, who(c), { profile: 'bus-26', kind: 'single', atMs: MON_08 }));
      expect(q).toMatchObject({ fareFen: 0, concession: 'free-70-disabled-veteran' });
    }
  });
  it('60–69 half price off-peak on weekdays, all day at weekends, full price at the weekday peak', () => {
    expect(ok(quoteFare(P, who('elderly'), { profile: 'bus-26', kind: 'single', atMs: MON_10 })).fareFen).toBe(100);
    expect(ok(quoteFare(P, who('elderly'), { profile: 'bus-26', kind: 'single', atMs: MON_08 })).fareFen).toBe(200);
    expect(ok(quoteFare(P, who('elderly'), { profile: 'bus-26', kind: 'single', atMs: SUN_08 })).fareFen).toBe(100);
  });
  it('a metro exit judges the time of day at entry', () => {
    // entered 08:50 (peak), exits 09:10: peak rules apply
    expect(ok(quoteFare(P, who('elderly'), exit('L1-01', 'L1-04', cst(2026, 11, 23, 9, 10), 20))).fareFen).toBe(300);
  });
  it('the best concession wins when several apply; rounding is half up to the fen', () => {
    const q = ok(quoteFare(P, who('student', 'disabled'), { profile: 'bus-26', kind: 'single', atMs: MON_10 }));
    expect(q.fareFen).toBe(0);
    // 7.00 × 50 % = 3.50
    expect(ok(quoteFare(P, who('student'), exit('L1-01', 'L1-08', MON_10))).fareFen).toBe(350);
  });
  it('the card and the e-code with the same categories pay the same (the engine never sees a card type)', () => {
    const card: Credential = { source: 'transit-card', holderToken: 'A'.repeat(26), categories: ['elderly'], hotlistKeys: [] };
    const code: Credential = { source: 'ecode', holderToken: 'A'.repeat(26), categories: ['elderly'], hotlistKeys: [] };
    const r: RideRequest = { profile: 'bus-26', kind: 'single', atMs: MON_10 };
    expect(quoteFare(P, card, r)).toEqual(quoteFare(P, code, r));
  });
});

describe('transfers, caps, penalties', () => {
  const bus = (atMs: number, line = 26, fen = 200): PastRide => ({ atMs, industry: 'bus', kind: 'single', line, fen });
  it('bus → metro within 90 minutes: 1.00 off', () => {
    const q = ok(quoteFare(P, who('standard'), exit('L1-01', 'L1-04', MON_10 + 30 * 60_000, 20), { rides: [bus(MON_10)] }));
    expect(q).toMatchObject({ fareFen: 200, transfer: 'transfer-90' });
  });
  it('no transfer after the window, nor on the same bus line', () => {
    expect(ok(quoteFare(P, who('standard'), { profile: 'bus-26', kind: 'single', atMs: MON_10 + 91 * 60_000 }, { rides: [bus(MON_10, 58, 100)] })).transfer).toBeUndefined();
    expect(ok(quoteFare(P, who('standard'), { profile: 'bus-26', kind: 'single', atMs: MON_10 + 10 * 60_000 }, { rides: [bus(MON_10, 26)] })).transfer).toBeUndefined();
    expect(ok(quoteFare(P, who('standard'), { profile: 'bus-26', kind: 'single', atMs: MON_10 + 10 * 60_000 }, { rides: [bus(MON_10, 58, 100)] })).transfer).toBe('transfer-90');
  });
  it('the entry of the trip being closed is not a "previous boarding"', () => {
    const atMs = MON_10;
    const entry: PastRide = { atMs: atMs - 20 * 60_000, industry: 'metro', kind: 'entry', line: 1, fen: 0 };
    expect(ok(quoteFare(P, who('standard'), exit('L1-01', 'L1-04', atMs, 20), { rides: [entry] })).transfer).toBeUndefined();
  });
  it('daily cap: pays only what is left under 15.00 today, then nothing', () => {
    const today = [bus(MON_10 - 3 * 3600_000, 58, 700), bus(MON_10 - 2 * 3600_000, 58, 700)];
    const q = ok(quoteFare(P, who('standard'), { profile: 'bus-26', kind: 'single', atMs: MON_10 }, { rides: today }));
    expect(q).toMatchObject({ fareFen: 100, cap: 'day-15' });
    expect(ok(quoteFare(P, who('standard'), { profile: 'bus-26', kind: 'single', atMs: MON_10 }, { rides: [], spentTodayFen: 1500 })).fareFen).toBe(0);
    // yesterday's rides do not count
    expect(ok(quoteFare(P, who('standard'), { profile: 'bus-26', kind: 'single', atMs: MON_10 }, { rides: [bus(MON_10 - 24 * 3600_000, 58, 1500)] })).fareFen).toBe(200);
  });
  it('monthly cap only for the categories it names', () => {
    expect(ok(quoteFare(P, who('student'), { profile: 'bus-26', kind: 'single', atMs: MON_10 }, { rides: [], spentThisMonthFen: 10_000 })).fareFen).toBe(0);
    expect(ok(quoteFare(P, who('standard'), { profile: 'bus-26', kind: 'single', atMs: MON_10 }, { rides: [], spentThisMonthFen: 10_000 })).fareFen).toBe(200);
  });
  it('missing entry: the highest fare from the exit station, not discounted', () => {
    const q = ok(quoteFare(P, who('elderly-70'), { profile: 'metro-l1', kind: 'exit', station: 'L1-04', atMs: MON_10 }));
    expect(q).toMatchObject({ fareFen: 700, penaltyFen: 700 }); // L1-04 → L1-08 is 33.5 km: 6.00 + 1.00 (1.5 km past 32)
  });
  it('an entry station this parameter set does not know counts as missing entry (fixed amount profile)', () => {
    const q = ok(quoteFare(P, who('standard'), { profile: 'metro-zones', kind: 'exit', station: 'L1-04', atMs: MON_10, entry: { station: undefined, atMs: MON_10 - 600_000 } }));
    expect(q).toMatchObject({ fareFen: 500, penaltyFen: 500 });
  });
  it('missing exit: charged at the next entry; overstay: added at exit', () => {
    expect(ok(quoteFare(P, who('standard'), { profile: 'metro-l1', kind: 'entry', station: 'L1-01', atMs: MON_10, openTrip: { atMs: MON_10 - 86_400_000 } }))).toMatchObject({ fareFen: 200, penaltyFen: 200 });
    expect(ok(quoteFare(P, who('standard'), { profile: 'metro-l1', kind: 'entry', station: 'L1-01', atMs: MON_10 })).fareFen).toBe(0);
    const q = ok(quoteFare(P, who('elderly-70'), exit('L1-01', 'L1-04', MON_10, 241)));
    expect(q).toMatchObject({ fareFen: 300, penaltyFen: 300, concession: 'free-70-disabled-veteran' });
  });
});

describe('properties', () => {
  const stations = Object.keys(P.stations);
  const cats = ['standard', 'elderly', 'elderly-70', 'student', 'child', 'veteran', 'disabled'];
  const rideArb = fc.record({
    from: fc.constantFrom(...stations),
    to: fc.constantFrom(...stations),
    atMs: fc.integer({ min: cst(2026, 1, 1, 0), max: cst(2026, 12, 31, 23) }),
    minutes: fc.integer({ min: 1, max: 400 }),
    cats: fc.subarray(cats),
    spent: fc.integer({ min: 0, max: 3000 }),
  });
  it('a fare is whole fen in [0, base + penalties]; a concession never raises it; caps hold', () => {
    fc.assert(
      fc.property(rideArb, (r) => {
        const req = exit(r.from, r.to, r.atMs, r.minutes);
        const q = ok(quoteFare(P, who(...r.cats), req, { rides: [], spentTodayFen: r.spent }));
        const plain = ok(quoteFare(P, who(), req));
        expect(Number.isSafeInteger(q.fareFen) && q.fareFen >= 0).toBe(true);
        expect(q.fareFen).toBeLessThanOrEqual(plain.fareFen);
        expect(q.fareFen - q.penaltyFen).toBeLessThanOrEqual(Math.max(0, 1500 - r.spent));
        expect(q.steps.reduce((s, x) => s + x.fen, 0)).toBe(q.fareFen);
      }),
      { numRuns: 400 },
    );
  });
  it('time windows: from = to is the whole day; windows past midnight belong to the day they start', () => {
    expect(inWindow({ from: '00:00', to: '00:00' }, MON_08)).toBe(true);
    const w = { days: [1], from: '22:00', to: '02:00' };
    expect(inWindow(w, cst(2026, 11, 23, 23))).toBe(true); // Monday 23:00
    expect(inWindow(w, cst(2026, 11, 24, 1))).toBe(true); // Tuesday 01:00, Monday's night
    expect(inWindow(w, cst(2026, 11, 23, 1))).toBe(false); // Monday 01:00 is Sunday's night
  });
  it('stationCodeOf maps card (line, station) numbers to codes', () => {
    expect(stationCodeOf(P, 1, 4)).toBe('L1-04');
    expect(stationCodeOf(P, 9, 9)).toBeUndefined();
  });
});
