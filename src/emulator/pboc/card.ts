/**
 * Builds the UnionPay application's DFs for a card fixture's "pboc" section: the PPSE and PSE
 * directories and the application DF (records by SFI, the cyclic log, GET DATA objects, the app's own
 * commands). `registerPbocCardSection()` plugs it into src/emulator/card-fixture.ts so any fixture with
 * a "pboc" section — alone or beside "ssse" on one chip — builds.
 */
import { fixturesDir } from '../../core/paths';
import { loadCardFixture, registerCardSection } from '../card-fixture';
import type { DfNode } from '../fs';
import type { Iso7816Card } from '../iso7816-card';
import { PbocApp } from './pboc-app';

export { buildPbocDfs } from './build';
import { buildPbocDfs } from './build';

let registered = false;

/** Make "pboc" sections buildable by card-fixture.ts (idempotent). */
export function registerPbocCardSection(): void {
  if (registered) return;
  registered = true;
  registerCardSection('pboc', (section) => buildPbocDfs(section).dfs);
}

/** A PBOC card fixture from fixtures/pboc/cards (or another directory). */
export function loadPbocCard(name: string, dir = fixturesDir('pboc', 'cards')): Iso7816Card {
  registerPbocCardSection();
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
