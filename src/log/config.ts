/**
 * The `log` config section. The integrator composes it into the terminal's config file;
 * `parseLogConfig` names the field and the reason on bad input.
 */
import { z } from 'zod';
import { parseConfigSection } from '../core/config-section';
import { LOG_LEVELS } from './logger';

const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'a field name: letters, digits, _ or -');

export const logConfigSchema = z
  .object({
    /** Lowest level written: debug, info (default), warn, error. */
    level: z.enum(LOG_LEVELS).default('info'),
    /** Where lines go: stdout (default, for journald/systemd) or stderr. */
    output: z.enum(['stdout', 'stderr']).default('stdout'),
    /** Extra field names always dropped, on top of the built-in personal-data deny list. */
    denyFields: z.array(fieldName).max(200).default([]),
    /** Strict mode: only these top-level field names are written (unset = all but denied ones). */
    allowFields: z.array(fieldName).max(500).optional(),
    /** Longest string value written, characters. */
    maxStringChars: z.number().int().min(64).max(100_000).default(2000),
  })
  .prefault({});

export type LogConfig = z.infer<typeof logConfigSchema>;

export const logConfigDefaults: LogConfig = logConfigSchema.parse(undefined);

export function parseLogConfig(input: unknown, section = 'log'): LogConfig {
  return parseConfigSection(logConfigSchema, input, section);
}
