/**
 * A software stand-in for the social-security PSAM, for emulated cards only: computes the emulator's
 * EXTERNAL AUTHENTICATE cryptogram SM4-ECB(key, challenge ‖ 00×8) (see src/emulator/ssse-app.ts).
 * Real terminals authenticate with a PSAM holding per-card diversified keys; that format is unconfirmed.
 */
import { createCipheriv } from 'node:crypto';

export function testSsseAuthenticator(key: Uint8Array): (challenge: Uint8Array) => Uint8Array {
  if (key.length !== 16) throw new RangeError(`key: expected Uint8Array of length 16, got length=${key.length}`);
  return (challenge) => {
    const block = new Uint8Array(16);
    block.set(challenge.subarray(0, 8));
    const c = createCipheriv('sm4-ecb', key, null).setAutoPadding(false);
    return new Uint8Array(Buffer.concat([c.update(block), c.final()]));
  };
}
