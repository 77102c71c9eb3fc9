/** CAPK store and the "pboc-capk" artefact: checksums validated at load, expiry at use, revocation list. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../apdu/hex';
import { ConfigError } from '../../core/errors';
import { fixturesDir } from '../../core/paths';
import { ArtefactRegistry, ARTEFACT_KINDS } from '../../downloads/registry';
import { CAPK_FORMAT, parseCapkPayload, registerCapkKind } from './artefact';

const payload = () => JSON.parse(readFileSync(fixturesDir('pboc', 'capk-test.json'), 'utf8'));
const vectors = JSON.parse(readFileSync(fixturesDir('pboc', 'vectors', 'emv-rsa-oda.json'), 'utf8'));
const bytes = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const RID = fromHex('A000000333');

describe('CAPK store', () => {
  it('loads the TEST set: RSA and SM2 keys, revocations', () => {
    const s = parseCapkPayload(bytes(payload()));
    expect(s.size).toBe(2);
    expect(s.revocationCount).toBe(2);
    expect(s.lookup(RID, 0xf1, 'rsa', 20261122)).toMatchObject({ ok: true, key: { algorithm: 'rsa', index: 0xf1 } });
    expect(s.lookup(RID, 0xf2, 'sm2', 20261122)).toMatchObject({ ok: true, key: { algorithm: 'sm2' } });
    expect(s.isRevoked(RID, 0xf1, 'dead01')).toBe(true);
    expect(s.isRevoked(RID, 0xf1, '000001')).toBe(false);
  });

  it('accepts published CA test keys with their checksums (Visa 01, MasterCard 05)', () => {
    const keys = ['sda', 'dda'].map((k) => ({ rid: vectors[k].capk.rid, index: vectors[k].capk.index, algorithm: 'rsa', modulus: vectors[k].capk.modulus, exponent: vectors[k].capk.exponent, checksum: vectors[k].capk.checksum, expiry: '20491231' }));
    const s = parseCapkPayload({ format: CAPK_FORMAT, keys });
    expect(s.lookup(fromHex('A000000003'), 1, 'rsa', 20261122).ok).toBe(true);
  });

  it('refuses the whole set when one checksum does not match (corrupted key)', () => {
    const p = payload();
    const m = p.keys[0].modulus as string;
    p.keys[0].modulus = (m[0] === 'A' ? 'B' : 'A') + m.slice(1);
    expect(() => parseCapkPayload(bytes(p))).toThrow(/checksum mismatch/);
    const q = payload();
    q.keys[1].checksum = '00'.repeat(32);
    expect(() => parseCapkPayload(bytes(q))).toThrow(ConfigError);
  });

  it('refuses malformed payloads with the field named', () => {
    expect(() => parseCapkPayload(new Uint8Array([0xff, 0xfe]))).toThrow(/not UTF-8 JSON/);
    expect(() => parseCapkPayload({ format: 'other', keys: [] })).toThrow(/pboc-capk\.format/);
    const p = payload();
    p.keys[0].exponent = '';
    expect(() => parseCapkPayload(p)).toThrow(/pboc-capk\.keys\.0/);
    const d = payload();
    d.keys.push(d.keys[0]);
    expect(() => parseCapkPayload(d)).toThrow(/listed twice/);
  });

  it('an expired key is not used for a later transaction; a missing key is named', () => {
    const s = parseCapkPayload(bytes(payload()));
    expect(s.lookup(RID, 0xf1, 'rsa', 20360101)).toMatchObject({ ok: false, code: 'capk-expired', message: 'CA A000000333 index F1 expired 2035-12-31' });
    expect(s.lookup(RID, 0x09, 'rsa', 20261122)).toMatchObject({ ok: false, code: 'capk-missing', message: 'no CA public key for CA A000000333 index 09' });
    expect(s.lookup(RID, 0xf1, 'sm2', 20261122)).toMatchObject({ ok: false, code: 'capk-missing' });
  });

  it('registers as the downloads artefact kind "pboc-capk"', () => {
    const reg = registerCapkKind(new ArtefactRegistry());
    const spec = reg.get(ARTEFACT_KINDS.capk)!;
    expect(spec.kind).toBe('pboc-capk');
    const store = spec.validate(bytes(payload()), {} as never) as { size: number };
    expect(store.size).toBe(2);
    expect(() => spec.validate(bytes({ format: CAPK_FORMAT, keys: [{ ...payload().keys[0], checksum: '00'.repeat(20) }] }), {} as never)).toThrow(/checksum/);
  });
});
