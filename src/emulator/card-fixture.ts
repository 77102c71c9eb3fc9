/**
 * Emulated cards personalised from JSON fixtures (fixtures/cards/*.json). One card is one chip: the
 * fixture's sections (ssse, and those other modules register: pboc, transit…) each add their
 * application DFs under the same MF, as on a third-generation social security card.
 *
 *   { "label", "note", "atr", "protocol": "T0"|"T1", "sections": { "ssse": {...}, ... } }
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fromHex } from '../../apdu/hex';
import { parseConfigSection } from '../core/config-section';
import { ConfigError } from '../core/errors';
import { fixturesDir } from '../core/paths';
import { df, type DfNode } from './fs';
import { Iso7816Card } from './iso7816-card';
import { buildSsseDf, ssseSectionSchema } from './ssse-app';
import { transitFixtureSection } from './transit/transit-card';
import { buildPbocDfs } from './pboc/build';

export const cardFixtureSchema = z.object({
  label: z.string().min(1),
  note: z.string().optional(),
  atr: z.string().regex(/^([0-9A-Fa-f]{2}){2,33}$/, 'expected an ATR of 2..33 bytes in hex'),
  protocol: z.enum(['T0', 'T1']).default('T1'),
  sections: z.record(z.string(), z.unknown()),
});

export type CardFixture = z.infer<typeof cardFixtureSchema>;

/** A section builder turns its part of the fixture into application DFs under the MF. */
export type SectionBuilder = (section: unknown, ctx: { label: string }) => DfNode[];

const builders = new Map<string, SectionBuilder>([
  ['ssse', (s) => [buildSsseDf(ssseSectionSchema.parse(s))]],
  ['transit', transitFixtureSection],
  ['pboc', (s) => buildPbocDfs(s).dfs],
]);

/** Modules that emulate other applications register their section here (pboc, transit…). */
export function registerCardSection(name: string, builder: SectionBuilder): void {
  builders.set(name, builder);
}

export function buildCard(fixture: unknown, opts: { random?: (n: number) => Uint8Array } = {}): Iso7816Card {
  const f = parseConfigSection(cardFixtureSchema, fixture, 'card fixture');
  const mf = df({ fid: 0x3f00, children: [] });
  for (const [name, section] of Object.entries(f.sections)) {
    const b = builders.get(name);
    if (!b) throw new ConfigError(`card fixture ${f.label}: sections.${name}`, `no emulator registered for section "${name}" (known: ${[...builders.keys()].join(', ')})`);
    try {
      mf.children.push(...b(section, { label: f.label }));
    } catch (e) {
      if (e instanceof z.ZodError) {
        const i = e.issues[0]!;
        throw new ConfigError(`card fixture ${f.label}: sections.${name}.${i.path.join('.')}`, i.message);
      }
      throw e;
    }
  }
  return new Iso7816Card({ label: f.label, atr: fromHex(f.atr), protocol: f.protocol, mf, random: opts.random });
}

/** fixtures/cards of the project (or of $YKT_FIXTURES_DIR). */
export function cardFixturesDir(): string {
  return fixturesDir('cards');
}

export function loadCardFixture(name: string, dir = cardFixturesDir()): Iso7816Card {
  const file = join(dir, name.endsWith('.json') ? name : `${name}.json`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`card fixture ${file}`, e instanceof Error ? e.message : String(e));
  }
  return buildCard(json);
}
