// The emulator engine against ISO/IEC 7816-4 behaviour: SELECT, READ BINARY/RECORD, GET DATA,
// GET CHALLENGE, VERIFY, T=0 GET RESPONSE, and the status words real cards give.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../apdu/hex';
import { binaryEf, df, recordEf } from './fs';
import { Iso7816Card } from './iso7816-card';

function card(protocol: 'T0' | 'T1' = 'T1') {
  const app = df({
    fid: 0xdf01,
    name: fromHex('A000000632010105'),
    data: new Map<number, Uint8Array | (() => Uint8Array)>([[0x9f79, fromHex('000000001000')]]),
    children: [
      binaryEf({ fid: 0x0015, sfi: 0x15, data: fromHex('00112233445566778899') }),
      recordEf({ fid: 0x0018, sfi: 0x18, records: [fromHex('0A0301020390'), fromHex('0B0104')] }),
      recordEf({ fid: 0x0019, sfi: 0x19, records: [fromHex('01')], read: { state: 'pin:1' } }),
    ],
  });
  return new Iso7816Card({
    label: 'engine',
    atr: fromHex('3B00'),
    protocol,
    mf: df({ fid: 0x3f00, children: [app, binaryEf({ fid: 0x2f00, data: fromHex('CAFE') })] }),
    pins: { 1: { value: fromHex('123456'), tries: 3 } },
    random: (n) => new Uint8Array(n).fill(0x5a),
  });
}
const tx = (c: Iso7816Card, hex: string) => toHex(c.transmit(fromHex(hex)));

describe('ISO 7816-4 card emulator', () => {
  it('SELECT by DF name returns an FCI; unknown name 6A82; SELECT MF; EF by FID', () => {
    const c = card();
    expect(tx(c, '00A4040008A00000063201010500')).toBe('6F0C8408A000000632010105A5009000');
    expect(tx(c, '00A4040008A00000063201010600')).toBe('6A82');
    expect(tx(c, '00A4000C023F00')).toBe('9000');
    expect(tx(c, '00A40000022F00')).toBe('9000');
    expect(tx(c, '00B0000002')).toBe('CAFE9000');
    expect(tx(c, '00A40000029999')).toBe('6A82');
    expect(tx(c, '00A4050000')).toBe('6A86');
  });

  it('READ BINARY by SFI with offset, 6Cxx for a too-long Le, 6B00 past the end', () => {
    const c = card();
    tx(c, '00A4040008A000000632010105');
    expect(tx(c, '00B0950004')).toBe('001122339000');
    expect(tx(c, '00B0950804')).toBe('6C02');
    expect(tx(c, '00B0950802')).toBe('88999000');
    expect(tx(c, '00B0000B01')).toBe('6B00');
  });

  it('READ RECORD by number (SFI), by identifier (current EF), 6A83 and 6Cxx', () => {
    const c = card();
    tx(c, '00A4040008A000000632010105');
    expect(tx(c, '00B201C400')).toBe('0A03010203909000');
    expect(tx(c, '00B203C400')).toBe('6A83');
    expect(tx(c, '00B201C402')).toBe('6C06');
    expect(tx(c, '00B20B0000')).toBe('0B01049000'); // record id 0B in the current EF (18)
    expect(tx(c, '00B201F400')).toBe('6A82'); // SFI 1E absent
    expect(tx(c, '00B2000400')).toBe('6A86');
  });

  it('access rules: 6982 until VERIFY succeeds; VERIFY counts tries down and blocks', () => {
    const c = card();
    tx(c, '00A4040008A000000632010105');
    expect(tx(c, '00B201CC00')).toBe('6982');
    expect(tx(c, '0020000100')).toBe('63C3');
    expect(tx(c, '0020000103000000')).toBe('63C2');
    expect(tx(c, '0020000103123456')).toBe('9000');
    expect(tx(c, '00B201CC00')).toBe('019000');
    c.powerOn(); // reset clears the security status
    tx(c, '00A4040008A000000632010105');
    expect(tx(c, '00B201CC00')).toBe('6982');
    tx(c, '0020000103000000');
    tx(c, '0020000103000000');
    expect(tx(c, '0020000103000000')).toBe('6983');
    expect(tx(c, '0020000103123456')).toBe('6983');
  });

  it('GET DATA (00 and 80 class), GET CHALLENGE lengths', () => {
    const c = card();
    tx(c, '00A4040008A000000632010105');
    expect(tx(c, '80CA9F7900')).toBe('9F79060000000010009000');
    expect(tx(c, '80CA9F7700')).toBe('6A88');
    expect(tx(c, '0084000008')).toBe('5A5A5A5A5A5A5A5A9000');
    expect(tx(c, '0084000005')).toBe('6700');
  });

  it('T=0: 61xx then GET RESPONSE in pieces; wrong Le on GET RESPONSE gives 6Cxx', () => {
    const c = card('T0');
    expect(tx(c, '00A4040008A00000063201010500')).toBe('610E');
    expect(tx(c, '00C0000020')).toBe('6C0E');
    expect(tx(c, '00C0000004')).toBe('6F0C8408610A');
    expect(tx(c, '00C000000A')).toBe('A000000632010105A5009000');
    expect(tx(c, '00C0000004')).toBe('6985');
  });

  it('unknown INS 6D00, invalid class 6E00, malformed command 6700', () => {
    const c = card();
    expect(tx(c, '00EE000000')).toBe('6D00');
    expect(tx(c, 'FFA4040000')).toBe('6E00');
    expect(tx(c, '00A404000F01')).toBe('6700');
  });
});
