/**
 * bench/pboc: host work of one UnionPay payment (issue 4 goal: ≤ 2 ms per qPBOC transaction), and
 * where the time goes.
 *
 *   1. Kernel host time per transaction, card I/O excluded: each scenario's card answers are recorded
 *      once from the emulated card, then replayed (the replay costs microseconds); runKernel's hostMs
 *      (the kernel's own code) and this process's CPU per transaction, median and p99:
 *        qPBOC offline with fDDA (RSA); the SM2 variant for a repeat card (certificates remembered) and
 *        cold (every signature verified); the full PBOC contact transaction (DDA) RSA and SM2.
 *   2. The pieces: RSA recovery per key size, building an ICC key object, SHA-1, SM3, SM2 verification
 *      (our fast path and @noble/curves' generic arithmetic, measured in the same run), TLV decoding.
 *   3. Tap to outcome over the real PC/SC stack (pcscd + vpcd with the TCP_NODELAY shim; the emulated
 *      cards run in a child process, bench/pboc-vicc.ts) and in-process (drivers/virtual), same run.
 *
 *   npx tsx bench/pboc.ts [--n 3000] [--n-stack 200] [--no-stack]
 */
import { cpus, loadavg } from 'node:os';
import { fromHex } from '../apdu/hex';
import { decodeTlv } from '../apdu/tlv';
import type { Transmit } from '../apdu/transceive';
import { PcscdHarness } from '../drivers/pcsc/harness/pcscd-harness';
import { PcscReaderDriver } from '../drivers/pcsc/pcsc-driver';
import { VirtualReaderDriver } from '../drivers/virtual/virtual-driver';
import { pbocAppOf } from '../src/emulator/pboc/card';
import { runKernel } from '../src/kernel/runner';
import type { PbocConfigInput } from '../src/pboc/config';
import { sha1, sm3 } from '../src/pboc/crypto/hash';
import { rsaPublicKey, rsaRecover } from '../src/pboc/crypto/rsa';
import { SM2P256V1, sm2GenerateKey, sm2Sign, sm2Verify } from '../src/pboc/crypto/sm2';
import { pbocPayment } from '../src/pboc/kernel/payment';
import { VerifiedCache } from '../src/pboc/oda/cache';
import { directTransmit, paymentInput, pbocCard, recordingPersist } from '../src/pboc/testing';
import { numberArg as arg, report, stats } from './lib';
import { connectWhenPresent, startVicc } from './stack';

const N = arg('--n', 3000);
const N_STACK = arg('--n-stack', 200);
const STACK = !process.argv.includes('--no-stack');

