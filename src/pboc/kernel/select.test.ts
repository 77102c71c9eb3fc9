/** Candidate lists (EMV Book 1 §12): terminal-supported AIDs only, card priority order, partial matches. */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../apdu/hex';
import { encodeTlv, tlv } from '../../../apdu/tlv';
import { runKernel } from '../../kernel/runner';
import { pbocConfigSchema } from '../config';
import { selectPpse } from './select';

const entry = (aid: string, prio?: number) => tlv(0x61, [tlv(0x4f, fromHex(aid)), tlv(0x50, new TextEncoder().encode('X')), ...(prio ? [tlv(0x87, Uint8Array.of(prio))] : [])]);
const ppse = (...entries: ReturnType<typeof entry>[]) => {
  const fci = encodeTlv(tlv(0x6f, [tlv(0x84, new TextEncoder().encode('2PAY.SYS.DDF01')), tlv(0xa5, [tlv(0xbf0c, entries)])]));
  return async () => new Uint8Array([...fci, 0x90, 0x00]);
};

describe('PPSE candidate list', () => {
  it('keeps supported AIDs (exact or by prefix), sorts by card priority, then terminal order; ignores priority 0', async () => {
    const cfg = pbocConfigSchema.parse({});
    const card = ppse(entry('A000000632010105', 1), entry('A000000333010102', 3), entry('A00000033301010101', 2), entry('A000000333010106'), entry('A000000333010101', 0x80));
    const r = await runKernel(selectPpse(cfg), { card });
    expect(r.outcome!.map((c) => toHex(c.aid))).toEqual(['A00000033301010101', 'A000000333010102', 'A000000333010101', 'A000000333010106']);
  });
  it('exact matching only when partial is off; no PPSE → undefined', async () => {
    const cfg = pbocConfigSchema.parse({ aids: [{ aid: 'A000000333010101', partial: false }] });
    const r = await runKernel(selectPpse(cfg), { card: ppse(entry('A00000033301010101', 1), entry('A000000333010101', 2)) });
    expect(r.outcome!.map((c) => toHex(c.aid))).toEqual(['A000000333010101']);
    const none = await runKernel(selectPpse(cfg), { card: async () => Uint8Array.of(0x6a, 0x82) });
    expect(none.outcome).toBeUndefined();
  });
});
