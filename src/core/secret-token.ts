/**
 * Bearer tokens (maintenance page, operator API, backend admin API) are compared as SHA-256 digests
 * with timingSafeEqual: equal lengths whatever is sent, so the comparison reveals nothing about the
 * token, not even its length. The expected token's digest is made once.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function tokenMatcher(expected: string): (given: string | undefined) => boolean {
  const want = digest(expected);
  return (given) => given !== undefined && timingSafeEqual(digest(given), want);
}
