/**
 * Fuzz: random and mutated card responses at every step of the kernel (≥ 50,000 cases in total).
 * A clean run of each scenario is recorded; each case replays it with one response replaced (random
 * bytes, bit flips, truncation, extension, BER length tampering, another status word, T=0 chaining
 * words) and later responses served in order whatever the terminal asks — hostile input all the way.
 * Every case must end in a typed outcome (never an exception), and:
 *  - an approval only with its durable result record;
 *  - a response replaced by random bytes never leads to an approval, unless it answered an advisory
 *    GET DATA (the EC balance pre-check, which the kernel may skip) or came after the card's cryptogram.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Transmit } from '../../../apdu/transceive';
import { runKernel } from '../../kernel/runner';
import { VerifiedCache } from '../oda/cache';
import { directTransmit, paymentInput, pbocCard, recordingPersist } from '../testing';
import type { PbocPaymentInput } from './context';
import { pbocPayment } from './payment';

interface Scenario {
  name: string;
  card: string;
  input: () => PbocPaymentInput;
  responses: Uint8Array[];
  commands: Uint8Array[];
  /** Index of the exchange that moves money (GPO in qPBOC, first GENERATE AC in contact). */
  moneyStep: number;
}

const cache = new VerifiedCache(64);

async function record(name: string, card: string, over: Parameters<typeof paymentInput>[0], moneyIns: number): Promise<Scenario> {
  const input = () => paymentInput({ ...over, verifiedCache: cache });
  const real = directTransmit(pbocCard(card));
  const responses: Uint8Array[] = [];
  const commands: Uint8Array[] = [];
  const tx: Transmit = async (c) => {
    const r = await real(c);
    commands.push(c.slice());
    responses.push(r.slice());
    return r;
  };
  const run = await runKernel(pbocPayment(input()), { card: tx, persist: recordingPersist().persist });
  expect(run.outcome.outcome, `${name} baseline`).toBe('approved');
  return { name, card, input, responses, commands, moneyStep: commands.findIndex((c) => c[1] === moneyIns) };
}

function prng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const KINDS = ['random', 'bitflip', 'truncate', 'extend', 'length', 'sw', 'chain', 'empty', 'duplicate'] as const;
type Kind = (typeof KINDS)[number];

function mutate(resp: Uint8Array, kind: Kind, rnd: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rnd() * n);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const data = resp.subarray(0, Math.max(0, resp.length - 2));
  const sw = resp.subarray(Math.max(0, resp.length - 2));
  const join = (d: Uint8Array, s: Uint8Array) => {
    const o = new Uint8Array(d.length + s.length);
    o.set(d);
    o.set(s, d.length);
    return o;
  };
  switch (kind) {
    case 'random':
      return bytes(int(300));
    case 'bitflip': {
      const o = resp.slice();
      for (let i = 0, n = 1 + int(3); i < n && o.length; i++) o[int(o.length)]! ^= 1 << int(8);
      return o;
    }
    case 'truncate':
      return join(data.subarray(0, int(data.length + 1)), sw);
    case 'extend':
      return join(join(data, bytes(1 + int(40))), sw);
    case 'length': {
      const o = data.slice();
      if (o.length) o[int(o.length)] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0xff][int(8)]!;
      return join(o, sw);
    }
    case 'sw':
      return join(data, Uint8Array.of(...[[0x69, 0x85], [0x6a, 0x82], [0x6a, 0x83], [0x67, 0x00], [0x90, 0x00], [0x62, 0x83], [0x6a, 0x81], [int(256), int(256)]][int(8)]!));
    case 'chain':
      return rnd() < 0.5 ? Uint8Array.of(0x61, int(256)) : Uint8Array.of(0x6c, int(256));
    case 'empty':
      return sw;
    case 'duplicate': {
      const a = int(data.length + 1);
      const b = a + int(data.length - a + 1);
      return join(join(data, data.subarray(a, b)), sw);
    }
  }
}

async function fuzzCase(s: Scenario, step: number, kind: Kind, seed: number): Promise<void> {
  const rnd = prng(seed);
  let i = 0;
  const replaced = mutate(s.responses[step]!, kind, rnd);
  const tx: Transmit = async () => {
    const k = i++;
    if (k === step) return replaced;
    return s.responses[k]?.slice() ?? Uint8Array.of(0x6d, 0x00);
  };
  const p = recordingPersist();
  let outcome;
  try {
    outcome = (await runKernel(pbocPayment(s.input()), { card: tx, persist: p.persist })).outcome;
  } catch (e) {
    throw new Error(`${s.name} step ${step} ${kind} seed ${seed}: kernel threw ${(e as Error).stack}`);
  }
  const what = `${s.name} step ${step} ${kind} seed ${seed}: ${outcome.outcome} ${outcome.reason} — ${outcome.message}`;
  if (!['approved', 'declined', 'cannot-decide'].includes(outcome.outcome) || typeof outcome.reason !== 'string' || !outcome.reason) throw new Error(`untyped outcome: ${what}`);
  if (outcome.outcome === 'approved') {
    const result = p.records.find((r) => r.name === 'result' && r.record.outcome === 'approved');
    if (!result || result.seq !== outcome.resultSeq) throw new Error(`approval without its durable record: ${what}`);
    let j = step;
    while (j > 0 && s.commands[j]?.[1] === 0xc0) j--; // T=0: GET RESPONSE carries the previous command's answer
    const advisory = s.commands[j]?.[1] === 0xca; // GET DATA: the EC balance pre-check is optional information
    if (kind === 'random' && step <= s.moneyStep && !advisory) throw new Error(`approved with a random response before the cryptogram: ${what}`);
  }
}

const N = Number(process.env.PBOC_FUZZ_CASES ?? 52_000);

describe(`fuzz: ${N} random and mutated card responses`, () => {
  it('every case ends in a typed outcome; approvals only with a durable record', async () => {
    const scenarios = [
      await record('qPBOC RSA', 'pboc-rsa', { amountFen: 1500 }, 0xa8),
      await record('qPBOC SM2', 'pboc-sm2', { amountFen: 1500 }, 0xa8),
      await record('contact RSA DDA', 'pboc-rsa', { amountFen: 1500, interface: 'contact' }, 0xae),
      await record('contact SM2 DDA', 'pboc-sm2', { amountFen: 1500, interface: 'contact' }, 0xae),
      await record('contact RSA Y3', 'pboc-rsa', { amountFen: 150_000, interface: 'contact', config: { contact: { floorLimitFen: 1_000_000 }, offlineArqcPolicy: 'approve-and-store' } }, 0xae),
      await record('qPBOC RSA T=0', 'pboc-rsa-t0', { amountFen: 1500 }, 0xa8),
    ];
    // SM2 cases cost ≈ 1 ms of verification each: weight the cheap RSA scenarios more.
    const weights = [34, 3, 27, 3, 18, 15];
    const total = weights.reduce((a, b) => a + b, 0);
    const arb = fc.record({ pick: fc.integer({ min: 0, max: total - 1 }), step: fc.nat(), kind: fc.constantFrom(...KINDS), seed: fc.integer({ min: 1, max: 0x7fffffff }) });
    await fc.assert(
      fc.asyncProperty(arb, async ({ pick, step, kind, seed }) => {
        let w = pick;
        let si = 0;
        while (w >= weights[si]!) w -= weights[si++]!;
        const s = scenarios[si]!;
        await fuzzCase(s, step % s.responses.length, kind, seed);
      }),
      { numRuns: N, seed: 20261122, endOnFailure: true },
    );
  }, 300_000);
});
