/**
 * Fast public-key side of SM2 verification: [s]G + [t]Q for the curve sm2p256v1, whose a = −3.
 *
 * Why: @noble/curves' generic projective arithmetic needs ≈ 2.5 ms for [s]G + [t]Q with a fresh Q on
 * these machines; the qPBOC SM2 variant does that once per tap (the card's SDAD) on top of the rest.
 * Here: Jacobian coordinates with the a = −3 doubling (3M + 5S), mixed additions against affine tables
 * (7M + 4S), an interleaved width-w NAF (Shamir's trick) sharing one doubling chain, a fixed table of
 * odd multiples of G built once, and a small table of odd multiples of Q normalised with one inversion.
 * All scalars are public (verification only): no constant-time requirement.
 *
 * Correctness: differential tests against noble's arithmetic (random scalars and points, edge cases:
 * Q = ±G, [t]Q = −[s]G → infinity) and the GM/T 0003 examples through sm2Verify.
 */

export interface Affine {
  x: bigint;
  y: bigint;
}

interface Jac {
  X: bigint;
  Y: bigint;
  Z: bigint;
}

const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

const INF: Jac = { X: 1n, Y: 1n, Z: 0n };

function inv(a: bigint): bigint {
  // Extended Euclid; a ≠ 0 mod P here.
  let [r0, r1] = [a % P, P];
  if (r0 < 0n) r0 += P;
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  s0 %= P;
  return s0 < 0n ? s0 + P : s0;
}

/** 2·A, a = −3 (dbl-2001-b): delta = Z², gamma = Y², beta = X·gamma, alpha = 3(X−delta)(X+delta). */
function dbl(A: Jac): Jac {
  if (A.Z === 0n || A.Y === 0n) return INF;
  const delta = (A.Z * A.Z) % P;
  const gamma = (A.Y * A.Y) % P;
  const beta = (A.X * gamma) % P;
  let t1 = A.X - delta;
  if (t1 < 0n) t1 += P;
  let t2 = A.X + delta;
  if (t2 >= P) t2 -= P;
  const alpha = (3n * t1 * t2) % P;
  let X3 = (alpha * alpha - 8n * beta) % P;
  if (X3 < 0n) X3 += P;
  let Z3 = ((A.Y + A.Z) * (A.Y + A.Z) - gamma - delta) % P;
  if (Z3 < 0n) Z3 += P;
  let Y3 = (alpha * (4n * beta - X3) - 8n * ((gamma * gamma) % P)) % P;
  if (Y3 < 0n) Y3 += P;
  return { X: X3, Y: Y3, Z: Z3 };
}

/** A + B with B affine (madd-2007-bl), handling A = ∞, A = ±B. */
function madd(A: Jac, B: Affine): Jac {
  if (A.Z === 0n) return { X: B.x, Y: B.y, Z: 1n };
  const Z1Z1 = (A.Z * A.Z) % P;
  const U2 = (B.x * Z1Z1) % P;
  const S2 = (((B.y * A.Z) % P) * Z1Z1) % P;
  let H = U2 - A.X;
  if (H < 0n) H += P;
  let rr = S2 - A.Y;
  if (rr < 0n) rr += P;
  if (H === 0n) {
    if (rr === 0n) return dbl(A); // A = B
    return INF; // A = −B
  }
  rr = (2n * rr) % P;
  const HH = (H * H) % P;
  const I = (4n * HH) % P;
  const J = (H * I) % P;
  const V = (A.X * I) % P;
  let X3 = (rr * rr - J - 2n * V) % P;
  if (X3 < 0n) X3 += P;
  let Y3 = (rr * (V - X3) - 2n * ((A.Y * J) % P)) % P;
  if (Y3 < 0n) Y3 += P;
  let Z3 = ((A.Z + H) * (A.Z + H) - Z1Z1 - HH) % P;
  if (Z3 < 0n) Z3 += P;
  return { X: X3, Y: Y3, Z: Z3 };
}

