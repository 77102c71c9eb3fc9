/**
 * The e-purse MACs and keys (crypto.ts) against an independent CBC computation by node:crypto and
 * against their definitions; the block ciphers themselves are checked with published vectors in
 * src/pboc/crypto/symmetric.test.ts.
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../apdu/hex';
import { des3Encrypt, diversify, pad80, sm4Encrypt } from '../../pboc/crypto/symmetric';
import { diversifyChain, epMac, sessionKey, tacKey } from './crypto';

describe('MAC (ISO/IEC 9797-1 alg. 1, padding method 2)', () => {
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
  it('two levels apply the last factor (issuer) first', () => {
    const serial = fromHex('0000000000001001');
    const issuer = fromHex('4910000100000001');
    expect(toHex(diversifyChain('3des', mk, [serial, issuer]))).toBe(toHex(diversify('3des', diversify('3des', mk, issuer), serial)));
  });
  it('3DES session key: 3DES_DPK(random ‖ seq ‖ low 2 bytes of the terminal seq)', () => {
    const dpk = diversifyChain('3des', mk, [f]);
    const sk = sessionKey('3des', dpk, fromHex('11223344'), fromHex('0011'), fromHex('000003E8'));
    expect(sk).toHaveLength(8);
    expect(toHex(sk)).toBe(toHex(des3Encrypt(dpk, fromHex('11223344001103E8'))));
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
