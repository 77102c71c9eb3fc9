/**
 * Builds the UnionPay application's DFs for a card fixture's "pboc" section: the PPSE and PSE
 * directories and the application DF (records by SFI, the cyclic log, GET DATA objects, the app's own
 * commands). Registered with src/emulator/card-fixture.ts, so any fixture with a "pboc" section —
 * alone or beside "ssse" on one chip — builds.
 */
import { encodeAn } from '../../../apdu/codec';
import { fromHex } from '../../../apdu/hex';
import { encodeTlv, tlv } from '../../../apdu/tlv';
import { df, recordEf, type DfNode } from '../fs';
import { PbocApp } from './pboc-app';
import { pbocSectionSchema, type PbocSection } from './personalisation';
import { composeRecords } from './records';

const PSE = new TextEncoder().encode('1PAY.SYS.DDF01');
const PPSE = new TextEncoder().encode('2PAY.SYS.DDF01');

export function buildPbocDfs(section: unknown): { dfs: DfNode[]; app: PbocApp } {
  const p: PbocSection = pbocSectionSchema.parse(section);
  const aid = fromHex(p.aid);
  const label = encodeAn(p.label, p.label.length);
  const entry = tlv(0x61, [tlv(0x4f, aid), tlv(0x50, label), tlv(0x87, Uint8Array.of(p.priority))]);
  const { files, afl } = composeRecords(p);
  const logEf = recordEf({ sfi: p.log.sfi, records: [], cyclic: true });
  const app = new PbocApp(p, afl, logEf);
  const fci = encodeTlv(
    tlv(0x6f, [
      tlv(0x84, aid),
      tlv(0xa5, [
        tlv(0x50, label),
        tlv(0x87, Uint8Array.of(p.priority)),
        tlv(0x9f38, fromHex(p.pdol)),
        tlv(0x5f2d, encodeAn('zhen', 4)),
        tlv(0xbf0c, [tlv(0x9f4d, Uint8Array.of(p.log.sfi, p.log.size))]),
      ]),
    ]),
  );
  const appDf = df({
    name: aid,
    fci,
    children: [...[...files].map(([sfi, records]) => recordEf({ sfi, records })), logEf],
    data: app.dataObjects(),
    app,
  });
  const dfs: DfNode[] = [];
  if (p.directories.ppse) {
    dfs.push(df({ name: PPSE, fci: encodeTlv(tlv(0x6f, [tlv(0x84, PPSE), tlv(0xa5, [tlv(0xbf0c, [entry])])])) }));
  }
  if (p.directories.pse) {
    dfs.push(
      df({
        name: PSE,
        fci: encodeTlv(tlv(0x6f, [tlv(0x84, PSE), tlv(0xa5, [tlv(0x88, Uint8Array.of(1))])])),
        children: [recordEf({ sfi: 1, records: [encodeTlv(tlv(0x70, [entry]))] })],
      }),
    );
  }
  dfs.push(appDf);
  return { dfs, app };
}

