/**
 * EMV Book 2 RSA offline data authentication against published test data (emv-tools' SDA/DDA/CDA
 * vectors; fixtures/pboc/vectors/emv-rsa-oda.json, SOURCE there), plus the failure paths.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex } from '../../../apdu/hex';
import { fixturesDir } from '../../core/paths';
import { sha1 } from '../crypto/hash';
import { rsaPublicKey } from '../crypto/rsa';
import { recoverIccKey, recoverIssuerKey, rsaCapkChecksum, verifySdad, verifySsad, type RsaCaKey } from './rsa-oda';

const v = JSON.parse(readFileSync(fixturesDir('pboc', 'vectors', 'emv-rsa-oda.json'), 'utf8'));
const caOf = (c: { rid: string; index: string; modulus: string; exponent: string }): RsaCaKey => ({
  rid: fromHex(c.rid),
  index: parseInt(c.index, 16),
  key: rsaPublicKey(fromHex(c.modulus), fromHex(c.exponent)),
});
const flip = (b: Uint8Array, i: number) => {
  const c = b.slice();
  c[i]! ^= 0x01;
  return c;
};

describe('published CA test keys: checksum (EMV Book 2 §11.2.2)', () => {
  for (const k of ['sda', 'dda']) {
    it(`${v[k].capk.rid} index ${v[k].capk.index}`, () => {
      const c = v[k].capk;
      expect(toHex(rsaCapkChecksum(fromHex(c.rid), parseInt(c.index, 16), fromHex(c.modulus), fromHex(c.exponent)))).toBe(c.checksum);
    });
  }
});

describe('SDA (emv-tools sda_test: Visa test CA 01)', () => {
  const x = v.sda;
  const ca = caOf(x.capk);
  const base = { ca, cert: fromHex(x.issuerCert), remainder: fromHex(x.issuerRemainder), exponent: fromHex(x.issuerExponent), pan: x.pan, today: 20090101 };

  it('recovers the issuer key (1024-bit CA, issuer key with remainder) and verifies the SSAD', () => {
    const iss = recoverIssuerKey(base);
    expect(iss.ok).toBe(true);
    if (!iss.ok) return;
    expect(iss.issuer.issuerId).toBe('427655');
    expect(iss.issuer.expiry).toEqual({ y: 2009, m: 12 });
    const sda = verifySsad(iss.issuer, fromHex(x.ssad), fromHex(x.staticData));
    expect(sda).toMatchObject({ ok: true });
  });

  it('fails on altered static data, an expired certificate, a revoked certificate, a wrong PAN, a missing remainder', () => {
    const iss = recoverIssuerKey(base);
    if (!iss.ok) throw new Error(iss.message);
    expect(verifySsad(iss.issuer, fromHex(x.ssad), flip(fromHex(x.staticData), 5))).toMatchObject({ ok: false, code: 'sda-signature' });
    expect(verifySsad(iss.issuer, flip(fromHex(x.ssad), 7), fromHex(x.staticData))).toMatchObject({ ok: false });
    expect(recoverIssuerKey({ ...base, today: 20100101 })).toMatchObject({ ok: false, code: 'issuer-cert-expired', message: 'issuer certificate expired 12/2009' });
    expect(recoverIssuerKey({ ...base, isRevoked: (_rid, idx, serial) => idx === 1 && serial === iss.issuer.serial })).toMatchObject({ ok: false, code: 'issuer-cert-revoked' });
    expect(recoverIssuerKey({ ...base, pan: '5276550000000000' })).toMatchObject({ ok: false, code: 'issuer-id-mismatch' });
    expect(recoverIssuerKey({ ...base, remainder: undefined })).toMatchObject({ ok: false, code: 'data-missing' });
    expect(recoverIssuerKey({ ...base, remainder: flip(fromHex(x.issuerRemainder), 0) })).toMatchObject({ ok: false, code: 'issuer-cert-hash' });
    expect(recoverIssuerKey({ ...base, cert: flip(fromHex(x.issuerCert), 40) })).toMatchObject({ ok: false });
    expect(recoverIssuerKey({ ...base, cert: fromHex(x.issuerCert).subarray(1) })).toMatchObject({ ok: false, code: 'issuer-cert-invalid' });
  });
});

describe('DDA (emv-tools dda_test: MasterCard test CA 05)', () => {
  const x = v.dda;
  const ca = caOf(x.capk);
  const today = 20150101;
  const issuer = () => {
    const r = recoverIssuerKey({ ca, cert: fromHex(x.issuerCert), remainder: fromHex(x.issuerRemainder), exponent: fromHex(x.issuerExponent), pan: x.pan, today });
    if (!r.ok) throw new Error(r.message);
    return r.issuer;
  };
  const iccInput = () => ({ issuer: issuer(), cert: fromHex(x.iccCert), remainder: undefined, exponent: fromHex(x.iccExponent), staticData: fromHex(x.staticData), pan: x.pan, today });

  it('recovers issuer and ICC keys and verifies the SDAD with the DDOL data', () => {
    const icc = recoverIccKey(iccInput());
    expect(icc.ok).toBe(true);
    if (!icc.ok) return;
    expect(icc.icc.key.modulus.length).toBe(112);
    const d = verifySdad(icc.icc, fromHex(x.sdad), fromHex(x.ddolData), 'dda');
    expect(d.ok).toBe(true);
    if (d.ok) expect(d.iccDynamicNumber.length).toBeGreaterThanOrEqual(2);
  });

  it('fails when the static data, the PAN, the UN or the SDAD change', () => {
    expect(recoverIccKey({ ...iccInput(), staticData: flip(fromHex(x.staticData), 3) })).toMatchObject({ ok: false, code: 'icc-cert-hash' });
    expect(recoverIccKey({ ...iccInput(), pan: '5285881254345654' })).toMatchObject({ ok: false, code: 'icc-pan-mismatch' });
    const icc = recoverIccKey(iccInput());
    if (!icc.ok) throw new Error(icc.message);
    expect(verifySdad(icc.icc, fromHex(x.sdad), fromHex('00000001'), 'dda')).toMatchObject({ ok: false, code: 'dda-signature' });
    expect(verifySdad(icc.icc, flip(fromHex(x.sdad), 50), fromHex(x.ddolData), 'dda')).toMatchObject({ ok: false, code: 'dda-signature' });
    expect(verifySdad(icc.icc, undefined, fromHex(x.ddolData), 'fdda')).toMatchObject({ ok: false, code: 'data-missing' });
  });

  it('CDA data (emv-tools cda_test): the SDAD verifies with the UN and carries the hash of the transaction data', () => {
    const c = v.cda;
    const icc = recoverIccKey(iccInput());
    if (!icc.ok) throw new Error(icc.message);
    const d = verifySdad(icc.icc, fromHex(c.sdad), fromHex(c.unpredictableNumber), 'dda');
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    // ICC dynamic data for CDA (EMV Book 2 Table 19): Lidn ‖ IDN ‖ CID ‖ AC ‖ transaction data hash
    const dyn = d.iccDynamicData;
    const lidn = dyn[0]!;
    expect(toHex(dyn.subarray(1 + lidn, 2 + lidn))).toBe(c.cid);
    const txHash = dyn.subarray(2 + lidn + 8, 2 + lidn + 8 + 20);
    expect(toHex(txHash)).toBe(toHex(sha1(concat(fromHex(c.cdol1Data), fromHex(c.genAcResponseData)))));
  });
});
