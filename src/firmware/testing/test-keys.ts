/**
 * TEST KEYS — NOT FOR PRODUCTION. Deterministic Ed25519 keys derived from public strings, so tests
 * and the sample images (firmware-images/) need no committed key files. Anyone can recompute them:
 * a terminal must never pin a root made of these keys.
 */
import { createHash } from 'node:crypto';
import { keyPairFromSeed, type KeyPair } from '../keys';

export const TEST_KEY_MARK = 'YKT FIRMWARE TEST KEY - NOT FOR PRODUCTION';

export function testKey(name: string): KeyPair {
  const seed = new Uint8Array(createHash('sha256').update(`${TEST_KEY_MARK}: ${name}`).digest());
  return keyPairFromSeed(seed, `${TEST_KEY_MARK} (${name})`);
}
