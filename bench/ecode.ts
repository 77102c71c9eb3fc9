/**
 * bench/ecode — `npx tsx bench/ecode.ts [--quick]`
 *
 * 1. E-code verification per code, the full verifier (parse, both signatures, every check, revocation
 *    lookup, replay/passback admission): cold certificate (a phone never seen before) and cached
 *    certificate (the next code of a known phone); node:crypto vs @noble/ed25519 in the same run.
 *    The replay store is SQLite in memory here; the durable commit (WAL + synchronous=FULL, one fsync)
 *    is measured separately, since it depends on the disk, not on the verifier.
 * 2. QR decoding per camera frame (640×480 and 1280×720, clean and noisy) for each decoder: jsQR (with
 *    and without the blur pre-pass) and zxing-wasm (zxing-cpp), on the same frames.
 * Goals (issue 6): ≤ 0.4 ms per code cold, ≤ 0.25 ms cached; a 640×480 frame ≤ 25 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import * as noble from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { SqliteEcodeStore } from '../src/ecode/sqlite-store';
import { makeWorld, type Phone } from '../src/ecode/test-world';
import type { SignatureVerifier } from '../src/ecode/scheme';
import type { EcodeVerifier } from '../src/ecode/verifier';
import { benchFrames } from './ecode-frames';
import { stats, type Stats } from './lib';

noble.hashes.sha512 = sha512;
const quick = process.argv.includes('--quick');

/** bench/lib's statistics (ecode-frames.ts takes the type from here). */
export type { Stats };

export const fmtMs = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);

function row(label: string, st: Stats, extra = ''): void {
  console.log(`  ${label.padEnd(44)} median ${fmtMs(st.median).padStart(9)}   p99 ${fmtMs(st.p99).padStart(9)}   ${(1000 / st.mean).toFixed(0).padStart(6)}/s ${extra}`);
}

// For comparison only: node:crypto with key objects imported from JWK instead of DER/SPKI (as
// src/core/ed25519.ts does). OpenSSL 3's DER decoder path costs ≈ 100 µs per new key here; JWK ≈ 10 µs.
const jwkCache = new Map<string, KeyObject>();
const jwkVerify: SignatureVerifier = (pub, msg, sig) => {
  const k = Buffer.from(pub).toString('hex');
  let ko = jwkCache.get(k);
  if (!ko) {
    ko = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pub).toString('base64url') }, format: 'jwk' });
    jwkCache.set(k, ko);
  }
  try {
    return cryptoVerify(null, msg, ko, sig);
  } catch {
    return false;
  }
};

const nobleVerify: SignatureVerifier = (pub, msg, sig) => {
  try {
    return noble.verify(sig, msg, pub);
  } catch {
    return false;
  }
};

function measure(v: EcodeVerifier, codes: string[]): number[] {
  const out: number[] = [];
  for (const c of codes) {
    const t = performance.now();
    const r = v.verify(c, { profile: 'gate' });
    out.push(performance.now() - t);
    if (r.outcome !== 'valid') throw new Error(`bench code refused: ${r.reason} ${r.detail ?? ''}`);
  }
  return out;
}

function verifyBench(): void {
  const N = quick ? 300 : 2000;
  console.log(`\ne-code verify per code (${N} codes each; full verifier, replay set in memory)`);
  const w = makeWorld();
  const results: Record<string, { cold: Stats; cached: Stats }> = {};
  for (const [name, vs] of [
    ['node:crypto', undefined],
    ['node:crypto, JWK key import', jwkVerify],
    ['@noble/ed25519', nobleVerify],
  ] as const) {
    const v = w.verifier({ extra: vs ? { verifySignature: vs } : {} });
    // Warm-up (JIT, first-call costs such as noble's precomputation), not measured.
    const warm = w.phone({ card: 999_999 });
    for (let i = 0; i < 50; i++) v.verify(warm.code(), { profile: 'gate' });
    const n = vs === nobleVerify ? Math.min(N, quick ? 100 : 400) : N;
    // Cold: every code comes from a phone this verifier has never seen (new certificate, new device key).
    const phones: Phone[] = Array.from({ length: n }, (_, i) => w.phone({ card: 1000 + i }));
    const cold = stats(measure(v, phones.map((p) => p.code())));
    // Cached: the next code of each of those phones.
    const cached = stats(measure(v, phones.map((p) => p.code())));
    results[name] = { cold, cached };
    row(`${name}: cold`, cold);
    row(`${name}: cached`, cached);
  }
  const a = results['node:crypto']!;
  const b = results['@noble/ed25519']!;
  console.log(`  ratio @noble/ed25519 / node:crypto (median): cold ${(b.cold.median / a.cold.median).toFixed(1)}×, cached ${(b.cached.median / a.cached.median).toFixed(1)}×`);
  console.log(`  goals: cold ≤ 0.4 ms → ${a.cold.median <= 0.4 ? 'met' : 'NOT met'} (${fmtMs(a.cold.median)}); cached ≤ 0.25 ms → ${a.cached.median <= 0.25 ? 'met' : 'NOT met'} (${fmtMs(a.cached.median)})`);

  // The durable variant: the same verifier on a file store (WAL + synchronous=FULL).
  const dir = mkdtempSync(join(tmpdir(), 'ykt-bench-ecode-'));
  try {
    const store = new SqliteEcodeStore({ database: join(dir, 'ecode.sqlite') });
    const v = w.verifier({ store });
    const phones = Array.from({ length: quick ? 100 : 500 }, (_, i) => w.phone({ card: 50_000 + i }));
    measure(v, phones.map((p) => p.code()));
    row('node:crypto cached + durable record (fsync)', stats(measure(v, phones.map((p) => p.code()))), '(disk-bound)');
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`bench/ecode — node ${process.version}, ${(await import('node:os')).cpus().length} CPU(s)${quick ? ' (quick)' : ''}`);
  verifyBench();
  await benchFrames({ quick, stats, row });
}

await main();
