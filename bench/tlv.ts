/**
 * bench/tlv: BER-TLV parse throughput of a realistic card record set (what a terminal parses during a
 * PBOC + SSSE read), ours vs the npm package `ber-tlv`, in the same run.
 *   npx tsx bench/tlv.ts
 */
import berTlv from 'ber-tlv';
import { encodeTlv, tlv, decodeTlv } from '../apdu/tlv';
import { fromHex } from '../apdu/hex';
import { report, throughput } from './lib';

const h = fromHex;
const rnd = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed * 17) & 0xff);

const records: Uint8Array[] = [
  // PPSE FCI with two applications
  encodeTlv(tlv(0x6f, [tlv(0x84, h('325041592E5359532E4444463031')), tlv(0xa5, [tlv(0xbf0c, [
    tlv(0x61, [tlv(0x4f, h('A000000333010101')), tlv(0x50, h('50424F4320444542495420')), tlv(0x87, h('01'))]),
    tlv(0x61, [tlv(0x4f, h('A000000632010105')), tlv(0x50, h('54554E494F4E')), tlv(0x87, h('02'))]),
  ])])])),
  // Application FCI with PDOL
  encodeTlv(tlv(0x6f, [tlv(0x84, h('A000000333010101')), tlv(0xa5, [tlv(0x50, h('50424F43')), tlv(0x87, h('01')), tlv(0x9f38, h('9F66049F02069F03069F1A0295055F2A029A039C019F3704')), tlv(0xbf0c, [tlv(0x9f4d, h('0B0A'))])])])),
  // qPBOC GPO answer (template 77)
  encodeTlv(tlv(0x77, [tlv(0x82, h('7C00')), tlv(0x94, h('08010100100102011801020020010200')), tlv(0x9f36, h('0042')), tlv(0x9f26, rnd(8, 1)), tlv(0x9f10, h('07010103A00000010A010000000000E3B1FAB9')), tlv(0x57, h('6228480012345678901D24122010000000000F')), tlv(0x5f34, h('01')), tlv(0x9f6c, h('0080')), tlv(0x9f5d, h('000000010000')), tlv(0x9f4b, rnd(128, 2))])),
  // READ RECORD: issuer certificate (1152-bit) etc.
  encodeTlv(tlv(0x70, [tlv(0x8f, h('0B')), tlv(0x90, rnd(144, 3)), tlv(0x9f32, h('03')), tlv(0x92, rnd(36, 4))])),
  encodeTlv(tlv(0x70, [tlv(0x9f46, rnd(128, 5)), tlv(0x9f47, h('03')), tlv(0x9f48, rnd(42, 6)), tlv(0x9f49, h('9F3704'))])),
  encodeTlv(tlv(0x70, [tlv(0x5a, h('6228480012345678901F')), tlv(0x5f24, h('291231')), tlv(0x5f25, h('190101')), tlv(0x5f28, h('0156')), tlv(0x5f34, h('01')), tlv(0x8c, h('9F02069F03069F1A0295055F2A029A039C019F37049F21039F4E14')), tlv(0x8d, h('8A029F02069F03069F1A0295055F2A029A039C019F3704')), tlv(0x8e, h('000000000000000042031E031F00')), tlv(0x9f07, h('FF00')), tlv(0x9f0d, h('D860ACA800')), tlv(0x9f0e, h('0010000000')), tlv(0x9f0f, h('D868BCF800'))])),
  // SSSE EF05 records
  ...['0110410100D1560000050000000000001001', '020133', '0304332E3030', '040C410100000000000000000001', '050420240315', '060420340315', '0709413431303031303031'].map(h),
];

const total = records.reduce((n, r) => n + r.length, 0);
// Sanity: both parsers agree on top-level tags
for (const r of records) {
  const a = decodeTlv(r).map((n) => n.tag.toString(16).toUpperCase().padStart(2, '0'));
  const b = berTlv.TlvFactory.parse(Buffer.from(r)).map((n: { tag: string }) => n.tag);
  if (a.join() !== b.join()) throw new Error(`parsers disagree on ${Buffer.from(r).toString('hex')}: ${a} vs ${b}`);
}
const buffers = records.map((r) => Buffer.from(r));

const ours = throughput(() => {
  for (const r of records) decodeTlv(r);
}, 2000);
const theirs = throughput(() => {
  for (const b of buffers) berTlv.TlvFactory.parse(b);
}, 2000);

report('tlv', {
  record_set_bytes: total,
  records: records.length,
  ours_sets_per_s: ours,
  ours_MB_per_s: (ours * total) / 1e6,
  ber_tlv_sets_per_s: theirs,
  ber_tlv_MB_per_s: (theirs * total) / 1e6,
  ratio_ours_vs_ber_tlv: ours / theirs,
});

