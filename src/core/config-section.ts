/**
 * Parse one config section with its zod schema; an invalid section is a ConfigError naming the field
 * ("journal.offline.maxCount") and why. Every module's `parseXConfig` goes through here.
 */
import type { z } from 'zod';
import { ConfigError } from './errors';

export function parseConfigSection<S extends z.ZodType>(schema: S, input: unknown, section: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  // An unknown key is reported on its parent object: name the key itself.
  const path = i.code === 'unrecognized_keys' && i.keys.length === 1 ? [...i.path, i.keys[0]!] : i.path;
  throw new ConfigError([section, ...path.map(String)].filter(Boolean).join('.'), i.message);
}
