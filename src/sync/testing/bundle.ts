/**
 * Bundle a TypeScript entry point into one ESM file for child processes in stack tests: `node
 * bundle.mjs` starts in ≈ 0.1 s where `npx tsx` takes ≈ 0.9 s, which matters when a test restarts a
 * killed process a dozen times. The one bundler of the stack tests (sync, firmware, downloads) and
 * bench/sync.ts. Packages stay external (resolved from the project's node_modules), so the bundle is
 * written under <project>/.var/bundles.
 */
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { projectRoot } from '../../core/paths';

export async function bundleEntry(entry: string, name = basename(entry).replace(/\.ts$/, '')): Promise<string> {
  const dir = join(projectRoot(), '.var', 'bundles');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${name}-${process.pid}.mjs`);
  await build({ entryPoints: [join(projectRoot(), entry)], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'error' });
  return outfile;
}
