/**
 * SM2 digital signatures (GM/T 0003.2-2012 / GB/T 32918.2-2016) with SM3 (GM/T 0004-2012).
 *
 * Why here and not node:crypto: Node 20's crypto.verify on SM2 uses an empty signer ID that cannot be
 * changed, so it rejects standard signatures made with the default ID "1234567812345678"
 * (DOMAIN.md §5). So the ZA computation and the signature equations are done here, on the curve
 * arithmetic of @noble/curves (`weierstrass` primitives); SM3 comes from node:crypto.
 *
 *   ZA = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA)       ENTL = bit length of ID, 2 bytes
 *   e  = SM3(ZA ‖ M)
 *   sign:   (x1, y1) = [k]G; r = (e + x1) mod n; s = (1 + d)^-1 · (k − r·d) mod n
 *   verify: t = (r + s) mod n ≠ 0; (x1, y1) = [s]G + [t]PA; accept iff (e + x1) mod n = r
 *
 * The signer ID is a parameter (PBOC's convention is unconfirmed — DOMAIN.md §1.2 — so the terminal's
 * `sm.userId` setting feeds it). Public keys are 64 bytes x ‖ y; signatures 64 bytes r ‖ s.
 * sm2Verify returns false for any bad signature or unusable key and throws only on misuse (wrong
 * argument types), like noble's verify().
 */
