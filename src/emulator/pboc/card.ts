/**
 * Loading the emulated UnionPay cards of fixtures/pboc/cards, and reaching the PbocApp inside a card
 * (tests and benches inspect and top up its balance, ATC and log). src/emulator/card-fixture.ts builds
 * "pboc" sections itself (build.ts), alone or beside "ssse" on one chip.
 */
import { fixturesDir } from '../../core/paths';
import { loadCardFixture, registerCardSection } from '../card-fixture';
import type { DfNode } from '../fs';
import type { Iso7816Card } from '../iso7816-card';
import { buildPbocDfs } from './build';
import { PbocApp } from './pboc-app';

let registered = false;

/**
 * Redundant since card-fixture.ts registers "pboc" itself; kept only for src/cli/commands/pay.ts,
 * which still calls it (idempotent).
 */
export function registerPbocCardSection(): void {
  if (registered) return;
  registered = true;
  registerCardSection('pboc', (section) => buildPbocDfs(section).dfs);
}

/** A PBOC card fixture from fixtures/pboc/cards (or another directory). */
export function loadPbocCard(name: string, dir = fixturesDir('pboc', 'cards')): Iso7816Card {
  return loadCardFixture(name, dir);
}

/** The PbocApp inside a built card (for tests that inspect balance, ATC and log). */
export function pbocAppOf(card: Iso7816Card): PbocApp | undefined {
  const walk = (d: DfNode): PbocApp | undefined => {
    if (d.app instanceof PbocApp) return d.app;
    for (const c of d.children) if (c.kind === 'df') {
      const f = walk(c);
      if (f) return f;
    }
    return undefined;
  };
  return walk(card.mf);
}
