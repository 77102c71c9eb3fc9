import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfigSection } from './config-section';
import { ConfigError } from './errors';

describe('parseConfigSection', () => {
  const schema = z.object({ limits: z.object({ maxCount: z.number().int().min(0).default(10) }).prefault({}) });
  it('returns the parsed section with defaults', () => {
    expect(parseConfigSection(schema, {}, 'journal')).toEqual({ limits: { maxCount: 10 } });
  });
  it('names an unknown key itself', () => {
    expect(() => parseConfigSection(schema.strict(), { bogus: 1 }, 'journal')).toThrow(expect.objectContaining({ field: 'journal.bogus' }));
  });
  it('names the field under the section and says why', () => {
    try {
      parseConfigSection(schema, { limits: { maxCount: -1 } }, 'journal');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).field).toBe('journal.limits.maxCount');
      expect((e as ConfigError).why).toMatch(/>=0/);
    }
  });
});
