// A cached certificate check never lets a bad code through (docs/ecode.md §6).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { base45Decode } from './base45';
import { CERT_LENGTH } from './format';
import { codeText, makeCode, newKeyPair } from './issue';
import { encodeRevocations, serialRevocationHash } from './revocations';
import { makeWorld, T0 } from './test-world';

describe('certificate cache', () => {
  it('hits for the second code of a phone and is cleared by a new trust list', () => {
    const w = makeWorld();
    const v = w.verifier();
    const p = w.phone();
    const cold = v.verify(p.code(), { profile: 'gate' });
    expect(cold.info?.certCached).toBe(false);
    const warm = v.verify(p.code(), { profile: 'gate' });
    expect(warm.info?.certCached).toBe(true);
    expect(v.certCache.size).toBe(1);
    // What the certificate determines is the same from the cache, and no result shares it with the next.
    const certPart = (i: Record<string, unknown> | undefined) => ({ ...i, counter: 0, timestamp: '', certCached: false });
    expect(certPart(warm.info)).toEqual(certPart(cold.info));
    expect(warm.credential).toEqual(cold.credential);
    warm.credential!.categories.push('veteran');
    warm.credential!.hotlistKeys.length = 0;
    expect(v.verify(p.code(), { profile: 'gate' }).credential).toEqual(cold.credential);
    v.installTrustList(w.trustList({ version: 2 }));
    expect(v.certCache.size).toBe(0);
    expect(v.verify(p.code(), { profile: 'gate' }).info?.certCached).toBe(false);
  });

  it('still runs every per-code check on a cached certificate', () => {
    const w = makeWorld();
    const v = w.verifier();
    const p = w.phone({ validToMs: T0 + 600_000 });
    expect(v.verify(p.code(), { profile: 'gate' }).outcome).toBe('valid'); // warm the cache
    // Phone signature: another device's signature over the cached certificate.
    const thief = newKeyPair();
    expect(v.verify(makeCode({ cert: p.cert, devicePrivateKey: thief.privateKey, timestampMs: T0, counter: 50, scope: 'transit' }), { profile: 'gate' }).reason).toBe('bad-code-signature');
    // Scope, replay, time.
    expect(v.verify(p.code({ scope: 'medical' }), { profile: 'gate' }).reason).toBe('wrong-scope');
    const c = p.code();
    v.verify(c, { profile: 'gate' });
    expect(v.verify(c, { profile: 'gate' }).reason).toBe('replayed');
    expect(v.verify(p.code({ timestampMs: T0 - 200_000 }), { profile: 'gate' }).reason).toBe('code-expired');
    // Revocation after caching.
    v.applyRevocations(encodeRevocations({ version: 2, baseVersion: 1, issuedAtMs: T0, add: [{ kind: 'serial', hash: serialRevocationHash(p.cert.subarray(9, 17)), expiresAtMs: T0 + 86_400_000 }], remove: [] }));
    expect(v.verify(p.code(), { profile: 'gate' }).reason).toBe('revoked');
    // Certificate expiry after caching.
    const q = w.phone({ validToMs: T0 + 60_000 });
    expect(v.verify(q.code(), { profile: 'gate' }).outcome).toBe('valid');
    w.clock.advance(120_000);
    expect(v.verify(q.code(), { profile: 'gate' }).reason).toBe('certificate-expired');
  });

  it('never accepts a code whose certificate differs from a cached one in any bit (property)', () => {
    const w = makeWorld();
    const v = w.verifier();
    const p = w.phone();
    expect(v.verify(p.code(), { profile: 'gate' }).outcome).toBe('valid');
    const base = base45Decode(p.code().slice(5));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: CERT_LENGTH - 1 }), fc.integer({ min: 1, max: 255 }), (i, mask) => {
        const b = base.slice();
        b[i]! ^= mask;
        const r = v.verify(codeText(b), { profile: 'gate' });
        expect(r.outcome).not.toBe('valid');
        expect(r.decision.outcome).not.toBe('approved');
      }),
      { numRuns: 1500 },
    );
    // The legitimate phone still works afterwards: the cache was not poisoned.
    expect(v.verify(p.code(), { profile: 'gate' }).outcome).toBe('valid');
  });
});
