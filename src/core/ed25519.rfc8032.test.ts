// SOURCE: RFC 8032 §7.1, TEST 1 and TEST 2 (Ed25519).
import { describe, expect, it } from 'vitest';
import { ed25519KeyId, ed25519PublicKey, ed25519Sign, ed25519Verify, generateEd25519 } from './ed25519';

const h = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

const VECTORS = [
  {
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
];

describe('Ed25519 (RFC 8032 §7.1)', () => {
  for (const [i, v] of VECTORS.entries()) {
    it(`TEST ${i + 1}: public key, signature, verification`, () => {
      expect(Buffer.from(ed25519PublicKey(h(v.secret))).toString('hex')).toBe(v.public);
      expect(Buffer.from(ed25519Sign(h(v.secret), h(v.message))).toString('hex')).toBe(v.signature);
      expect(ed25519Verify(h(v.public), h(v.message), h(v.signature))).toBe(true);
    });
  }

  it('returns false for a bad signature, a changed message or a non-point key; throws only on misuse', () => {
    const v = VECTORS[1]!;
    const sig = h(v.signature);
    sig[0]! ^= 1;
    expect(ed25519Verify(h(v.public), h(v.message), sig)).toBe(false);
    expect(ed25519Verify(h(v.public), h('73'), h(v.signature))).toBe(false);
    expect(ed25519Verify(new Uint8Array(32).fill(0xff), h(v.message), h(v.signature))).toBe(false);
    expect(() => ed25519Verify(h(v.public), h(v.message), new Uint8Array(63))).toThrow('signature: expected Uint8Array of length 64, got length=63');
    expect(() => ed25519Sign(new Uint8Array(31), new Uint8Array(0))).toThrow(/length 32/);
  });

  it('generated keys sign and verify; key ids are stable 16-hex-digit prefixes', () => {
    const k = generateEd25519();
    const m = new TextEncoder().encode('一卡通');
    expect(ed25519Verify(k.publicKey, m, ed25519Sign(k.privateKey, m))).toBe(true);
    expect(ed25519KeyId(k.publicKey)).toMatch(/^[0-9a-f]{16}$/);
    expect(ed25519KeyId(k.publicKey)).toBe(ed25519KeyId(k.publicKey.slice()));
  });
});
