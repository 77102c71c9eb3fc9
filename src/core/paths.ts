/**
 * Where the project's files are, whether running from sources (tsx, vitest) or from the bundle in dist/.
 * Walks up from this module to the package.json named "yikatong".
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function projectRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if (JSON.parse(readFileSync(pj, 'utf8')).name === 'yikatong') return (root = dir);
      } catch {
        /* keep looking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the yikatong project root (package.json) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export const fixturesDir = (...parts: string[]): string => join(process.env.YKT_FIXTURES_DIR ?? join(projectRoot(), 'fixtures'), ...parts);
