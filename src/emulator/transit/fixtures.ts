/**
 * Loading the transit fixtures by name (fixtures/transit/{cards,psam,fares}/<name>.json) or by path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fixturesDir } from '../../core/paths';
import { ConfigError } from '../../core/errors';
import { parseFareParameters, type FareParameters } from '../../fares/params';
import { buildPsam, type EmulatedPsam } from './psam-card';
import { buildTransitCard, type EmulatedTransitCard } from './transit-card';

/** A name ("tunion-adult") in fixtures/transit/<kind>/, or a path to a JSON file. */
export function transitFixturePath(kind: 'cards' | 'psam' | 'fares', nameOrPath: string): string {
  if (nameOrPath.includes('/') || nameOrPath.endsWith('.json')) return nameOrPath;
  return fixturesDir('transit', kind, `${nameOrPath}.json`);
}

export function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new ConfigError(what, `file not found: ${path}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(what, `${path}: not valid JSON (${(e as Error).message})`);
  }
}

export const loadTransitCard = (name: string, opts: { random?: (n: number) => Uint8Array } = {}): EmulatedTransitCard =>
  buildTransitCard(readJson(transitFixturePath('cards', name), 'card fixture'), opts);

export const loadPsam = (name: string): EmulatedPsam => buildPsam(readJson(transitFixturePath('psam', name), 'PSAM fixture'));

export const loadFares = (name: string): FareParameters => parseFareParameters(readJson(transitFixturePath('fares', name), 'fare parameters'));
