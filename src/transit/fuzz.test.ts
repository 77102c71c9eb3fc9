/**
 * A hostile or broken card (STYLE.md: bad input → a typed error and a safe decline, never a crash,
 * never an approval without a durable record): one answer of an otherwise genuine card is replaced
 * by random bytes, truncated, or bit-flipped, at every position of the tap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Transmit } from '../../apdu/transceive';
import { loadFares, loadPsam, loadTransitCard } from '../emulator/transit/fixtures';
import { TransitRig, directTransmit } from '../emulator/transit/rig';

const fares = loadFares('demo-city');
const NOW = Date.UTC(2026, 10, 22, 8, 0, 0);
const RIDES = [{ profile: 'bus-26' }, { profile: 'metro-l1', station: 'L1-03', direction: 'entry' as const }, { profile: 'metro-l1', station: 'L1-05', direction: 'exit' as const }];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ minLength: 0, maxLength: 80 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.integer({ min: 0, max: 60 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('sw' as const), sw: fc.constantFrom(0x6a81, 0x9303, 0x6a82, 0x9401, 0x9302, 0x6985, 0x6700, 0x6f00, 0x6283, 0x9000) }),
);

describe('hostile card answers', () => {
  it('never throws, never approves without a result record, never reports "no debit" after sending DEBIT', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 12 }), mutation, fc.constantFrom(0, 1, 2), fc.constantFrom('tunion-adult', 'tunion-metro-entered', 'tunion-adult-t0'), async (at, m, r, cardName) => {
        const psam = loadPsam('psam-test-1');
        const rig = new TransitRig({ fares, samTransmit: directTransmit(psam.card) });
        await rig.identify();
        const card = loadTransitCard(cardName);
        const honest = directTransmit(card.card);
        let n = 0;
        let debitSent = false;
        const hostile: Transmit = async (c) => {
          if (c[0] === 0x80 && c[1] === 0x54) debitSent = true;
          const real = await honest(c);
          if (n++ !== at) return real;
          switch (m.kind) {
            case 'random':
              return m.bytes;
            case 'truncate':
              return real.subarray(0, Math.min(m.keep, real.length));
            case 'flip': {
              const x = real.slice();
              if (x.length) x[m.at % x.length]! ^= m.mask;
              return x;
            }
            case 'sw':
              return Uint8Array.from([...real.subarray(0, real.length - 2), m.sw >> 8, m.sw & 0xff]);
          }
        };
        const run = await rig.tap(hostile, RIDES[r]!, NOW);
        const o = run.outcome;
        expect(['approved', 'declined', 'cannot-decide']).toContain(o.decision.outcome);
        expect(typeof o.decision.message).toBe('string');
        if (o.decision.outcome === 'approved') {
          const results = rig.journal.entries.filter((e) => e.record.type === 'result' && ['transit.result', 'transit.recovered'].includes(e.record.payload!.kind!));
          expect(results.length).toBeGreaterThan(0);
        }
        if (o.debit === 'none') expect(debitSent).toBe(false);
        if (debitSent) expect(rig.journal.entries.some((e) => e.record.type === 'intent')).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});
