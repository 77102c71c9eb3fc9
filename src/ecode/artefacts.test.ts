// The payload validators the downloads module registers: "ecode-trust-list" and "ecode-revocations".
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ed25519Sign } from '../core/ed25519';
import { encodeRevocations, validateRevocations, REVOCATIONS_FORMAT } from './revocations';
import { SqliteEcodeStore } from './sqlite-store';
import { RevocationApplyError } from './store';
import { signTrustList, validateTrustList, TRUST_LIST_FORMAT } from './trust-list';
import { makeWorld, T0 } from './test-world';
import { newKeyPair } from './issue';

const enc = (o: unknown) => new TextEncoder().encode(typeof o === 'string' ? o : JSON.stringify(o));
const h = (n: number) => n.toString(16).padStart(32, '0');

describe('ecode-trust-list validator', () => {
  const w = makeWorld();
  const roots = [{ publicKey: w.root.publicKey }];

  it('accepts a signed list and indexes keys by id', () => {
    const r = validateTrustList(w.trustList({ version: 3 }), roots);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.version).toBe(3);
      expect(r.value.keys.get(w.issuer.keyId)?.publicKey).toEqual(w.issuer.publicKey);
    }
  });

  it('accepts a list signed by any of several pinned roots (root rotation)', () => {
    const other = newKeyPair();
    const body = { version: 1, issuedAtMs: T0, keys: [w.issuerEntry(w.issuer)] };
    expect(validateTrustList(signTrustList(other.privateKey, body), [...roots, { publicKey: other.publicKey }]).ok).toBe(true);
    expect(validateTrustList(signTrustList(other.privateKey, body), roots)).toMatchObject({ ok: false, error: expect.stringMatching(/pinned/) });
  });

  function resign(body: unknown): Uint8Array {
    const text = JSON.stringify(body);
    const sig = ed25519Sign(w.root.privateKey, new TextEncoder().encode('YKE1/trust-list' + text));
    return enc({ format: TRUST_LIST_FORMAT, rootKeyId: w.root.keyId, signature: Buffer.from(sig).toString('hex'), body: text });
  }

  it.each([
    ['not JSON', enc('{'), /not UTF-8 JSON/],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), /not UTF-8 JSON/],
    ['wrong format', enc({ format: 'x', rootKeyId: '0'.repeat(16), signature: '0'.repeat(128), body: '{}' }), /format/],
    ['extra envelope field', enc({ format: TRUST_LIST_FORMAT, rootKeyId: '0'.repeat(16), signature: '0'.repeat(128), body: '{}', extra: 1 }), /envelope/],
    ['signed body that is not JSON', resign('x'), /body: /],
    ['key id not matching its key', resign({ version: 1, issuedAtMs: T0, keys: [{ ...w.issuerEntry(w.issuer), keyId: '0'.repeat(16) }] }), /not the id of its public key/],
    ['duplicate key', resign({ version: 1, issuedAtMs: T0, keys: [w.issuerEntry(w.issuer), w.issuerEntry(w.issuer)] }), /duplicate/],
    ['validity backwards', resign({ version: 1, issuedAtMs: T0, keys: [w.issuerEntry(w.issuer, { validFromMs: T0, validToMs: T0 - 1 })] }), /validToMs/],
    ['unknown scope', resign({ version: 1, issuedAtMs: T0, keys: [{ ...w.issuerEntry(w.issuer), scopes: ['teleport'] }] }), /scopes/],
    ['version 0', resign({ version: 0, issuedAtMs: T0, keys: [] }), /version/],
    ['oversized', new Uint8Array(2 << 20), /exceeds/],
  ])('refuses %s', (_what, payload, err) => {
    const r = validateTrustList(payload as Uint8Array, roots);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(err as RegExp);
  });
});

describe('ecode-revocations validator', () => {
  const ok = { format: REVOCATIONS_FORMAT, version: 2, baseVersion: 1, issuedAtMs: T0, add: [['serial', h(1), T0 + 1]], remove: [h(2)] };

  it('accepts full lists and increments', () => {
    expect(validateRevocations(enc(ok))).toMatchObject({ ok: true, value: { version: 2, baseVersion: 1, add: [{ kind: 'serial', hash: h(1), expiresAtMs: T0 + 1 }], remove: [h(2)] } });
    expect(validateRevocations(enc({ ...ok, baseVersion: null, remove: [] }))).toMatchObject({ ok: true, value: { baseVersion: null } });
  });

  it.each([
    ['wrong format', { ...ok, format: 'x' }, /format/],
    ['base not below version', { ...ok, baseVersion: 2 }, /baseVersion/],
    ['a full list that removes', { ...ok, baseVersion: null }, /full list/],
    ['upper-case hash', { ...ok, add: [['serial', h(1).toUpperCase().replace(/0/g, 'A'), T0]] }, /hash/],
    ['unknown kind', { ...ok, add: [['card', h(1), T0]] }, /kind/],
    ['fractional expiry', { ...ok, add: [['holder', h(1), 1.5]] }, /expiresAtMs/],
    ['unknown field', { ...ok, note: 'x' }, /unknown field/],
    ['array', [1, 2], /object/],
  ])('refuses %s', (_what, payload, err) => {
    const r = validateRevocations(enc(payload));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(err as RegExp);
  });

  it('bounds the number of entries', () => {
    const big = { ...ok, add: Array.from({ length: 11 }, (_, i) => ['holder', h(i), T0]) };
    expect(validateRevocations(enc(big), { maxEntries: 10 })).toMatchObject({ ok: false, error: expect.stringMatching(/exceed/) });
  });
});

