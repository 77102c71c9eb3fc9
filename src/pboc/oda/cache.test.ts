/**
 * The verified-signature memory on a real SM2 chain (the TEST card pboc-sm2 and the TEST CAPK set):
 * a repeat card's certificates are not verified again, and a remembered signature never skips what
 * depends on the day, the card or the revocation list.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../apdu/hex';
import { fixturesDir } from '../../core/paths';
import { testCapk } from '../testing';
import { VerifiedCache } from './cache';
import { verifySm2IccCert, verifySm2IssuerCert, type Sm2CaKey } from './sm2-oda';

const card = JSON.parse(readFileSync(fixturesDir('pboc', 'cards', 'pboc-sm2.json'), 'utf8')).sections.pboc as { pan: string; oda: { issuerCert: string; iccCert: string } };
const capk = testCapk();
const lookup = capk.lookup(fromHex('A000000333'), 0xf2, 'sm2', 20261122);
if (!lookup.ok || lookup.key.algorithm !== 'sm2') throw new Error('TEST SM2 CA key missing');
const ca: Sm2CaKey = lookup.key;
const issuerInput = { ca, cert: fromHex(card.oda.issuerCert), pan: card.pan, today: 20261122 };

describe('VerifiedCache with SM2 certificates', () => {
  it('a repeat card: the issuer certificate is verified once, then remembered', () => {
    const cache = new VerifiedCache(8);
    const ctx = { userId: '1234567812345678', cache };
    expect(verifySm2IssuerCert(issuerInput, ctx)).toMatchObject({ ok: true });
    expect(cache).toMatchObject({ hits: 0, misses: 1, size: 1 });
    expect(verifySm2IssuerCert(issuerInput, ctx)).toMatchObject({ ok: true });
    expect(cache).toMatchObject({ hits: 1, misses: 1, size: 1 });
  });

  it('a remembered signature still gets the date, PAN and revocation checks', () => {
    const cache = new VerifiedCache(8);
    const ctx = { userId: '1234567812345678', cache };
    const iss = verifySm2IssuerCert(issuerInput, ctx);
    if (!iss.ok) throw new Error(iss.message);
    expect(verifySm2IssuerCert({ ...issuerInput, today: 20360101 }, ctx)).toMatchObject({ ok: false, code: 'issuer-cert-expired' });
    expect(verifySm2IssuerCert({ ...issuerInput, isRevoked: () => true }, ctx)).toMatchObject({ ok: false, code: 'issuer-cert-revoked' });
    expect(verifySm2IssuerCert({ ...issuerInput, pan: '5' + card.pan.slice(1) }, ctx)).toMatchObject({ ok: false, code: 'issuer-id-mismatch' });
    const icc = { issuer: iss.issuer, cert: fromHex(card.oda.iccCert), staticData: new Uint8Array(0), pan: card.pan, today: 20261122 };
    // The ICC certificate signs the static data too: other static data is another signature, never a hit.
    expect(verifySm2IccCert(icc, ctx)).toMatchObject({ ok: false, code: 'icc-cert-signature' });
    expect(cache.hits).toBe(3);
  });

  it('a failed verification is not remembered; capacity bounds the memory (least recently used out)', () => {
    const cache = new VerifiedCache(1);
    const ctx = { userId: 'ANOTHER-ID', cache };
    expect(verifySm2IssuerCert(issuerInput, ctx)).toMatchObject({ ok: false, code: 'issuer-cert-signature' });
    expect(cache.size).toBe(0);
    const good = { userId: '1234567812345678', cache };
    expect(verifySm2IssuerCert(issuerInput, good)).toMatchObject({ ok: true });
    const other = new VerifiedCache(0);
    expect(verifySm2IssuerCert(issuerInput, { ...good, cache: other })).toMatchObject({ ok: true });
    expect(other.size).toBe(0);
    expect(cache.size).toBe(1);
  });
});
