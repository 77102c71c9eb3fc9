/**
 * The image carries package.json and package-lock.json, not node_modules (native modules are built
 * for the device, and most updates do not change dependencies). Before a slot may be switched to,
 * its locked dependencies must be present. Two ways, chosen in config (`firmware.sharedNodeModules`,
 * `firmware.dependencyCommand`):
 *
 * - shared: a node_modules directory installed with the OS image or a separate package. Every
 *   non-dev package of the slot's package-lock.json must be in it at the locked version and integrity
 *   (read from npm's hidden lockfile node_modules/.package-lock.json, which npm ≥ 7 writes for the
 *   tree it installed); then <slot>/node_modules is made a symlink to it. A mismatch refuses the
 *   update before the switch: "install the new dependencies first".
 * - command: run e.g. `npm ci --omit=dev --offline` in the slot (from a local cache).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonBounded } from './canonical-json';
import { FirmwareError } from './errors';
import { atomicSymlink } from './fsutil';

interface LockEntry {
  version?: string;
  integrity?: string;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
}

function packagesOf(bytes: Uint8Array, what: string): Record<string, LockEntry> {
  const j = parseJsonBounded(bytes, 64 * 1024 * 1024, what) as { lockfileVersion?: unknown; packages?: unknown };
  if (typeof j !== 'object' || j === null || typeof j.packages !== 'object' || j.packages === null) {
    throw new FirmwareError('manifest', `${what}: no "packages" map (lockfileVersion 2 or 3 required)`);
  }
  return j.packages as Record<string, LockEntry>;
}

/** Which runtime dependencies of `lockBytes` are missing or different in `nodeModulesDir`. */
export function missingDependencies(lockBytes: Uint8Array, nodeModulesDir: string): string[] {
  const want = packagesOf(lockBytes, 'package-lock.json');
  let have: Record<string, LockEntry>;
  try {
    have = packagesOf(new Uint8Array(readFileSync(join(nodeModulesDir, '.package-lock.json'))), `${nodeModulesDir}/.package-lock.json`);
  } catch (e) {
    if (e instanceof FirmwareError) throw e;
    throw new FirmwareError('manifest', `cannot read ${nodeModulesDir}/.package-lock.json (${(e as Error).message}): is it an npm-installed node_modules?`);
  }
  const missing: string[] = [];
  for (const [path, w] of Object.entries(want)) {
    if (!path.startsWith('node_modules/') || w.dev || w.devOptional) continue;
    const h = have[path];
    if (!h) {
      if (!w.optional) missing.push(`${path.slice(13)}@${w.version ?? '?'} (absent)`);
      continue;
    }
    if (h.version !== w.version || (w.integrity && h.integrity && h.integrity !== w.integrity)) missing.push(`${path.slice(13)}@${w.version} (installed ${h.version})`);
  }
  return missing;
}

/** Check the shared node_modules against the slot's lock, then link it into the slot. */
export function linkSharedDependencies(slot: string, nodeModulesDir: string): void {
  const missing = missingDependencies(new Uint8Array(readFileSync(join(slot, 'package-lock.json'))), nodeModulesDir);
  if (missing.length) {
    throw new FirmwareError('manifest', `the image locks dependencies that ${nodeModulesDir} does not hold: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} — install them first`);
  }
  atomicSymlink(nodeModulesDir, join(slot, 'node_modules'));
}
