// EMV Book 3 §5.4: DOL parsing and building, with the padding/truncation rules per format.
import { describe, expect, it } from 'vitest';
import { buildDolData, dolLength, parseDol, splitDolData } from './dol';
import { fromHex, toHex } from './hex';

// The typical UnionPay PDOL of DOMAIN.md §1.2
const PDOL = fromHex('9F66049F02069F03069F1A0295055F2A029A039C019F3704');

describe('DOL', () => {
  it('parses the UnionPay PDOL', () => {
    const dol = parseDol(PDOL);
    expect(dol.map((e) => e.tag.toString(16))).toEqual(['9f66', '9f02', '9f03', '9f1a', '95', '5f2a', '9a', '9c', '9f37']);
    expect(dolLength(dol)).toBe(33);
  });

  it('builds data: exact, absent (zeros), n left-padded/truncated, others right', () => {
    const dol = parseDol(PDOL);
    const data = buildDolData(
      dol,
      new Map([
        [0x9f66, fromHex('26000080')],
        [0x9f02, fromHex('1234')], // n, shorter → leading zeros
        [0x9f1a, fromHex('000156')], // n, longer → truncated on the left
        [0x5f2a, fromHex('0156')],
        [0x9a, fromHex('261122')],
        [0x9f37, fromHex('0102030405')], // b, longer → truncated on the right
      ]),
    );
    expect(toHex(data)).toBe('26000080' + '000000001234' + '000000000000' + '0156' + '0000000000' + '0156' + '261122' + '00' + '01020304');
  });

  it('cn is padded with F on the right', () => {
    expect(toHex(buildDolData(parseDol(fromHex('5A05')), new Map([[0x5a, fromHex('6228')]])))).toBe('6228FFFFFF');
  });

  it('splits built data back by tag', () => {
    const dol = parseDol(fromHex('9F02069F3704'));
    const m = splitDolData(dol, fromHex('000000000100AABBCCDD'));
    expect(toHex(m.get(0x9f37)!)).toBe('AABBCCDD');
    expect(() => splitDolData(dol, fromHex('00'))).toThrow(/expected 10 bytes/);
  });

  it('rejects malformed DOLs', () => {
    expect(() => parseDol(fromHex('9F'))).toThrow(/truncated tag/);
    expect(() => parseDol(fromHex('9F02'))).toThrow(/no length/);
    expect(() => parseDol(fromHex('9F0281'))).toThrow(/single-byte/);
  });
});
