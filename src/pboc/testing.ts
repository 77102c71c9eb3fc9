/**
 * Test rig for the PBOC kernel (tests, bench and `ykt pay --card`): the emulated cards of
 * fixtures/pboc/cards, the TEST CAPK set, a tokeniser with a TEST key, a recording persist channel
 * that implements the runner's contract (or the real journal, where a test wants it), and a
 * transmit straight onto the card.
 */
import { readFileSync } from 'node:fs';
import { fixturesDir } from '../core/paths';
import { mulberry32 } from '../core/prng';
import { buildCard } from '../emulator/card-fixture';
import type { Iso7816Card } from '../emulator/iso7816-card';
import { prepareInput } from '../journal/record';
import { createTokeniser } from '../journal/tokenise';
import type { PersistReceipt } from '../kernel/step';
import { parseCapkPayload } from './capk/artefact';
import type { CapkStore } from './capk/store';
import { pbocConfigSchema, type PbocConfigInput } from './config';
import { VerifiedCache } from './oda/cache';
import type { PbocPaymentInput } from './kernel/context';

let capk: CapkStore | undefined;

/** The TEST CAPK set (fixtures/pboc/capk-test.json). */
export function testCapk(): CapkStore {
  capk ??= parseCapkPayload(new Uint8Array(readFileSync(fixturesDir('pboc', 'capk-test.json'))));
  return capk;
}

/** TEST token key (32 bytes): not a secret, never a production value. */
export const TEST_TOKEN_KEY = new Uint8Array(32).fill(0x5a);
export const testTokeniser = createTokeniser(TEST_TOKEN_KEY);

export interface RecordedPersist {
  persist: (name: string, record: unknown) => PersistReceipt;
  records: { seq: bigint; name: string; record: Record<string, unknown> }[];
  /** Make the next N persists fail (journal out of service). */
  failNext(n?: number): void;
}

export function recordingPersist(): RecordedPersist {
  let seq = 0n;
  let failing = 0;
  const records: RecordedPersist['records'] = [];
  return {
    records,
    failNext(n = 1) {
      failing = n;
    },
    persist(name, record) {
      if (failing > 0) {
        failing--;
        throw new Error('journal out of service (test)');
      }
      // The journal's own input checks (src/journal/record.ts): shape, bounds, no personal data in clear.
      const r = record as Record<string, unknown>;
      prepareInput({ ...r, type: (r.type as string | undefined) ?? name, service: 'test' } as Parameters<typeof prepareInput>[0], { refusePersonalFields: true, canSeal: false });
      seq++;
      records.push({ seq, name, record: record as Record<string, unknown> });
      return { seq };
    },
  };
}

/** A Transmit straight onto an emulated card (no reader). */
export { transmitOf as directTransmit } from '../emulator/transmit-of';

/** A card of fixtures/pboc/cards with deterministic card randomness (IDN, card UN, SM2 nonces) for reproducible runs. */
export function pbocCard(name: string, seed = 1): Iso7816Card {
  const next = mulberry32(seed);
  const random = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
  return buildCard(JSON.parse(readFileSync(fixturesDir('pboc', 'cards', `${name}.json`), 'utf8')), { random });
}

export const TEST_NOW = Date.UTC(2026, 10, 22, 4, 30, 0); // 2026-11-22 12:30 CST

export function paymentInput(over: Omit<Partial<PbocPaymentInput>, 'config'> & { config?: PbocConfigInput } = {}): PbocPaymentInput {
  const { config, ...rest } = over;
  return {
    config: pbocConfigSchema.parse(config ?? {}),
    interface: 'contactless',
    amountFen: 1234,
    nowMs: TEST_NOW,
    unpredictableNumber: Uint8Array.of(0x12, 0x34, 0x56, 0x78),
    random: (n) => new Uint8Array(n).fill(0x63),
    capk: testCapk(),
    tokenise: testTokeniser,
    isHotlisted: () => false,
    offlineCheck: () => ({ ok: true }),
    verifiedCache: new VerifiedCache(256),
    ...rest,
  };
}
