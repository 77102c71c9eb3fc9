/**
 * Small emulated cards for the driver tests (not fixtures of the product): the emulator's SSSE
 * application (src/emulator/ssse-app.ts, DOMAIN.md §1.1) with a given card number, T=0 or T=1, and no
 * holder data. The JSON personalisations of fixtures/cards are the product's; these only need to
 * differ by card number and protocol.
 */
import { fromHex } from '../../apdu/hex';
import { df } from '../../src/emulator/fs';
import { Iso7816Card } from '../../src/emulator/iso7816-card';
import { buildSsseDf, ssseSectionSchema } from '../../src/emulator/ssse-app';

/** T=1 ATR of a typical dual-interface chip; T=0 variant for the 61xx path. */
export const ATR_T1 = fromHex('3B6A00008131FE4580310A0000000000');
export const ATR_T0 = fromHex('3B6800000073C84013009000');

/** `cardNumber`: up to 9 upper-case letters or digits (EF05 tag 07), left-padded with zeros. */
export function ssseLikeCard(opts: { label: string; cardNumber: string; protocol?: 'T0' | 'T1'; region?: string }): Iso7816Card {
  const ssse = ssseSectionSchema.parse({
    ef05: {
      region: opts.region ?? '410100',
      cardBytes: '0102030405060708',
      cardType: '1',
      specVersion: '3.00',
      institution: '410100000000000000000001',
      issueDate: '20200115',
      expiry: '20300115',
      cardNumber: opts.cardNumber.padStart(9, '0'),
    },
  });
  const protocol = opts.protocol ?? 'T1';
  return new Iso7816Card({ label: opts.label, atr: protocol === 'T0' ? ATR_T0 : ATR_T1, protocol, mf: df({ fid: 0x3f00, children: [buildSsseDf(ssse)] }) });
}
