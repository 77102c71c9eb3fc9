/**
 * TEST KEYS — FOR EMULATED CARDS AND PSAMS ONLY. NEVER LOAD THESE INTO A REAL PSAM OR CARD.
 *
 * Master keys of a fictitious issuer ("YKT TEST"): the emulated PSAM holds the master purchase key
 * (MPK) and derives each card's purchase key from the MAC1 factors; the emulated card is personalised
 * with the keys derived the same way (two levels: issuer, then card serial — crypto.ts). The TAC
 * master key stays with the (test) clearing backend, as in the real scheme.
 *
 * The byte strings spell "TEST…" in ASCII so that a key dump is recognisable at a glance.
 */
import { fromHex } from '../../../apdu/hex';
import type { EpAlgorithm } from './crypto';

export interface TestKeySet {
  readonly name: string;
  readonly warning: 'TEST KEYS - NOT FOR PRODUCTION';
  /** Master purchase key (消费主密钥) per algorithm, 16 bytes. */
  readonly purchase: Readonly<Record<EpAlgorithm, Uint8Array>>;
  /** Master TAC key per algorithm, 16 bytes. */
  readonly tac: Readonly<Record<EpAlgorithm, Uint8Array>>;
}

export const TEST_KEYSETS: Readonly<Record<string, TestKeySet>> = {
  'test-1': {
    name: 'test-1',
    warning: 'TEST KEYS - NOT FOR PRODUCTION',
    purchase: {
      '3des': fromHex('54455354204D504B2033444553203031'), // "TEST MPK 3DES 01"
      sm4: fromHex('54455354204D504B20534D3420202031'), // "TEST MPK SM4   1"
    },
    tac: {
      '3des': fromHex('54455354204D544B2033444553203031'), // "TEST MTK 3DES 01"
      sm4: fromHex('54455354204D544B20534D3420202031'), // "TEST MTK SM4   1"
    },
  },
  /** A second issuer's keys: a card personalised with these fails MAC1 at a PSAM holding test-1. */
  'test-2': {
    name: 'test-2',
    warning: 'TEST KEYS - NOT FOR PRODUCTION',
    purchase: {
      '3des': fromHex('54455354204D504B2033444553203032'),
      sm4: fromHex('54455354204D504B20534D3420202032'),
    },
    tac: {
      '3des': fromHex('54455354204D544B2033444553203032'),
      sm4: fromHex('54455354204D544B20534D3420202032'),
    },
  },
};

export function testKeySet(name: string): TestKeySet {
  const k = TEST_KEYSETS[name];
  if (!k) throw new RangeError(`test key set "${name}": unknown (known: ${Object.keys(TEST_KEYSETS).join(', ')})`);
  return k;
}
