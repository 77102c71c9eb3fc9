/**
 * Small emulated cards for the driver tests (not fixtures of the product): an SSSE-like card with the
 * SSSE DF name and an EF05 record file (SFI 5, records are TLVs whose tag is the record id, DOMAIN.md
 * §1.1). The full SSSE emulator with JSON personalisations is src/emulator/ssse-card.ts; these exist
 * so the driver tests need only the ISO 7816 engine. Holder data: none (EF05 is card data).
 */
import { fromHex } from '../../apdu/hex';
import { encodeTlv } from '../../apdu/tlv';
import { df, recordEf } from '../../src/emulator/fs';
import { Iso7816Card } from '../../src/emulator/iso7816-card';

/** "sx1.sh." + GBK "社会保障" (DOMAIN.md §1.1). */
export const SSSE_DF_NAME = fromHex('7378312E73682EC9E7BBE1B1A3D5CF');

/** T=1 ATR of a typical dual-interface chip; T=0 variant for the 61xx path. */
export const ATR_T1 = fromHex('3B6A00008131FE4580310A0000000000');
export const ATR_T0 = fromHex('3B6800000073C84013009000');

export function ssseLikeCard(opts: { label: string; cardNumber: string; protocol?: 'T0' | 'T1'; region?: string }): Iso7816Card {
  const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
  const region = opts.region ?? '410100';
  const records = [
    encodeTlv({ tag: 0x01, value: fromHex(region + 'D156000005' + '0102030405060708') }),
    encodeTlv({ tag: 0x02, value: Uint8Array.of(0x01) }),
    encodeTlv({ tag: 0x03, value: ascii('3.00') }),
    encodeTlv({ tag: 0x04, value: fromHex('410100000000000000000001') }),
    encodeTlv({ tag: 0x05, value: fromHex('20200115') }),
    encodeTlv({ tag: 0x06, value: fromHex('20300115') }),
    encodeTlv({ tag: 0x07, value: ascii(opts.cardNumber.padEnd(9, '\0').slice(0, 9)) }),
  ];
  const protocol = opts.protocol ?? 'T1';
  return new Iso7816Card({
    label: opts.label,
    atr: protocol === 'T0' ? ATR_T0 : ATR_T1,
    protocol,
    mf: df({ fid: 0x3f00, children: [df({ name: SSSE_DF_NAME, children: [recordEf({ fid: 0xef05, sfi: 5, records })] })] }),
  });
}
