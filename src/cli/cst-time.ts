import { cstParts } from '../core/clock';

/** "2026-11-22 16:30:05": an epoch-ms time as China Standard Time, for command output. */
export function cstTime(ms: number): string {
  const p = cstParts(ms);
  const z = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p.y}-${z(p.m)}-${z(p.d)} ${z(p.hh)}:${z(p.mm)}:${z(p.ss)}`;
}
