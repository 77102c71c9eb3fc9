/** The fast [s]G + [t]Q of sm2-fast.ts against @noble/curves' generic arithmetic, including the edge cases. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SM2P256V1 } from './sm2';
import { sm2MulAddX } from './sm2-fast';

const Pt = SM2P256V1.Point;
const n = SM2P256V1.params.n;
const rnd = () => (BigInt('0x' + randomBytes(32).toString('hex')) % (n - 1n)) + 1n;

describe('sm2MulAddX', () => {
  it('agrees with noble on random scalars and points', () => {
    for (let i = 0; i < 60; i++) {
      const s = rnd();
      const t = rnd();
      const Q = Pt.BASE.multiply(rnd());
      expect(sm2MulAddX(s, t, Q.toAffine())).toBe(Pt.BASE.multiply(s).add(Q.multiply(t)).toAffine().x);
    }
  });
  it('small and extreme scalars', () => {
    const Q = Pt.BASE.multiply(rnd());
    for (const [s, t] of [[1n, 1n], [n - 1n, 1n], [1n, n - 1n], [2n, 3n], [n - 1n, n - 1n]] as const) {
      const ref = Pt.BASE.multiply(s).add(Q.multiply(t));
      expect(sm2MulAddX(s, t, Q.toAffine())).toBe(ref.is0() ? undefined : ref.toAffine().x);
    }
  });
  it('Q = G and Q = −G (doubling and cancellation inside the additions)', () => {
    const s = rnd();
    const t = rnd();
    expect(sm2MulAddX(s, t, Pt.BASE.toAffine())).toBe(Pt.BASE.multiply((s + t) % n).toAffine().x);
    const negG = Pt.BASE.negate().toAffine();
    if (s !== t) expect(sm2MulAddX(s, t, negG)).toBe(Pt.BASE.multiply((((s - t) % n) + n) % n).toAffine().x);
    expect(sm2MulAddX(s, s, negG)).toBeUndefined();
  });
  it('[t]Q = −[s]G gives the point at infinity', () => {
    const d = rnd();
    const t = rnd();
    const s = (n - ((t * d) % n)) % n;
    expect(sm2MulAddX(s, t, Pt.BASE.multiply(d).toAffine())).toBeUndefined();
  });
});