console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} CPUs (p99 figures suffer when the machine is busy)`);

// --- 1. kernel host time, card I/O excluded ---------------------------------------------------------

interface Scenario {
  label: string;
  card: string;
  over: Parameters<typeof paymentInput>[0];
  cache: 'shared' | 'cold';
}

async function recordAnswers(s: Scenario): Promise<Uint8Array[]> {
  const real = directTransmit(pbocCard(s.card));
  const answers: Uint8Array[] = [];
  const tx: Transmit = async (c) => {
    const r = await real(c);
    answers.push(r);
    return r;
  };
  const run = await runKernel(pbocPayment(paymentInput(s.over)), { card: tx, persist: recordingPersist().persist });
  if (run.outcome.outcome !== 'approved') throw new Error(`${s.label}: baseline not approved: ${run.outcome.message}`);
  return answers;
}

/** A persist channel that only counts: the journal's own work (validation, SQLite, fsync) is bench/journal's. */
function countingPersist(): (name: string, record: unknown) => { seq: bigint } {
  let seq = 0n;
  return () => ({ seq: ++seq });
}

async function kernelHost(s: Scenario, n: number): Promise<void> {
  const answers = await recordAnswers(s);
  const shared = new VerifiedCache(1024);
  const persist = countingPersist();
  const base = paymentInput(s.over); // config parsed once, as a terminal does at start-up
  const once = async () => {
    let i = 0;
    const replay: Transmit = async () => answers[i++]!;
    const r = await runKernel(pbocPayment({ ...base, verifiedCache: s.cache === 'shared' ? shared : new VerifiedCache(16) }), { card: replay, persist });
    if (r.outcome.outcome !== 'approved') throw new Error(`${s.label}: ${r.outcome.message}`);
    return r.hostMs;
  };
  for (let i = 0; i < Math.min(300, n); i++) await once();
  const host: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) host.push(await once());
  const cpu = process.cpuUsage(cpu0);
  const h = stats(host);
  report(`pboc.kernel.${s.label}`, { n, host_median_ms: h.median, host_p99_ms: h.p99, cpu_per_tx_ms: (cpu.user + cpu.system) / 1000 / n, apdus: answers.length });
}

const scenarios: Scenario[] = [
  { label: 'qpboc-fdda-rsa', card: 'pboc-rsa', over: { amountFen: 1234 }, cache: 'shared' },
  { label: 'qpboc-fdda-sm2-repeat-card', card: 'pboc-sm2', over: { amountFen: 1234 }, cache: 'shared' },
  { label: 'qpboc-fdda-sm2-cold', card: 'pboc-sm2', over: { amountFen: 1234 }, cache: 'cold' },
  { label: 'contact-dda-rsa', card: 'pboc-rsa', over: { amountFen: 1234, interface: 'contact' }, cache: 'shared' },
  { label: 'contact-dda-sm2-repeat-card', card: 'pboc-sm2', over: { amountFen: 1234, interface: 'contact' }, cache: 'shared' },
  { label: 'contact-dda-sm2-cold', card: 'pboc-sm2', over: { amountFen: 1234, interface: 'contact' }, cache: 'cold' },
];
for (const s of scenarios) await kernelHost(s, s.cache === 'cold' ? Math.ceil(N / 5) : N);

// --- 2. where the time goes ---------------------------------------------------------------------------

function micro(label: string, n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(200, n); i++) fn(i);
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    t.push(performance.now() - t0);
  }
  const s = stats(t);
  report(`pboc.part.${label}`, { n, median_us: s.median * 1000, p99_us: s.p99 * 1000 });
  return s.median;
}

{
  const { readFileSync } = await import('node:fs');
  const { fixturesDir } = await import('../src/core/paths');
  const keys = JSON.parse(readFileSync(fixturesDir('pboc', 'keys', 'test-keys.json'), 'utf8'));
  const card = JSON.parse(readFileSync(fixturesDir('pboc', 'cards', 'pboc-rsa.json'), 'utf8')).sections.pboc;
  const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));
  const ca = rsaPublicKey(b64(keys.rsa.ca.n), b64(keys.rsa.ca.e));
  const iss = rsaPublicKey(b64(keys.rsa.issuer.n), b64(keys.rsa.issuer.e));
  const icc = rsaPublicKey(b64(card.keys.iccPrivateKey.n), b64(card.keys.iccPrivateKey.e));
  const cert = fromHex(card.oda.issuerCert);
  const iccCert = fromHex(card.oda.iccCert);
  const block128 = new Uint8Array(128).fill(0x11);
  micro('rsa-recover-ca-1984-e3 (issuer cert)', N, () => rsaRecover(ca, cert));
  micro('rsa-recover-issuer-1984-e3 (ICC cert)', N, () => rsaRecover(iss, iccCert));
  micro('rsa-recover-icc-1024-e3 (fDDA SDAD)', N, () => rsaRecover(icc, block128));
  const mod = b64(card.keys.iccPrivateKey.n);
  micro('rsa-icc-key-object (new card: JWK → KeyObject)', Math.min(N, 2000), (i) => {
    const m = mod.slice();
    m[m.length - 1] = (i * 2 + 1) & 0xff; // a different (odd) modulus each time: never cached
    m[m.length - 2] = (i >> 7) & 0xff;
    rsaPublicKey(m, Uint8Array.of(3));
  });
  const sd = new Uint8Array(220).fill(7);
  micro('sha1-static-data-220B', N, () => sha1(sd));
  micro('sm3-za+e (2 × SM3)', N, () => sm3(sm3(sd.subarray(0, 210)), sd.subarray(0, 40)));
  const k = sm2GenerateKey();
  const msgs = Array.from({ length: 64 }, (_, i) => new TextEncoder().encode(`SDAD ${i}`));
  const sigs = msgs.map((m) => sm2Sign(k.privateKey, m));
  const fast = micro('sm2-verify (fast path: Jacobian a=-3, interleaved wNAF)', Math.min(N, 1000), (i) => sm2Verify(k.publicKey, msgs[i % 64]!, sigs[i % 64]!));
  const P = SM2P256V1.Point;
  const Q = P.fromAffine({ x: BigInt('0x' + Buffer.from(k.publicKey.subarray(0, 32)).toString('hex')), y: BigInt('0x' + Buffer.from(k.publicKey.subarray(32)).toString('hex')) });
  const { randomBytes } = await import('node:crypto');
  const scalars = Array.from({ length: 64 }, () => [BigInt('0x' + randomBytes(32).toString('hex')) % (SM2P256V1.params.n - 1n) + 1n, BigInt('0x' + randomBytes(32).toString('hex')) % (SM2P256V1.params.n - 1n) + 1n] as const);
  const noble = micro('sm2-verify-point-arithmetic (@noble/curves generic mulAddUnsafe)', Math.min(N, 300), (i) => P.BASE.mulAddUnsafe(scalars[i % 64]![0], Q, scalars[i % 64]![1]).toAffine());
  const { sm2MulAddX } = await import('../src/pboc/crypto/sm2-fast');
  const qa = Q.toAffine();
  micro('sm2-verify-point-arithmetic (our fast path alone)', Math.min(N, 1000), (i) => sm2MulAddX(scalars[i % 64]![0], scalars[i % 64]![1], qa));
  report('pboc.part.sm2-fast-vs-noble', { ratio_noble_over_fast: noble / fast });
  const gpo = (await recordAnswers(scenarios[0]!))[3]!;
  micro('tlv-decode-qpboc-gpo-answer', N, () => decodeTlv(gpo.subarray(0, gpo.length - 2)));
}

// --- 3. tap to outcome: in-process reader and the real PC/SC stack ---------------------------------------

async function taps(label: string, transmit: Transmit, iface: 'contactless' | 'contact', n: number, config: PbocConfigInput = {}): Promise<number> {
  const cache = new VerifiedCache(64);
  const persist = countingPersist();
  const wall: number[] = [];
  const host: number[] = [];
  const base = paymentInput({ interface: iface, verifiedCache: cache, config });
  for (let i = 0; i < n + 20; i++) {
    const t0 = performance.now();
    const r = await runKernel(pbocPayment({ ...base, amountFen: 100 + (i % 50), unpredictableNumber: Uint8Array.of(i >> 24, i >> 16, i >> 8, i) }), { card: transmit, persist });
    if (r.outcome.outcome !== 'approved') throw new Error(`${label} ${i}: ${r.outcome.reason} ${r.outcome.message}`);
    if (i >= 20) {
      wall.push(performance.now() - t0);
      host.push(r.hostMs);
    }
  }
  const w = stats(wall);
  const h = stats(host);
  report(`pboc.tap.${label}`, { n, tap_median_ms: w.median, tap_p99_ms: w.p99, kernel_host_median_ms: h.median, taps_per_s: 1000 / w.mean });
  return w.median;
}

{
  const v = new VirtualReaderDriver({ readers: ['V0', 'V1'] });
  const rsa = pbocCard('pboc-rsa');
  const sm2 = pbocCard('pboc-sm2');
  for (const c of [rsa, sm2]) {
    const app = pbocAppOf(c)!;
    const inner = c.transmit.bind(c);
    c.transmit = (cmd) => {
      if (cmd[1] === 0xa4) {
        // Keep the card spendable: EC balance topped up, as if it went online now and then (velocity checks).
        app.state.balanceFen = 50_000;
        app.state.lastOnlineAtc = Math.max(0, app.state.atc - 1);
      }
      return inner(cmd);
    };
  }
  v.insertCard('V0', rsa);
  v.insertCard('V1', sm2);
  const c0 = await v.connect('V0');
  const c1 = await v.connect('V1');
  const vq = await taps('virtual.qpboc-rsa', (c) => c0.transmit(c), 'contactless', N_STACK * 2);
  await taps('virtual.qpboc-sm2', (c) => c1.transmit(c), 'contactless', N_STACK);
  await taps('virtual.contact-rsa', (c) => c0.transmit(c), 'contact', N_STACK);
  await v.close();

  if (STACK) {
    const h = await PcscdHarness.start({ vpcdInstances: 1, nodelay: true });
    h.useInThisProcess();
    const vicc = await startVicc('pboc-vicc.ts', [h.slots[0]!.port, 'pboc-rsa', h.slots[1]!.port, 'pboc-sm2']);
    const pcsc = new PcscReaderDriver({ config: { apduTimeoutMs: 5000 } });
    try {
      const r0 = await connectWhenPresent(pcsc, h.slots[0]!.reader);
      const r1 = await connectWhenPresent(pcsc, h.slots[1]!.reader);
      const cpu0 = process.cpuUsage();
      const sq = await taps('pcscd+vpcd.qpboc-rsa', (c) => r0.transmit(c), 'contactless', N_STACK);
      const cpu = process.cpuUsage(cpu0);
      report('pboc.tap.pcscd+vpcd.qpboc-rsa.cpu', { terminal_process_cpu_per_tap_ms: (cpu.user + cpu.system) / 1000 / (N_STACK + 20), stack_over_virtual_median: sq / vq });
      await taps('pcscd+vpcd.qpboc-sm2', (c) => r1.transmit(c), 'contactless', Math.ceil(N_STACK / 2));
      await taps('pcscd+vpcd.contact-rsa', (c) => r0.transmit(c), 'contact', Math.ceil(N_STACK / 2));
      await r0.close();
      await r1.close();
    } finally {
      await pcsc.close();
      await vicc.stop();
      await h.dispose();
    }
  }
}