describe('revocation store: full lists, increments, expiry', () => {
  it('applies a full list, then increments in order; refuses gaps and rollbacks', () => {
    const s = new SqliteEcodeStore({ database: ':memory:' });
    expect(() => s.applyRevocations({ version: 2, baseVersion: 1, issuedAtMs: T0, add: [], remove: [] })).toThrow(RevocationApplyError);
    s.applyRevocations({ version: 1, baseVersion: null, issuedAtMs: T0, add: [{ kind: 'serial', hash: h(1), expiresAtMs: T0 + 10 }, { kind: 'holder', hash: h(2), expiresAtMs: T0 + 10 }], remove: [] });
    expect(s.isRevoked([h(1)], T0)).toBe(true);
    expect(s.isRevoked([h(3), h(2)], T0)).toBe(true);
    expect(s.isRevoked([h(3)], T0)).toBe(false);
    expect(s.isRevoked([h(1)], T0 + 10)).toBe(false); // expired entries do not count
    s.applyRevocations({ version: 2, baseVersion: 1, issuedAtMs: T0 + 1, add: [{ kind: 'serial', hash: h(3), expiresAtMs: T0 + 10 }], remove: [h(1)] });
    expect(s.isRevoked([h(1)], T0)).toBe(false);
    expect(s.isRevoked([h(3)], T0)).toBe(true);
    expect(s.revocationState()).toEqual({ version: 2, issuedAtMs: T0 + 1, entries: 2 });
    expect(() => s.applyRevocations({ version: 4, baseVersion: 3, issuedAtMs: T0, add: [], remove: [] })).toThrow(/full list/);
    expect(() => s.applyRevocations({ version: 1, baseVersion: null, issuedAtMs: T0, add: [], remove: [] })).toThrow(/older/);
    // A failed increment changed nothing (atomic).
    expect(s.revocationState()).toEqual({ version: 2, issuedAtMs: T0 + 1, entries: 2 });
    // A new full list replaces everything.
    s.applyRevocations({ version: 5, baseVersion: null, issuedAtMs: T0 + 2, add: [{ kind: 'holder', hash: h(9), expiresAtMs: T0 + 10 }], remove: [] });
    expect(s.isRevoked([h(3)], T0)).toBe(false);
    expect(s.revocationState()).toEqual({ version: 5, issuedAtMs: T0 + 2, entries: 1 });
    expect(s.prune(T0 + 10, 0).revoked).toBe(1);
    expect(s.revocationState()).toEqual({ version: 5, issuedAtMs: T0 + 2, entries: 0 });
    s.close();
  });

  it("the verifier's inline housekeeping leaves revocations alone; an increment reclaims entries expired before it was issued", () => {
    const s = new SqliteEcodeStore({ database: ':memory:' });
    s.applyRevocations({ version: 1, baseVersion: null, issuedAtMs: T0, add: [1, 2, 3].map((i) => ({ kind: 'serial' as const, hash: h(i), expiresAtMs: T0 + i })), remove: [] });
    expect(s.pruneAdmissions(T0 + 10, 0)).toEqual({ seen: 0, passback: 0 });
    expect(s.revocationState()!.entries).toBe(3);
    expect(s.isRevoked([h(1)], T0 + 10)).toBe(false); // expired: ignored while still stored
    s.applyRevocations({ version: 2, baseVersion: 1, issuedAtMs: T0 + 2, add: [], remove: [] });
    expect(s.revocationState()!.entries).toBe(1);
    expect(s.isRevoked([h(3)], T0 + 2)).toBe(true);
    s.close();
  });

  it('keeps the entry count with the list (no count per code); a database without it is counted', () => {
    const db = new Database(':memory:');
    const s = new SqliteEcodeStore({ database: db });
    s.applyRevocations({ version: 1, baseVersion: null, issuedAtMs: T0, add: [1, 2, 3].map((i) => ({ kind: 'serial' as const, hash: h(i), expiresAtMs: T0 + i })), remove: [] });
    s.applyRevocations({ version: 2, baseVersion: 1, issuedAtMs: T0, add: [{ kind: 'holder', hash: h(4), expiresAtMs: T0 + 9 }], remove: [h(1), h(7)] });
    expect(s.revocationState()!.entries).toBe(3);
    expect(s.prune(T0 + 2, 0).revoked).toBe(1);
    expect(s.revocationState()!.entries).toBe(2);
    // The count is kept, not recounted per call (a row written behind the store's back is not seen) …
    db.prepare("INSERT INTO ecode_revoked (hash, kind, expires_ms) VALUES (?, 'serial', ?)").run(h(8), T0 + 9);
    expect(s.revocationState()!.entries).toBe(2);
    // … and a file from before the count was kept is counted.
    db.prepare("DELETE FROM ecode_meta WHERE k = 'revocations.entries'").run();
    expect(s.revocationState()).toEqual({ version: 2, issuedAtMs: T0, entries: 3 });
    s.close();
    db.close();
  });

  it('round-trips through the encoder', () => {
    const list = { version: 3, baseVersion: null, issuedAtMs: T0, add: [{ kind: 'holder' as const, hash: h(5), expiresAtMs: T0 }], remove: [] };
    expect(validateRevocations(encodeRevocations(list))).toEqual({ ok: true, value: list });
  });
});

