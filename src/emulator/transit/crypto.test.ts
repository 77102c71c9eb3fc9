/**
 * The e-purse crypto against published vectors (DES: FIPS 46 / the classic Stallings example; SM4:
 * GB/T 32907-2016 Appendix A example 1) and against an independent CBC computation by node:crypto.
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../apdu/hex';
import { desEncrypt, diversify, diversifyChain, epMac, pad80, sessionKey, sm4Encrypt, tacKey, tdesEncrypt } from './crypto';

describe('block ciphers (vectors)', () => {
  it('DES: 133457799BBCDFF1 / 0123456789ABCDEF → 85E813540F0AB405 (SOURCE: Stallings, FIPS 46 worked example)', () => {
    expect(toHex(desEncrypt(fromHex('133457799BBCDFF1'), fromHex('0123456789ABCDEF')))).toBe('85E813540F0AB405');
  });
  it('2-key 3DES with K1 = K2 is single DES', () => {
    const k = fromHex('133457799BBCDFF1');
    expect(toHex(tdesEncrypt(fromHex('133457799BBCDFF1133457799BBCDFF1'), fromHex('0123456789ABCDEF')))).toBe(toHex(desEncrypt(k, fromHex('0123456789ABCDEF'))));
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

describe('MAC (ISO/IEC 9797-1 alg. 1, padding method 2)', () => {
  it('pads with 80 then 00, always', () => {
    expect(toHex(pad80(fromHex('0102'), 8))).toBe('0102800000000000');
    expect(toHex(pad80(fromHex('0102030405060708'), 8))).toBe('01020304050607088000000000000000');
  });
  it('DES MAC equals the last block of an independent DES-CBC (IV 0) over the padded data, first 4 bytes', () => {
    const key = fromHex('0011223344556677');
    const data = fromHex('000000C8' + '09' + '000000001101' + '20261122160000');
    const c = createCipheriv('des-ede-cbc', Buffer.concat([key, key]), Buffer.alloc(8));
    c.setAutoPadding(false);
    const ct = Buffer.concat([c.update(pad80(data, 8)), c.final()]);
    expect(toHex(epMac('3des', key, data))).toBe(toHex(ct.subarray(ct.length - 8, ct.length - 4)));
  });
  it('SM4 MAC equals an independent SM4-CBC, first 4 bytes of the last block', () => {
    const key = fromHex('00112233445566778899AABBCCDDEEFF');
    const data = fromHex('000000C8');
    const c = createCipheriv('sm4-cbc', key, Buffer.alloc(16));
    c.setAutoPadding(false);
    const ct = Buffer.concat([c.update(pad80(data, 16)), c.final()]);
    expect(toHex(epMac('sm4', key, data))).toBe(toHex(ct.subarray(ct.length - 16, ct.length - 12)));
  });
});

describe('key derivation', () => {
  const mk = fromHex('54455354204D504B2033444553203031');
  const f = fromHex('0000000000001001');
  it('3DES diversification: 3DES_K(f) ‖ 3DES_K(~f)', () => {
    const inv = f.map((b) => b ^ 0xff);
    expect(toHex(diversify('3des', mk, f))).toBe(toHex(tdesEncrypt(mk, f)) + toHex(tdesEncrypt(mk, inv)));
  });
  it('SM4 diversification: SM4_K(f ‖ ~f)', () => {
    const inv = f.map((b) => b ^ 0xff);
    expect(toHex(diversify('sm4', mk, f))).toBe(toHex(sm4Encrypt(mk, Uint8Array.from([...f, ...inv]))));
  });
  it('two levels apply the last factor (issuer) first', () => {
    const serial = fromHex('0000000000001001');
    const issuer = fromHex('4910000100000001');
    expect(toHex(diversifyChain('3des', mk, [serial, issuer]))).toBe(toHex(diversify('3des', diversify('3des', mk, issuer), serial)));
  });
  it('3DES session key: 3DES_DPK(random ‖ seq ‖ low 2 bytes of the terminal seq)', () => {
    const dpk = diversifyChain('3des', mk, [f]);
    const sk = sessionKey('3des', dpk, fromHex('11223344'), fromHex('0011'), fromHex('000003E8'));
    expect(sk).toHaveLength(8);
    expect(toHex(sk)).toBe(toHex(tdesEncrypt(dpk, fromHex('11223344001103E8'))));
  });
  it('SM4 session key is 16 bytes over the padded input', () => {
    const sk = sessionKey('sm4', mk, fromHex('11223344'), fromHex('0011'), fromHex('000003E8'));
    expect(toHex(sk)).toBe(toHex(sm4Encrypt(mk, fromHex('11223344001103E88000000000000000'))));
  });
  it('TAC key: left ⊕ right for 3DES, the key itself for SM4', () => {
    expect(toHex(tacKey('3des', fromHex('0102030405060708F0F0F0F0F0F0F0F0')))).toBe('F1F2F3F4F5F6F7F8');
    expect(toHex(tacKey('sm4', mk))).toBe(toHex(mk));
  });
});
