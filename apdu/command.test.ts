// ISO/IEC 7816-3 §12.1 / 7816-4 §5.1: command APDU cases 1–4, short and extended.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apdu, encodeCommand, parseCommand, ApduFormatError, type CommandApdu } from './command';
import { fromHex, toHex } from './hex';
import { ProtocolError } from '../src/core/errors';

const enc = (c: CommandApdu, ext = false) => toHex(encodeCommand(c, { extended: ext }));

describe('encodeCommand', () => {
  it('case 1', () => expect(enc(apdu(0x00, 0xa4, 0x04, 0x00))).toBe('00A40400'));
  it('case 2 short, Le 256 as 00', () => {
    expect(enc(apdu(0x00, 0xb2, 0x01, 0x2c, undefined, 256))).toBe('00B2012C00');
    expect(enc(apdu(0x80, 0x5c, 0x00, 0x02, undefined, 4))).toBe('805C000204');
  });
  it('case 3 short', () => expect(enc(apdu(0x00, 0xa4, 0x02, 0x00, fromHex('EF05')))).toBe('00A4020002EF05'));
  it('case 4 short (the SSSE SELECT)', () =>
    expect(enc(apdu(0x00, 0xa4, 0x04, 0x00, fromHex('7378312E73682EC9E7BBE1B1A3D5CF'), 256))).toBe('00A404000F7378312E73682EC9E7BBE1B1A3D5CF00'));
  it('case 2 extended: 00 Le1 Le2, 65536 as 0000', () => {
    expect(enc(apdu(0x00, 0xb0, 0, 0, undefined, 65536))).toBe('00B00000000000');
    expect(enc(apdu(0x00, 0xb0, 0, 0, undefined, 300))).toBe('00B0000000012C');
  });
  it('case 3 and 4 extended', () => {
    const data = new Uint8Array(300).fill(0xaa);
    const c3 = encodeCommand(apdu(0x00, 0xd6, 0, 0, data));
    expect(toHex(c3.subarray(0, 7))).toBe('00D6000000012C');
    expect(c3.length).toBe(7 + 300);
    const c4 = encodeCommand(apdu(0x00, 0x2a, 0x9e, 0x9a, fromHex('0102'), 512), { extended: true });
    expect(toHex(c4)).toBe('002A9E9A00000201020200');
  });
  it('refuses out-of-range values with exact messages', () => {
    expect(() => encodeCommand({ cla: 256, ins: 0, p1: 0, p2: 0 })).toThrow('CLA: expected a byte 0..255, got 256');
    expect(() => encodeCommand({ cla: 0, ins: 0, p1: 0, p2: 0, le: 0 })).toThrow(/Le: expected 1..65536/);
    expect(() => encodeCommand({ cla: 0, ins: 0, p1: 0, p2: 0, data: new Uint8Array(65536) })).toThrow(/65535/);
  });
});

describe('parseCommand', () => {
  it('detects each case', () => {
    expect(parseCommand(fromHex('00A40400'))).toMatchObject({ case: 1, extended: false });
    expect(parseCommand(fromHex('00B2012C00'))).toMatchObject({ case: 2, le: 256 });
    expect(parseCommand(fromHex('00A4020002EF05'))).toMatchObject({ case: 3 });
    expect(parseCommand(fromHex('00A404000F7378312E73682EC9E7BBE1B1A3D5CF00'))).toMatchObject({ case: 4, le: 256 });
    expect(parseCommand(fromHex('00B00000000000'))).toMatchObject({ case: 2, extended: true, le: 65536 });
    expect(parseCommand(fromHex('002A9E9A00000201020200'))).toMatchObject({ case: 4, extended: true, le: 512 });
  });
  it('rejects inconsistent lengths as a ProtocolError', () => {
    expect(() => parseCommand(fromHex('00A4'))).toThrow(ApduFormatError);
    expect(() => parseCommand(fromHex('00A4020003EF05'))).toThrow(ProtocolError);
    expect(() => parseCommand(fromHex('00D60000000000AA'))).toThrow(/extended Lc of 0/);
  });
  it('round-trips every well-formed command (property)', () => {
    const arbCmd = fc.record({
      cla: fc.integer({ min: 0, max: 255 }),
      ins: fc.integer({ min: 0, max: 255 }),
      p1: fc.integer({ min: 0, max: 255 }),
      p2: fc.integer({ min: 0, max: 255 }),
      data: fc.option(fc.uint8Array({ minLength: 1, maxLength: 400 }), { nil: undefined }),
      le: fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
      ext: fc.boolean(),
    });
    fc.assert(
      fc.property(arbCmd, ({ ext, ...c }) => {
        const bytes = encodeCommand(c, { extended: ext });
        const p = parseCommand(bytes);
        expect(p.cla).toBe(c.cla);
        expect(p.ins).toBe(c.ins);
        expect(toHex(p.data ?? new Uint8Array(0))).toBe(toHex(c.data ?? new Uint8Array(0)));
        expect(p.le).toBe(c.le);
        expect(toHex(encodeCommand(p, { extended: p.extended }))).toBe(toHex(bytes));
      }),
      { numRuns: 5000 },
    );
  });
  it('never throws anything but a ProtocolError on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          parseCommand(b);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 20000 },
    );
  });
});
