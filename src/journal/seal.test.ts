import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { seal, unseal, UnsealError } from './seal';

const key = new Uint8Array(randomBytes(32));

describe('seal (AES-256-GCM)', () => {
  it('round-trips and binds to terminal and sequence number', () => {
    const blob = seal(key, 'T1', 7n, { name: '李四' });
    expect(unseal(key, 'T1', 7n, blob)).toEqual({ name: '李四' });
    expect(() => unseal(key, 'T1', 8n, blob)).toThrow(UnsealError);
    expect(() => unseal(key, 'T2', 7n, blob)).toThrow(UnsealError);
    const flipped = blob.slice();
    flipped[flipped.length - 1]! ^= 1;
    expect(() => unseal(key, 'T1', 7n, flipped)).toThrow(/authentication failed/);
    expect(() => unseal(key, 'T1', 7n, blob.subarray(0, 10))).toThrow(/too short/);
    expect(() => seal(new Uint8Array(16), 'T1', 1n, {})).toThrow(/length 32/);
  });
});
