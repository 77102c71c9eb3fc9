/** The fare parameter file: the demo file validates; each kind of mistake is refused with its path. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../core/paths';
import { ConfigError } from '../core/errors';
import { MAX_FARE_FILE_BYTES, parseFareParameters, validateFareParameterSet } from './params';

const demoText = readFileSync(fixturesDir('transit', 'fares', 'demo-city.json'), 'utf8');
const demo = () => JSON.parse(demoText);

describe('fare parameter file', () => {
  it('the demo file is valid and defaults are filled in', () => {
    const p = parseFareParameters(demo());
    expect(p.version).toBe('demo-2026-11.1');
    expect(p.currency).toBe('CNY');
    const bus = p.profiles['bus-26']!;
    expect(bus.mode === 'flat' && bus.penalties.missingEntry).toBe('max-fare');
  });

  it('the artefact validator takes bytes (as src/downloads hands them over)', () => {
    const p = validateFareParameterSet(new TextEncoder().encode(demoText));
    expect(Object.keys(p.profiles)).toContain('metro-l1');
    expect(() => validateFareParameterSet(Uint8Array.of(0xff, 0xfe))).toThrow(/not UTF-8 JSON/);
    expect(() => validateFareParameterSet(new TextEncoder().encode('{"format":'))).toThrow(/not UTF-8 JSON/);
    expect(() => validateFareParameterSet(new Uint8Array(MAX_FARE_FILE_BYTES + 1))).toThrow(/at most/);
  });

  const refuse = (mutate: (p: ReturnType<typeof demo>) => void, message: RegExp) => {
    const p = demo();
    mutate(p);
    let err: unknown;
    try {
      parseFareParameters(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
  };

  it('refuses money that is not whole fen', () => refuse((p) => (p.profiles['bus-26'].fareFen = 2.5), /profiles\.bus-26\.fareFen: expected whole fen/));
  it('refuses an unknown format', () => refuse((p) => (p.format = 'ykt-fares/9'), /format/));
  it('refuses bands out of order', () => refuse((p) => (p.profiles['metro-l1'].bands[1].upToKm = 5), /bands\.1\.upToKm: bands must be in ascending/));
  it('refuses a station without km under a distance profile', () => refuse((p) => delete p.stations['L1-03'].km, /stations\.L1-03\.km: distance profile/));
  it('refuses two codes for one (line, station)', () => refuse((p) => (p.stations['L1-03'].station = 2), /is also station/));
  it('refuses a concession naming an unknown profile', () => refuse((p) => (p.concessions[0].profiles = ['bus-99']), /concessions\.0\.profiles\.0: unknown profile "bus-99"/));
  it('refuses a pay-percent concession without its percentage', () => refuse((p) => delete p.concessions[1].payPercent, /concessions\.1\.payPercent/));
  it('refuses a bad time of day', () => refuse((p) => (p.concessions[1].times[0].from = '24:00'), /HH:MM/));
  it('refuses unknown fields (typos must not pass silently)', () => refuse((p) => (p.profiles['bus-26'].fare = 100), /Unrecognized key|unrecognized/i));
  it('refuses duplicate concession ids', () => refuse((p) => (p.concessions[1].id = p.concessions[0].id), /duplicate id/));
});
