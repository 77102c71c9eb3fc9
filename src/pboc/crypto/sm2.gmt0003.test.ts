/** SM2/SM3/SM4 against the standards' worked examples (fixtures/pboc/vectors/sm2-gmt0003.json, SOURCE there). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../apdu/hex';
import { fixturesDir } from '../../core/paths';
import { sm3 } from './hash';
import { SM2P256V1, bigToBytes32, sm2Curve, sm2Digest, sm2GenerateKey, sm2PublicKey, sm2Sign, sm2Verify, type Sm2Curve } from './sm2';
import { sm4Encrypt } from './symmetric';

interface Example {
  name: string;
  curve: 'sm2p256v1' | Record<'p' | 'a' | 'b' | 'n' | 'Gx' | 'Gy', string>;
  userId: string;
  message: string;
  privateKey: string;
  publicKey: string;
  e?: string;
  k: string;
  r: string;
  s: string;
}

const vectors = JSON.parse(readFileSync(fixturesDir('pboc', 'vectors', 'sm2-gmt0003.json'), 'utf8')) as {
  examples: Example[];
  sm3: Record<string, string>;
  sm4: { key: string; plain: string; cipher: string };
};
const big = (s: string) => BigInt('0x' + s);
const curveOf = (ex: Example): Sm2Curve =>
  ex.curve === 'sm2p256v1'
    ? SM2P256V1
    : sm2Curve('example', { p: big(ex.curve.p), a: big(ex.curve.a), b: big(ex.curve.b), n: big(ex.curve.n), Gx: big(ex.curve.Gx), Gy: big(ex.curve.Gy) });
const msg = (s: string) => new TextEncoder().encode(s);

describe('SM2 (GM/T 0003) worked examples', () => {
  for (const ex of vectors.examples) {
    const curve = curveOf(ex);
    const opts = { curve, userId: ex.userId };
    it(`${ex.name}: public key from private key`, () => {
      expect(toHex(sm2PublicKey(fromHex(ex.privateKey), curve))).toBe(ex.publicKey);
    });
    if (ex.e) {
      it(`${ex.name}: digest e = SM3(ZA ‖ M)`, () => {
        expect(toHex(bigToBytes32(sm2Digest(fromHex(ex.publicKey), msg(ex.message), opts)))).toBe(ex.e);
      });
    }
    it(`${ex.name}: signature with the standard's nonce`, () => {
      const sig = sm2Sign(fromHex(ex.privateKey), msg(ex.message), { ...opts, k: big(ex.k) });
      expect(toHex(sig)).toBe(ex.r + ex.s);
    });
    it(`${ex.name}: verifies, and fails when anything changes`, () => {
      const sig = fromHex(ex.r + ex.s);
      const pub = fromHex(ex.publicKey);
      expect(sm2Verify(pub, msg(ex.message), sig, opts)).toBe(true);
      expect(sm2Verify(pub, msg(ex.message + ' '), sig, opts)).toBe(false);
      expect(sm2Verify(pub, msg(ex.message), sig, { ...opts, userId: ex.userId + 'X' })).toBe(false);
      const bad = sig.slice();
      bad[63]! ^= 1;
      expect(sm2Verify(pub, msg(ex.message), bad, opts)).toBe(false);
      const badKey = pub.slice();
      badKey[10]! ^= 1; // no longer on the curve
      expect(sm2Verify(badKey, msg(ex.message), sig, opts)).toBe(false);
    });
  }

  it('the user ID is a setting: a signature made with one ID fails with another', () => {
    const { privateKey, publicKey } = sm2GenerateKey();
    const m = msg('PBOC SDAD');
    const sig = sm2Sign(privateKey, m, { userId: 'PBOC-TERMINAL-01' });
    expect(sm2Verify(publicKey, m, sig, { userId: 'PBOC-TERMINAL-01' })).toBe(true);
    expect(sm2Verify(publicKey, m, sig)).toBe(false);
  });

  it('rejects out-of-range signatures and wrong lengths without throwing', () => {
    const { publicKey } = sm2GenerateKey();
    const n = bigToBytes32(SM2P256V1.params.n);
    expect(sm2Verify(publicKey, msg('x'), new Uint8Array(64), {})).toBe(false);
    expect(sm2Verify(publicKey, msg('x'), new Uint8Array([...n, ...n]), {})).toBe(false);
    expect(sm2Verify(publicKey, msg('x'), new Uint8Array(63), {})).toBe(false);
    expect(sm2Verify(new Uint8Array(65), msg('x'), new Uint8Array(64), {})).toBe(false);
    expect(() => sm2Verify('x' as unknown as Uint8Array, msg('x'), new Uint8Array(64))).toThrow(TypeError);
  });

  it('random keys: sign then verify', () => {
    for (let i = 0; i < 5; i++) {
      const { privateKey, publicKey } = sm2GenerateKey();
      const m = msg(`message ${i}`);
      expect(sm2Verify(publicKey, m, sm2Sign(privateKey, m))).toBe(true);
    }
  });
});

describe('SM3 (GM/T 0004) and SM4 (GM/T 0002) through node:crypto', () => {
  it('SM3 examples', () => {
    expect(toHex(sm3(msg('abc')))).toBe(vectors.sm3.abc);
    expect(toHex(sm3(msg('abcd'.repeat(16))))).toBe(vectors.sm3['abcd x16']);
  });
  it('SM4 example', () => {
    expect(toHex(sm4Encrypt(fromHex(vectors.sm4.key), fromHex(vectors.sm4.plain)))).toBe(vectors.sm4.cipher);
  });
});