describe('artefact specs for the downloads registry', () => {
  it('validate throws a readable error, and applyDelta merges an increment into a full list', async () => {
    const { trustListArtefactSpec, revocationsArtefactSpec } = await import('./artefacts');
    const w = makeWorld();
    const tl = trustListArtefactSpec([{ publicKey: w.root.publicKey }]);
    expect(tl.validate(w.trustList({ version: 4 })).version).toBe(4);
    expect(() => tl.validate(enc('{}'))).toThrow(/trust list refused: envelope/);
    const rv = revocationsArtefactSpec();
    const full = encodeRevocations({ version: 1, baseVersion: null, issuedAtMs: T0, add: [{ kind: 'serial', hash: h(1), expiresAtMs: T0 + 9 }, { kind: 'holder', hash: h(2), expiresAtMs: T0 + 9 }], remove: [] });
    const delta = encodeRevocations({ version: 2, baseVersion: 1, issuedAtMs: T0 + 5, add: [{ kind: 'serial', hash: h(3), expiresAtMs: T0 + 9 }], remove: [h(1)] });
    const merged = rv.validate(rv.applyDelta!(full, delta));
    expect(merged).toEqual({ version: 2, baseVersion: null, issuedAtMs: T0 + 5, add: [{ kind: 'holder', hash: h(2), expiresAtMs: T0 + 9 }, { kind: 'serial', hash: h(3), expiresAtMs: T0 + 9 }], remove: [] });
    expect(() => rv.applyDelta!(full, encodeRevocations({ version: 5, baseVersion: 4, issuedAtMs: T0, add: [], remove: [] }))).toThrow(/does not apply to version 1/);
  });
});

describe('e-code config', () => {
  it('has defaults for every policy and names a bad field', async () => {
    const { parseEcodeConfig, ECODE_CONFIG_DEFAULTS } = await import('./config');
    expect(ECODE_CONFIG_DEFAULTS).toMatchObject({ clockSkewSeconds: 30, codeMaxAgeSeconds: 90, trustListMaxAgeHours: 168, revocationListMaxAgeHours: 48, requireRevocationList: true });
    expect(ECODE_CONFIG_DEFAULTS.profiles.default).toMatchObject({ scopes: ['general'], acceptedSchemes: ['ykt-ecode-v1'], cannotDecide: 'fail-closed', antiPassbackSeconds: 0 });
    expect(() => parseEcodeConfig({ profiles: { metro: { scopes: ['teleport'] } } })).toThrow(/ecode\.profiles\.metro\.scopes\.0/);
    expect(() => parseEcodeConfig({ clockSkewSeconds: -1 })).toThrow(/ecode\.clockSkewSeconds/);
    expect(() => parseEcodeConfig({ trustRoots: [{ publicKey: 'zz' }] })).toThrow(/ecode\.trustRoots\.0\.publicKey/);
    expect(() => parseEcodeConfig({ typo: 1 })).toThrow(/ecode/);
  });

  it('refuses a profile that names an unknown scheme at start-up', () => {
    const w = makeWorld();
    expect(() => w.verifier({ config: { profiles: { p: { acceptedSchemes: ['ykt-ecode-v9'] } } } })).toThrow(/unknown scheme "ykt-ecode-v9"/);
  });
});
