/**
 * Block ciphers, padding and key diversification of symmetric.ts against published vectors (DES:
 * FIPS 46 / the classic Stallings example; SM4: GB/T 32907-2016 Appendix A example 1) and against
 * their definitions.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../apdu/hex';
import { des3Encrypt, desEncrypt, diversify, pad80, sm4Encrypt } from './symmetric';

describe('block ciphers (vectors)', () => {
  it('DES: 133457799BBCDFF1 / 0123456789ABCDEF → 85E813540F0AB405 (SOURCE: Stallings, FIPS 46 worked example)', () => {
    expect(toHex(desEncrypt(fromHex('133457799BBCDFF1'), fromHex('0123456789ABCDEF')))).toBe('85E813540F0AB405');
  });
  it('2-key 3DES with K1 = K2 is single DES', () => {
    const k = fromHex('133457799BBCDFF1');
    expect(toHex(des3Encrypt(fromHex('133457799BBCDFF1133457799BBCDFF1'), fromHex('0123456789ABCDEF')))).toBe(toHex(desEncrypt(k, fromHex('0123456789ABCDEF'))));
  });
  it('SM4: GB/T 32907-2016 A.1 (key = plaintext = 0123456789ABCDEFFEDCBA9876543210)', () => {
    const k = fromHex('0123456789ABCDEFFEDCBA9876543210');
    expect(toHex(sm4Encrypt(k, k))).toBe('681EDF34D206965E86B3E94F536E4246');
  });
  it('refuses keys of the wrong length with a message that says so', () => {
    expect(() => desEncrypt(new Uint8Array(7), new Uint8Array(8))).toThrow('expected 8 bytes, got length=7');
    expect(() => sm4Encrypt(new Uint8Array(8), new Uint8Array(16))).toThrow('expected 16 bytes');
  });
});

describe('ISO/IEC 9797-1 padding method 2', () => {
  it('pads with 80 then 00, always', () => {
    expect(toHex(pad80(fromHex('0102'), 8))).toBe('0102800000000000');
    expect(toHex(pad80(fromHex('0102030405060708'), 8))).toBe('01020304050607088000000000000000');
  });
});

describe('key diversification', () => {
  const mk = fromHex('54455354204D504B2033444553203031');
  const f = fromHex('0000000000001001');
  it('3DES diversification: 3DES_K(f) ‖ 3DES_K(~f)', () => {
    const inv = f.map((b) => b ^ 0xff);
    expect(toHex(diversify('3des', mk, f))).toBe(toHex(des3Encrypt(mk, f)) + toHex(des3Encrypt(mk, inv)));
  });
  it('SM4 diversification: SM4_K(f ‖ ~f)', () => {
    const inv = f.map((b) => b ^ 0xff);
    expect(toHex(diversify('sm4', mk, f))).toBe(toHex(sm4Encrypt(mk, Uint8Array.from([...f, ...inv]))));
  });
});
