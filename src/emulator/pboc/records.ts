/**
 * The record layout of the emulated UnionPay application (pure; the key-generation script signs
 * exactly these bytes):
 *
 *   SFI 1 rec 1  70{57 track 2}                                              } static data for ODA
 *   SFI 1 rec 2  70{5A 5F34 5F24 5F25 5F28 9F07 8C 8D 8E 9F0D 9F0E 9F0F       }  (AFL ODA count 2),
 *                   9F08 9F42 9F4A 9F14 9F23 9F49}                            } then the AIP (9F4A = 82)
 *   SFI 2 rec 1  70{8F 90 [9F32] [92]}
 *   SFI 2 rec 2  70{9F46 [9F47] [9F48]}
 *   SFI 2 rec 3  70{93}                      (when the card has SDA data)
 *   AFL          08 01 02 02 ‖ 10 01 02|03 00
 */
import { encodeBcd, encodeCn, encodeN } from '../../../apdu/codec';
import { concat, fromHex } from '../../../apdu/hex';
import { encodeTlv, tlv, type TlvInput } from '../../../apdu/tlv';
import type { PbocSection } from './personalisation';

export function track2(p: Pick<PbocSection, 'pan' | 'expiry' | 'serviceCode'>): Uint8Array {
  let s = `${p.pan}D${p.expiry.slice(0, 4)}${p.serviceCode}0000000000`;
  if (s.length % 2) s += 'F';
  return fromHex(s);
}

export interface ComposedRecords {
  files: Map<number, Uint8Array[]>;
  afl: Uint8Array;
  /** The ODA records' template values in AFL order, then the AIP: what the ICC certificate and SSAD sign. */
  staticData: Uint8Array;
}

type Perso = Omit<PbocSection, 'oda' | 'keys' | 'faults'> & { oda?: Partial<PbocSection['oda']> };

export function composeRecords(p: Perso): ComposedRecords {
  const panBytes = Math.ceil(p.pan.length / 2);
  const r11: TlvInput[] = [tlv(0x57, track2(p))];
  const r12: TlvInput[] = [
    tlv(0x5a, encodeCn(p.pan, panBytes)),
    tlv(0x5f34, encodeBcd(p.panSequence)),
    tlv(0x5f24, encodeBcd(p.expiry)),
    tlv(0x5f25, encodeBcd(p.effective)),
    tlv(0x5f28, encodeN(p.issuerCountry, 2)),
    tlv(0x9f07, fromHex('FF00')),
    tlv(0x8c, fromHex(p.cdol1)),
    tlv(0x8d, fromHex(p.cdol2)),
    tlv(0x8e, fromHex(p.cvmList)),
    tlv(0x9f0d, fromHex(p.iac.default)),
    tlv(0x9f0e, fromHex(p.iac.denial)),
    tlv(0x9f0f, fromHex(p.iac.online)),
    tlv(0x9f08, fromHex('0030')),
    tlv(0x9f42, encodeN(p.ec.currency, 2)),
    tlv(0x9f4a, Uint8Array.of(0x82)),
    tlv(0x9f14, Uint8Array.of(p.lcol)),
    tlv(0x9f23, Uint8Array.of(p.ucol)),
    tlv(0x9f49, fromHex(p.ddol)),
  ];
  const o = p.oda ?? {};
  const r21: TlvInput[] = [tlv(0x8f, fromHex(o.caIndex ?? '00')), tlv(0x90, fromHex(o.issuerCert ?? ''))];
  if (o.issuerExponent) r21.push(tlv(0x9f32, fromHex(o.issuerExponent)));
  if (o.issuerRemainder) r21.push(tlv(0x92, fromHex(o.issuerRemainder)));
  const r22: TlvInput[] = [tlv(0x9f46, fromHex(o.iccCert ?? ''))];
  if (o.iccExponent) r22.push(tlv(0x9f47, fromHex(o.iccExponent)));
  if (o.iccRemainder) r22.push(tlv(0x9f48, fromHex(o.iccRemainder)));
  const sfi2 = [encodeTlv(tlv(0x70, r21)), encodeTlv(tlv(0x70, r22))];
  if (o.ssad) sfi2.push(encodeTlv(tlv(0x70, [tlv(0x93, fromHex(o.ssad))])));
  const v11 = encodeTlv(r11);
  const v12 = encodeTlv(r12);
  const files = new Map<number, Uint8Array[]>([
    [1, [encodeTlv(tlv(0x70, v11)), encodeTlv(tlv(0x70, v12))]],
    [2, sfi2],
  ]);
  const afl = Uint8Array.of(0x08, 0x01, 0x02, 0x02, 0x10, 0x01, sfi2.length, 0x00);
  return { files, afl, staticData: concat(v11, v12, fromHex(p.aip)) };
}