import { randomBytes } from 'node:crypto';
import { weierstrass, type WeierstrassPoint, type WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import { assertBytes } from '../../../apdu/hex';
import { sm3 } from './hash';
import { sm2MulAddX, type Affine } from './sm2-fast';

export interface Sm2CurveParams {
  p: bigint;
  a: bigint;
  b: bigint;
  n: bigint;
  Gx: bigint;
  Gy: bigint;
}

export interface Sm2Curve {
  readonly name: string;
  readonly params: Sm2CurveParams;
  readonly Point: WeierstrassPointCons<bigint>;
  /** a ‖ b ‖ xG ‖ yG, 32 bytes each (the curve part of ZA). */
  readonly zaCurve: Uint8Array;
}

export const SM2_DEFAULT_USER_ID = '1234567812345678';

const h = (s: string): bigint => BigInt('0x' + s.replace(/\s+/g, ''));

export function bigToBytes32(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let x = v;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

export function bytesToBig(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

export function sm2Curve(name: string, params: Sm2CurveParams): Sm2Curve {
  const Point = weierstrass({ ...params, h: 1n });
  const zaCurve = new Uint8Array(128);
  zaCurve.set(bigToBytes32(params.a), 0);
  zaCurve.set(bigToBytes32(params.b), 32);
  zaCurve.set(bigToBytes32(params.Gx), 64);
  zaCurve.set(bigToBytes32(params.Gy), 96);
  return { name, params, Point, zaCurve };
}

/** The recommended curve sm2p256v1 (GM/T 0003.5-2012 / GB/T 32918.5-2017). */
export const SM2P256V1: Sm2Curve = sm2Curve('sm2p256v1', {
  p: h('FFFFFFFE FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF 00000000 FFFFFFFF FFFFFFFF'),
  a: h('FFFFFFFE FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF 00000000 FFFFFFFF FFFFFFFC'),
  b: h('28E9FA9E 9D9F5E34 4D5A9E4B CF6509A7 F39789F5 15AB8F92 DDBCBD41 4D940E93'),
  n: h('FFFFFFFE FFFFFFFF FFFFFFFF FFFFFFFF 7203DF6B 21C6052B 53BBF409 39D54123'),
  Gx: h('32C4AE2C 1F198119 5F990446 6A39C994 8FE30BBF F2660BE1 715A4589 334C74C7'),
  Gy: h('BC3736A2 F4F6779C 59BDCEE3 6B692153 D0A9877C C62A4740 02DF32E5 2139F0A0'),
});

export interface Sm2Options {
  /** Signer ID (string as UTF-8, or bytes). Default "1234567812345678". */
  userId?: string | Uint8Array;
  curve?: Sm2Curve;
}

function idBytes(userId: string | Uint8Array | undefined): Uint8Array {
  if (userId === undefined) return new TextEncoder().encode(SM2_DEFAULT_USER_ID);
  if (typeof userId === 'string') return new TextEncoder().encode(userId);
  if (userId instanceof Uint8Array) return userId;
  throw new TypeError(`SM2 userId: expected a string or Uint8Array, got ${typeof userId}`);
}

/** ZA = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA). */
export function sm2Za(publicKey: Uint8Array, opts: Sm2Options = {}): Uint8Array {
  assertBytes(publicKey, 'SM2 public key', 64);
  const id = idBytes(opts.userId);
  if (id.length * 8 > 0xffff) throw new RangeError(`SM2 userId: at most 8191 bytes, got length=${id.length}`);
  const curve = opts.curve ?? SM2P256V1;
  const entl = Uint8Array.of((id.length * 8) >> 8, (id.length * 8) & 0xff);
  return sm3(entl, id, curve.zaCurve, publicKey);
}

/** e = SM3(ZA ‖ M) as an integer (GM/T 0003.2 §6.1 A1–A2). */
export function sm2Digest(publicKey: Uint8Array, message: Uint8Array, opts: Sm2Options = {}): bigint {
  return bytesToBig(sm3(sm2Za(publicKey, opts), message));
}

// --- key cache: decoded and validated public keys ------------------------------------------------

const POINT_CACHE_MAX = 256;
const points = new Map<string, WeierstrassPoint<bigint> | null>();

function pointOf(curve: Sm2Curve, publicKey: Uint8Array): WeierstrassPoint<bigint> | null {
  const id = curve.name + ':' + Buffer.from(publicKey).toString('hex');
  let point = points.get(id);
  if (point === undefined) {
    try {
      point = curve.Point.fromAffine({ x: bytesToBig(publicKey.subarray(0, 32)), y: bytesToBig(publicKey.subarray(32, 64)) });
      point.assertValidity();
    } catch {
      point = null; // not on the curve, or coordinates out of range: no signature can verify
    }
    if (points.size >= POINT_CACHE_MAX) points.delete(points.keys().next().value!);
    points.set(id, point);
  }
  return point;
}

/**
 * Verify an SM2 signature (r ‖ s, 64 bytes) over `message` by `publicKey` (x ‖ y, 64 bytes).
 * On sm2p256v1 the point arithmetic is sm2-fast.ts (≈ 1 ms here); other curves (the standard's
 * example curve) use noble's generic arithmetic.
 */
export function sm2Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, opts: Sm2Options = {}): boolean {
  assertBytes(publicKey, 'SM2 public key');
  assertBytes(message, 'SM2 message');
  assertBytes(signature, 'SM2 signature');
  if (publicKey.length !== 64 || signature.length !== 64) return false;
  const curve = opts.curve ?? SM2P256V1;
  const { n } = curve.params;
  const r = bytesToBig(signature.subarray(0, 32));
  const s = bytesToBig(signature.subarray(32, 64));
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const t = (r + s) % n;
  if (t === 0n) return false;
  const Q = pointOf(curve, publicKey);
  if (!Q) return false;
  const e = sm2Digest(publicKey, message, opts);
  let x1: bigint | undefined;
  if (curve === SM2P256V1) {
    x1 = sm2MulAddX(s, t, Q.toAffine() as Affine);
  } else {
    const R = curve.Point.BASE.mulAddUnsafe(s, Q, t);
    x1 = R.is0() ? undefined : R.toAffine().x;
  }
  if (x1 === undefined) return false;
  return (e + x1) % n === r;
}

export interface Sm2SignOptions extends Sm2Options {
  /** Random bytes source for the nonce (default node:crypto). */
  random?: (n: number) => Uint8Array;
  /** Fixed nonce, for the standard's worked examples only. */
  k?: bigint;
}

function modInv(a: bigint, m: bigint): bigint {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new RangeError('SM2: value not invertible modulo n');
  return ((s0 % m) + m) % m;
}

function randomScalar(n: bigint, random: (k: number) => Uint8Array): bigint {
  for (;;) {
    const v = bytesToBig(random(40)) % n; // 64 extra bits: negligible bias
    if (v > 0n) return v;
  }
}

/** The public key (x ‖ y) of a 32-byte private key. */
export function sm2PublicKey(privateKey: Uint8Array, curve: Sm2Curve = SM2P256V1): Uint8Array {
  assertBytes(privateKey, 'SM2 private key', 32);
  const d = bytesToBig(privateKey);
  if (d < 1n || d >= curve.params.n - 1n) throw new RangeError('SM2 private key: expected 1 <= d < n-1');
  const P = curve.Point.BASE.multiply(d).toAffine();
  const out = new Uint8Array(64);
  out.set(bigToBytes32(P.x), 0);
  out.set(bigToBytes32(P.y), 32);
  return out;
}

export function sm2GenerateKey(random: (n: number) => Uint8Array = (k) => new Uint8Array(randomBytes(k)), curve: Sm2Curve = SM2P256V1): { privateKey: Uint8Array; publicKey: Uint8Array } {
  let d: bigint;
  do d = randomScalar(curve.params.n, random);
  while (d >= curve.params.n - 1n);
  const privateKey = bigToBytes32(d);
  return { privateKey, publicKey: sm2PublicKey(privateKey, curve) };
}

/** Sign `message` (r ‖ s, 64 bytes). The public key is derived from the private key for ZA. */
export function sm2Sign(privateKey: Uint8Array, message: Uint8Array, opts: Sm2SignOptions = {}): Uint8Array {
  assertBytes(message, 'SM2 message');
  const curve = opts.curve ?? SM2P256V1;
  const { n } = curve.params;
  const d = bytesToBig(assertBytes(privateKey, 'SM2 private key', 32));
  const e = sm2Digest(sm2PublicKey(privateKey, curve), message, opts);
  const random = opts.random ?? ((k: number) => new Uint8Array(randomBytes(k)));
  const dInv = modInv(1n + d, n);
  for (let attempt = 0; attempt < 64; attempt++) {
    const k = opts.k ?? randomScalar(n, random);
    const x1 = curve.Point.BASE.multiply(k).toAffine().x;
    const r = (e + x1) % n;
    if (r === 0n || r + k === n) {
      if (opts.k !== undefined) throw new RangeError('SM2: the fixed nonce gives r = 0 or r + k = n');
      continue;
    }
    const s = (dInv * ((k - r * d) % n + n)) % n;
    if (s === 0n) {
      if (opts.k !== undefined) throw new RangeError('SM2: the fixed nonce gives s = 0');
      continue;
    }
    const out = new Uint8Array(64);
    out.set(bigToBytes32(r), 0);
    out.set(bigToBytes32(s), 32);
    return out;
  }
  throw new Error('SM2: no usable nonce after 64 attempts (broken random source?)');
}
