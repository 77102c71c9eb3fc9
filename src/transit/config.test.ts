/** The transit config section: defaults, lookups, and errors that name the field. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors';
import { algorithmOf, categoriesOf, defaultTransitConfig, parseTransitConfig } from './config';

describe('transit config', () => {
  it('has defaults for everything, with the unconfirmed tables as settings', () => {
    expect(defaultTransitConfig).toMatchObject({ aid: 'A000000632010105', tornWindowSeconds: 120, mac2UnverifiedPolicy: 'approve', diversificationFactors: ['card-serial', 'issuer'] });
    expect(categoriesOf(defaultTransitConfig, 0x04)).toEqual(['elderly-70']);
    expect(categoriesOf(defaultTransitConfig, 0x99)).toBeUndefined();
    expect(algorithmOf(defaultTransitConfig, 0x04)).toBe('sm4');
    expect(algorithmOf(parseTransitConfig({ algorithmIds: { '0a': 'sm4' } }), 0x0a)).toBe('sm4');
  });
  it('names the bad field', () => {
    const bad = (input: unknown, field: RegExp) => {
      let e: unknown;
      try {
        parseTransitConfig(input);
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).field).toMatch(field);
    };
    bad({ localCity: '49100' }, /^transit\.localCity$/);
    bad({ tornWindowSeconds: 1 }, /^transit\.tornWindowSeconds$/);
    bad({ categoryMap: { '4': ['x'] } }, /^transit\.categoryMap/);
    bad({ algorithmIds: { '00': 'aes' } }, /^transit\.algorithmIds\.00$/);
    bad({ acceptance: { issuers: ['12'] } }, /^transit\.acceptance\.issuers\.0$/);
    bad({ nonsense: true }, /^transit\./);
  });
});
