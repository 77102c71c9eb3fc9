/**
 * Subsidy roster: { "<holder token>": ["elderly-70", …] }, written by the canteen's management system
 * (who is entitled to which subsidy) and re-read when the file changes. Holder tokens, never names or
 * ID numbers. A missing file is an empty roster; an unreadable one keeps the last good roster and says
 * why once.
 */
import { readFileSync, statSync } from 'node:fs';
import type { EntitlementCategory } from '../../../core/credential';
import type { Logger } from '../../../log/logger';
import { TOKEN_PATTERN } from '../../../journal';

export type Roster = (holderToken: string) => EntitlementCategory[];

const MAX_BYTES = 64 << 20;

export function parseRoster(text: string): Map<string, EntitlementCategory[]> {
  const json = JSON.parse(text) as unknown;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('expected an object { "<holder token>": ["category", …] }');
  const out = new Map<string, EntitlementCategory[]>();
  for (const [token, cats] of Object.entries(json as Record<string, unknown>)) {
    if (!TOKEN_PATTERN.test(token)) throw new Error(`key "${token.slice(0, 32)}": expected a holder token (26 characters A–Z, 2–7)`);
    if (!Array.isArray(cats) || cats.some((c) => typeof c !== 'string' || c.length === 0 || c.length > 32)) throw new Error(`${token}: expected an array of category names`);
    out.set(token, cats as string[]);
  }
  return out;
}

export function fileRoster(path: string | undefined, log?: Logger): Roster {
  let cache = new Map<string, EntitlementCategory[]>();
  let mtime = -1;
  let size = -1;
  return (holder) => {
    if (!path) return [];
    try {
      const st = statSync(path);
      if (st.mtimeMs !== mtime || st.size !== size) {
        mtime = st.mtimeMs;
        size = st.size;
        if (st.size > MAX_BYTES) throw new Error(`larger than ${MAX_BYTES} bytes`);
        cache = parseRoster(readFileSync(path, 'utf8'));
      }
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') {
        cache = new Map();
        mtime = size = -1;
      } else log?.warn('subsidy roster unreadable: keeping the last good one', { path, error: err.message });
    }
    return cache.get(holder) ?? [];
  };
}
