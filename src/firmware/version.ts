/**
 * Image versions: MAJOR.MINOR.PATCH, each a decimal integer without leading zeros (semver 2.0 core,
 * no pre-release or build suffix: an ordering everyone computes the same way). Versions never
 * decrease on a terminal (anti-rollback, TUF §5.4/Uptane "version of the image must be greater").
 */
import { FirmwareError } from './errors';

export const VERSION_RE = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;

export function parseVersion(v: string): [number, number, number] {
  const m = VERSION_RE.exec(v);
  if (!m) throw new FirmwareError('malformed', `version ${JSON.stringify(v)}: expected MAJOR.MINOR.PATCH (e.g. 1.4.0)`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** < 0 if a < b, 0 if equal, > 0 if a > b. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}