/** Jacobian + Jacobian (add-2007-bl), for building tables. */
function add(A: Jac, B: Jac): Jac {
  if (A.Z === 0n) return B;
  if (B.Z === 0n) return A;
  const Z1Z1 = (A.Z * A.Z) % P;
  const Z2Z2 = (B.Z * B.Z) % P;
  const U1 = (A.X * Z2Z2) % P;
  const U2 = (B.X * Z1Z1) % P;
  const S1 = (((A.Y * B.Z) % P) * Z2Z2) % P;
  const S2 = (((B.Y * A.Z) % P) * Z1Z1) % P;
  let H = U2 - U1;
  if (H < 0n) H += P;
  let rr = S2 - S1;
  if (rr < 0n) rr += P;
  if (H === 0n) return rr === 0n ? dbl(A) : INF;
  const I = (4n * H * H) % P;
  const J = (H * I) % P;
  rr = (2n * rr) % P;
  const V = (U1 * I) % P;
  let X3 = (rr * rr - J - 2n * V) % P;
  if (X3 < 0n) X3 += P;
  let Y3 = (rr * (V - X3) - 2n * ((S1 * J) % P)) % P;
  if (Y3 < 0n) Y3 += P;
  let Z3 = ((((A.Z + B.Z) * (A.Z + B.Z) - Z1Z1 - Z2Z2) % P) * H) % P;
  if (Z3 < 0n) Z3 += P;
  return { X: X3, Y: Y3, Z: Z3 };
}

/** Odd multiples P, 3P, …, (2^(w−1) − 1)P in affine form (one inversion for all; ∞ entries impossible for a point of prime order). */
function oddMultiples(p: Affine, w: number): Affine[] {
  const n = 1 << (w - 2);
  const jac: Jac[] = [{ X: p.x, Y: p.y, Z: 1n }];
  const twice = dbl(jac[0]!);
  for (let i = 1; i < n; i++) jac.push(add(jac[i - 1]!, twice));
  // Montgomery's batch inversion of the Z coordinates.
  const prefix: bigint[] = [];
  let acc = 1n;
  for (const j of jac) {
    prefix.push(acc);
    acc = (acc * j.Z) % P;
  }
  let invAcc = inv(acc);
  const out: Affine[] = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const zi = (invAcc * prefix[i]!) % P;
    invAcc = (invAcc * jac[i]!.Z) % P;
    const zi2 = (zi * zi) % P;
    out[i] = { x: (jac[i]!.X * zi2) % P, y: (((jac[i]!.Y * zi2) % P) * zi) % P };
  }
  return out;
}

/** Width-w NAF digits of k, least significant first. */
function wnaf(k: bigint, w: number): Int8Array {
  const out = new Int8Array(258);
  const full = 1 << w;
  const half = 1 << (w - 1);
  let i = 0;
  while (k > 0n) {
    if (k & 1n) {
      let d = Number(k & BigInt(full - 1));
      if (d >= half) d -= full;
      out[i] = d;
      k -= BigInt(d);
    }
    k >>= 1n;
    i++;
  }
  return out;
}

const W_G = 7;
let gTable: Affine[] | undefined;
const W_Q = 5;

function neg(a: Affine): Affine {
  return { x: a.x, y: a.y === 0n ? 0n : P - a.y };
}

/**
 * x-coordinate of [s]G + [t]Q (affine), or undefined for the point at infinity. Q must be a valid
 * curve point (the caller checks it); 0 < s, t < n.
 */
export function sm2MulAddX(s: bigint, t: bigint, q: Affine): bigint | undefined {
  gTable ??= oddMultiples({ x: GX, y: GY }, W_G);
  const qTable = oddMultiples(q, W_Q);
  const ns = wnaf(s, W_G);
  const nt = wnaf(t, W_Q);
  let top = 257;
  while (top >= 0 && ns[top] === 0 && nt[top] === 0) top--;
  let R: Jac = INF;
  for (let i = top; i >= 0; i--) {
    R = dbl(R);
    const a = ns[i]!;
    if (a > 0) R = madd(R, gTable[a >> 1]!);
    else if (a < 0) R = madd(R, neg(gTable[-a >> 1]!));
    const b = nt[i]!;
    if (b > 0) R = madd(R, qTable[b >> 1]!);
    else if (b < 0) R = madd(R, neg(qTable[-b >> 1]!));
  }
  if (R.Z === 0n) return undefined;
  const zi = inv(R.Z);
  return (R.X * ((zi * zi) % P)) % P;
}
