/**
 * Test helpers for the transit profiles: a clock set to a chosen CST moment that runs in real time
 * (the whole Terminal and the local world run on it; tests move it forward, never sleep), cards with
 * the social security application and the T-Union e-purse on one chip, and the e-purse inside a card.
 */
import { readFileSync } from 'node:fs';
import type { Clock } from '../../../core/clock';
import { fixturesDir } from '../../../core/paths';
import { buildCard } from '../../../emulator/card-fixture';
import type { DfNode } from '../../../emulator/fs';
import type { Iso7816Card } from '../../../emulator/iso7816-card';
import { EpPurseApp } from '../../../emulator/transit/ep-app';

/** Wall time starts at `startMs` and runs; the test moves it forward with advance(). */
export class TestClock implements Clock {
  private readonly t0 = performance.now();
  private offset = 0;
  constructor(private readonly startMs: number) {}
  now(): number {
    return Math.floor(this.startMs + (performance.now() - this.t0) + this.offset);
  }
  monotonic(): number {
    return performance.now() + this.offset;
  }
  advance(ms: number): void {
    if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`expected whole ms >= 0, got ${ms}`);
    this.offset += ms;
  }
}

/** Epoch ms of a CST wall time "2026-11-25T10:00". */
export const cst = (local: string): number => Date.parse(`${local}:00+08:00`);

/** Card identification code of the Zhengzhou test holder (fixtures/cards/ssc-3rd-zhengzhou*.json). */
export const ZHENGZHOU_CARD_ID = '410100D1560000050000000000001001';
/** T-Union serials of the fixtures (for the hotlist). */
export const SERIAL = { adult: '31049100000000001001', zhengzhouFull: '31049100000000001002' } as const;

/**
 * The Zhengzhou third-generation card (SSSE + UnionPay + T-Union on one chip) with the e-purse's card
 * category and balance changed (fixture: category 04 elderly-70, 10.00). A fresh card each call.
 */
export function zhengzhouTransitCard(o: { category?: number; balanceFen?: number } = {}): Iso7816Card {
  const f = JSON.parse(readFileSync(fixturesDir('cards', 'ssc-3rd-zhengzhou-full.json'), 'utf8')) as { sections: { transit: { management: { cardCategory: number }; purse: { balanceFen: number } } } };
  if (o.category !== undefined) f.sections.transit.management.cardCategory = o.category;
  if (o.balanceFen !== undefined) f.sections.transit.purse.balanceFen = o.balanceFen;
  return buildCard(f);
}

/** The e-purse application inside a built card (balance, EP sequence, debits). */
export function purseOf(card: Iso7816Card): EpPurseApp {
  const walk = (d: DfNode): EpPurseApp | undefined => {
    if (d.app instanceof EpPurseApp) return d.app;
    for (const c of d.children) {
      if (c.kind !== 'df') continue;
      const f = walk(c);
      if (f) return f;
    }
    return undefined;
  };
  const p = walk(card.mf);
  if (!p) throw new Error(`card ${card.label} has no transport e-purse`);
  return p;
}
