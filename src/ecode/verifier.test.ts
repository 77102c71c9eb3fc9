import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base45Decode, base45Encode } from './base45';
import { CERT_LENGTH, CERT_BODY_LENGTH } from './format';
import { codeText, issueCertificate, makeCode, newKeyPair } from './issue';
import { encodeRevocations, holderRevocationHash, serialRevocationHash } from './revocations';
import { SqliteEcodeStore } from './sqlite-store';
import type { EcodeStore } from './store';
import { staticCodeText } from './scheme-static';
import { makeWorld, T0, testCardId, TEST_HOLDER_TOKEN_KEY } from './test-world';
import { ssseCredential } from '../ssse/credential';
import { formatHotlistKey, hotlistKey } from '../hotlist/key';
import type { SsseCardData } from '../ssse/parse';

function flip(text: string, byteIndex: number, mask = 0x01): string {
  const b = base45Decode(text.slice(5));
  b[byteIndex]! ^= mask;
  return codeText(b);
}

describe('e-code verifier: valid codes', () => {
  it('accepts a fresh code and yields the card-shaped credential (卡码同权)', () => {
    const w = makeWorld();
    const v = w.verifier();
    const p = w.phone({ categories: ['elderly', 'disabled'] });
    const r = v.verify(p.code(), { profile: 'gate', device: 'scanner-1' });
    expect(r.outcome).toBe('valid');
    expect(r.reason).toBe('ok');
    expect(r.decision.outcome).toBe('approved');
    expect(r.consumed).toBe(true);
    expect(r.credential).toMatchObject({ source: 'ecode', holderToken: p.holderToken, region: '410100', categories: ['elderly', 'disabled'], device: 'scanner-1' });
    // In the shared hotlist key space: a hotlist entry for this certificate serial blocks the code.
    expect(r.credential!.hotlistKeys).toEqual([formatHotlistKey(hotlistKey('ecode-cert', Buffer.from(p.cert.subarray(9, 17)).toString('hex').toUpperCase()))]);

    // The same person's card yields the same holder token.
    const card = { cardIdCode: testCardId(1), region: '410100', issueDate: { y: 2020, m: 1, d: 1 }, expiry: { y: 2030, m: 1, d: 1 } } as unknown as SsseCardData;
    expect(ssseCredential(card, { holderTokenKey: TEST_HOLDER_TOKEN_KEY, hotlistKeys: [] }).holderToken).toBe(r.credential!.holderToken);
  });

  it('accepts codes within the clock skew on both sides and within the max age', () => {
    const w = makeWorld();
    const v = w.verifier();
    const p = w.phone();
    expect(v.verify(p.code({ timestampMs: T0 + 29_000 }), { profile: 'gate' }).outcome).toBe('valid'); // 29 s ahead, skew 30
    expect(v.verify(p.code({ timestampMs: T0 - 119_000 }), { profile: 'gate' }).outcome).toBe('valid'); // 90 + 30 s
  });

  it('a dry run (consume: false) changes nothing', () => {
    const w = makeWorld();
    const v = w.verifier();
    const code = w.phone().code();
    expect(v.verify(code, { profile: 'gate', consume: false })).toMatchObject({ outcome: 'valid', consumed: false });
    expect(v.verify(code, { profile: 'gate' })).toMatchObject({ outcome: 'valid', consumed: true });
  });
});

describe('e-code verifier: refusals name the right reason', () => {
  const w = makeWorld();
  const v = w.verifier({ config: { profiles: { gate: { scopes: ['transit'], challenge: 'off' }, museum: { scopes: ['culture'] }, strict: { scopes: ['transit'], challenge: 'required' }, henan: { scopes: ['transit'], acceptedRegions: ['41'] } } } });
  const p = w.phone();
  const reason = (text: string, profile = 'gate', challenge?: Uint8Array) => v.verify(text, { profile, challenge }).reason;

  it('forged: a changed certificate byte breaks the issuer signature; a changed code byte the phone signature', () => {
    expect(reason(flip(p.code(), 20))).toBe('bad-certificate-signature'); // inside the holder token
    expect(reason(flip(p.code(), CERT_BODY_LENGTH + 3))).toBe('bad-certificate-signature'); // the issuer signature itself
    expect(reason(flip(p.code(), CERT_LENGTH + 2))).toBe('bad-code-signature'); // timestamp
    expect(reason(flip(p.code(), CERT_LENGTH + 8))).toBe('bad-code-signature'); // scope
    expect(reason(flip(p.code(), 216))).toBe('bad-code-signature'); // last signature byte
  });

  it('truncated and malformed texts', () => {
    const c = p.code();
    expect(reason(c.slice(0, 200))).toBe('truncated');
    expect(reason(c.slice(0, -1))).toBe('truncated');
    expect(reason(c + 'A')).toBe('malformed'); // dangling base45 character
    expect(reason(c + 'AAA')).toBe('malformed'); // trailing bytes
    expect(reason(c.slice(0, 20) + 'a' + c.slice(21))).toBe('malformed'); // lower case is not base45
    expect(reason('')).toBe('malformed');
    expect(reason('X'.repeat(5000))).toBe('malformed');
    const v2 = base45Decode(c.slice(5));
    v2[0] = 2;
    expect(reason(codeText(v2))).toBe('unsupported-version');
  });

  it('expired, future-dated, and certificates out of validity', () => {
    expect(reason(p.code({ timestampMs: T0 - 121_000 }))).toBe('code-expired');
    expect(reason(p.code({ timestampMs: T0 + 31_000 }))).toBe('code-future-dated');
    expect(reason(w.phone({ validFromMs: T0 - 10 * 86_400_000, validToMs: T0 - 60_000 }).code())).toBe('certificate-expired');
    expect(reason(w.phone({ validFromMs: T0 + 3_600_000, validToMs: T0 + 86_400_000 }).code())).toBe('certificate-not-yet-valid');
  });

  it('replayed: the same code, or the same counter of the same certificate, is accepted once', () => {
    const c = p.code();
    expect(reason(c)).toBe('ok');
    expect(reason(c)).toBe('replayed');
    // Same counter, different time → different text, same (certificate, counter).
    expect(reason(p.code({ counter: p.counter, timestampMs: T0 - 1000 }))).toBe('replayed');
  });

  it('revoked by certificate serial or by holder', () => {
    const a = w.phone({ card: 10 });
    const b = w.phone({ card: 11 });
    const c = w.phone({ card: 12 });
    const ok = v.applyRevocations(
      encodeRevocations({
        version: 2,
        baseVersion: 1,
        issuedAtMs: T0 - 1000,
        add: [
          { kind: 'serial', hash: serialRevocationHash(a.cert.subarray(9, 17)), expiresAtMs: T0 + 86_400_000 },
          { kind: 'holder', hash: holderRevocationHash(b.holderToken), expiresAtMs: T0 + 86_400_000 },
          { kind: 'holder', hash: holderRevocationHash(c.holderToken), expiresAtMs: T0 - 1 }, // expired entry
        ],
        remove: [],
      }),
    );
    expect(ok).toEqual({ ok: true, version: 2 });
    expect(reason(a.code())).toBe('revoked');
    expect(reason(b.code())).toBe('revoked');
    expect(reason(c.code())).toBe('ok');
    // A new phone of holder b (new certificate, new serial) is revoked too: revocation by holder.
    expect(reason(w.phone({ card: 11 }).code())).toBe('revoked');
  });

  it('wrong scope, region, card status', () => {
    expect(reason(p.code({ scope: 'medical' }))).toBe('wrong-scope');
    expect(reason(p.code({ scope: 'transit' }), 'museum')).toBe('wrong-scope');
    expect(reason(p.code({ scope: 200 }))).toBe('wrong-scope');
    expect(reason(w.phone({ region: '440100' }).code(), 'henan')).toBe('region-not-accepted');
    expect(reason(w.phone({ cardStatus: 'reported-lost' }).code())).toBe('card-status');
  });

  it('wrong key: unknown issuer, a certificate signed by another key, a code signed by another phone', () => {
    const rogue = newKeyPair();
    expect(reason(w.phone({ issuer: rogue }).code())).toBe('unknown-issuer-key');
    // A certificate that names the trusted issuer's key id but is signed by the rogue key.
    const dev = newKeyPair();
    const forged = issueCertificate({ issuer: { ...rogue, keyId: w.issuer.keyId }, holderToken: p.holderToken, region: '410100', validFromMs: T0 - 1000, validToMs: T0 + 86_400_000, devicePublicKey: dev.publicKey });
    expect(reason(makeCode({ cert: forged, devicePrivateKey: dev.privateKey, timestampMs: T0, counter: 1, scope: 'transit' }))).toBe('bad-certificate-signature');
    // Someone else's phone signs with p's certificate.
    expect(reason(makeCode({ cert: p.cert, devicePrivateKey: dev.privateKey, timestampMs: T0, counter: 99, scope: 'transit' }))).toBe('bad-code-signature');
  });

  it('challenge: required, missing, mismatched', () => {
    const ch = new Uint8Array([1, 2, 3, 4]);
    expect(reason(p.code(), 'strict', ch)).toBe('challenge-missing');
    expect(reason(p.code({ challenge: new Uint8Array([1, 2, 3, 5]) }), 'strict', ch)).toBe('challenge-mismatch');
    expect(reason(p.code({ challenge: ch }), 'gate')).toBe('challenge-mismatch'); // a challenge this terminal never showed
    expect(reason(p.code({ challenge: ch }), 'strict', ch)).toBe('ok');
  });

  it('unknown schemes and schemes a profile does not accept', () => {
    expect(reason('https://example.com/abc')).toBe('unknown-scheme');
    expect(reason(staticCodeText(testCardId(5)))).toBe('scheme-not-accepted');
  });
});

describe('e-code verifier: issuer keys and the trust list', () => {
  it('rotates keys without downtime: both keys of an issuer verify while listed', () => {
    const w = makeWorld();
    const v = w.verifier();
    const next = newKeyPair();
    const older = w.phone({ card: 1 });
    expect(v.installTrustList(w.trustList({ version: 2, keys: [w.issuerEntry(w.issuer), w.issuerEntry(next, { validFromMs: T0 - 1000 })] }))).toEqual({ ok: true, version: 2 });
    const newer = w.phone({ card: 2, issuer: next, validFromMs: T0 });
    expect(v.verify(older.code(), { profile: 'gate' }).outcome).toBe('valid');
    expect(v.verify(newer.code(), { profile: 'gate' }).outcome).toBe('valid');
    // Retire the old key: its certificates stop verifying even though the cache had them.
    expect(v.installTrustList(w.trustList({ version: 3, keys: [w.issuerEntry(next, { validFromMs: T0 - 1000 })] })).ok).toBe(true);
    expect(v.verify(older.code(), { profile: 'gate' }).reason).toBe('unknown-issuer-key');
    expect(v.verify(newer.code(), { profile: 'gate' }).outcome).toBe('valid');
  });

  it('refuses a trust list rollback, a foreign root, a tampered list', () => {
    const w = makeWorld();
    const v = w.verifier();
    expect(v.installTrustList(w.trustList({ version: 5 })).ok).toBe(true);
    const r = v.installTrustList(w.trustList({ version: 4 }));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/rollback/);
    const other = makeWorld();
    expect(v.installTrustList(other.trustList({ version: 9 }))).toMatchObject({ ok: false, error: expect.stringMatching(/not one of the pinned trust roots/) });
    const tampered = new TextDecoder().decode(w.trustList({ version: 6 })).replace('"version\\":6', '"version\\":7');
    expect(v.installTrustList(new TextEncoder().encode(tampered))).toMatchObject({ ok: false, error: expect.stringMatching(/root signature/) });
  });

  it('limits a key to its scopes, regions and period', () => {
    const w = makeWorld();
    const v = w.verifier({ config: { profiles: { gate: { scopes: ['transit', 'medical'] } } } });
    const k = newKeyPair();
    v.installTrustList(w.trustList({ version: 2, keys: [w.issuerEntry(w.issuer), w.issuerEntry(k, { scopes: ['medical'], regions: ['4101'] })] }));
    expect(v.verify(w.phone({ issuer: k }).code({ scope: 'medical' }), { profile: 'gate' }).outcome).toBe('valid');
    expect(v.verify(w.phone({ issuer: k }).code({ scope: 'transit' }), { profile: 'gate' }).reason).toBe('issuer-key-scope');
    expect(v.verify(w.phone({ issuer: k, region: '410200' }).code({ scope: 'medical' }), { profile: 'gate' }).reason).toBe('issuer-key-scope');
    // A certificate dated before its key's validity began.
    expect(v.verify(w.phone({ issuer: w.issuer, validFromMs: T0 - 400 * 86_400_000 }).code(), { profile: 'gate' }).reason).toBe('issuer-key-not-valid');
  });
});

describe('e-code verifier: cannot decide, and the profile policy', () => {
  const profiles = { closed: { scopes: ['transit'] as ['transit'] }, open: { scopes: ['transit'] as ['transit'], cannotDecide: 'fail-open' as const } };

  it('no trust list installed', () => {
    const w = makeWorld();
    const v = w.verifier({ install: false, config: { profiles } });
    const r = v.verify(w.phone().code(), { profile: 'open' });
    expect(r).toMatchObject({ outcome: 'cannot-decide', reason: 'no-trust-list' });
    expect(r.decision.outcome).not.toBe('approved'); // nothing was verified: fail-open does not open on nothing
  });

  it('a stale trust list: fail-closed refuses, fail-open approves a code that passed every check, and records it', () => {
    const w = makeWorld();
    const v = w.verifier({ config: { profiles } });
    w.clock.advance(8 * 86_400_000); // trust list max age 7 days
    v.applyRevocations(w.emptyRevocations(2, w.clock.now()));
    const p = w.phone({ validToMs: T0 + 30 * 86_400_000 });
    const closed = v.verify(p.code(), { profile: 'closed' });
    expect(closed).toMatchObject({ outcome: 'cannot-decide', reason: 'trust-list-stale', consumed: false });
    expect(closed.decision.outcome).toBe('cannot-decide');
    const code = p.code();
    const open = v.verify(code, { profile: 'open' });
    expect(open).toMatchObject({ outcome: 'cannot-decide', reason: 'trust-list-stale', consumed: true });
    expect(open.decision).toMatchObject({ outcome: 'approved', reason: 'ecode-fail-open:trust-list-stale' });
    expect(open.credential?.holderToken).toBe(p.holderToken);
    expect(v.verify(code, { profile: 'open' }).reason).toBe('replayed');
  });

  it('invalid beats cannot-decide: a forged code is refused even with a stale list and fail-open', () => {
    const w = makeWorld();
    const v = w.verifier({ config: { profiles } });
    w.clock.advance(8 * 86_400_000);
    const r = v.verify(flip(w.phone({ validToMs: T0 + 30 * 86_400_000 }).code(), CERT_LENGTH + 1), { profile: 'open' });
    expect(r).toMatchObject({ outcome: 'invalid', reason: 'bad-code-signature' });
    expect(r.decision.outcome).toBe('declined');
    // A key missing from a stale list may just be newer than the list: cannot decide, not "unknown".
    const r2 = v.verify(w.phone({ issuer: newKeyPair(), validToMs: T0 + 30 * 86_400_000 }).code(), { profile: 'open' });
    expect(r2).toMatchObject({ outcome: 'cannot-decide', reason: 'trust-list-stale' });
    expect(r2.decision.outcome).not.toBe('approved');
  });

  it('revocation list missing or stale', () => {
    const w = makeWorld();
    const v = w.verifier({ install: false, config: { profiles } });
    v.installTrustList(w.trustList());
    expect(v.verify(w.phone().code(), { profile: 'closed' }).reason).toBe('no-revocation-list');
    v.applyRevocations(w.emptyRevocations(1, T0 - 49 * 3_600_000));
    expect(v.verify(w.phone().code(), { profile: 'closed' }).reason).toBe('revocation-list-stale');
    const lax = w.verifier({ install: false, config: { profiles, requireRevocationList: false } });
    lax.installTrustList(w.trustList());
    expect(lax.verify(w.phone().code(), { profile: 'closed' }).outcome).toBe('valid');
  });

  it('an untrusted clock: cannot decide; time-based refusals become cannot-decide, the others stay invalid', () => {
    const w = makeWorld();
    let trusted = false;
    const v = w.verifier({ config: { profiles }, extra: { clockHealth: () => ({ trusted, why: 'NTP not synchronised' }) } });
    const p = w.phone();
    expect(v.verify(p.code(), { profile: 'closed' })).toMatchObject({ outcome: 'cannot-decide', reason: 'clock-untrusted', detail: 'NTP not synchronised' });
    expect(v.verify(p.code({ timestampMs: T0 - 3_600_000 }), { profile: 'closed' })).toMatchObject({ outcome: 'cannot-decide', reason: 'clock-untrusted' });
    expect(v.verify(p.code({ scope: 'medical' }), { profile: 'closed' })).toMatchObject({ outcome: 'invalid', reason: 'wrong-scope' });
    trusted = true;
    expect(v.verify(p.code(), { profile: 'closed' }).outcome).toBe('valid');
    // A wall clock before clockNotBefore (an RTC that lost its battery) is untrusted by itself.
    w.clock.setWall(Date.UTC(2000, 0, 1));
    expect(v.verify(p.code({ timestampMs: Date.UTC(2000, 0, 1) }), { profile: 'closed' }).reason).toBe('clock-untrusted');
  });

  it('a failing store never approves, even fail-open', () => {
    const w = makeWorld();
    const real = new SqliteEcodeStore({ database: ':memory:' });
    let broken = false;
    const store: EcodeStore = new Proxy(real, {
      get(t, prop, r) {
        if (broken && (prop === 'admit' || prop === 'isRevoked')) return () => { throw new Error('SQLITE_FULL: database or disk is full'); };
        const val = Reflect.get(t, prop, r);
        return typeof val === 'function' ? val.bind(t) : val;
      },
    });
    const v = w.verifier({ store, config: { profiles } });
    broken = true;
    const r = v.verify(w.phone().code(), { profile: 'open' });
    expect(r).toMatchObject({ outcome: 'cannot-decide', reason: 'store-unavailable', consumed: false });
    expect(r.decision.outcome).not.toBe('approved');
  });
});

describe('e-code verifier: durable replay set and anti-passback', () => {
  it('the seen set and the trust list survive a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecode-'));
    const file = join(dir, 'ecode.sqlite');
    const w = makeWorld();
    const p = w.phone();
    const code = p.code();
    const s1 = new SqliteEcodeStore({ database: file });
    expect(w.verifier({ store: s1 }).verify(code, { profile: 'gate' }).outcome).toBe('valid');
    s1.close();
    const s2 = new SqliteEcodeStore({ database: file });
    const v2 = w.verifier({ store: s2, install: false });
    expect(v2.trustListInfo()?.version).toBe(1);
    expect(v2.verify(code, { profile: 'gate' }).reason).toBe('replayed');
    expect(v2.verify(p.code(), { profile: 'gate' }).outcome).toBe('valid');
    s2.close();
  });

  it('anti-passback per profile, across restarts, for codes and static codes of the same holder', () => {
    const w = makeWorld();
    const store = new SqliteEcodeStore({ database: ':memory:' });
    const v = w.verifier({ store, config: { profiles: { entry: { scopes: ['transit'], antiPassbackSeconds: 120, acceptedSchemes: ['ykt-ecode-v1', 'ykt-static-v1'] }, exit: { scopes: ['transit'] } } } });
    const p = w.phone({ card: 7 });
    expect(v.verify(p.code(), { profile: 'entry' }).outcome).toBe('valid');
    expect(v.verify(p.code(), { profile: 'entry' }).reason).toBe('anti-passback');
    expect(v.verify(staticCodeText(testCardId(7)), { profile: 'entry' }).reason).toBe('anti-passback'); // 卡码同权: same holder
    expect(v.verify(p.code(), { profile: 'exit' }).outcome).toBe('valid'); // another profile
    w.clock.advance(121_000);
    expect(v.verify(p.code(), { profile: 'entry' }).outcome).toBe('valid');
  });

  it('prunes seen entries only after the code could no longer be accepted anyway', () => {
    const w = makeWorld();
    const store = new SqliteEcodeStore({ database: ':memory:' });
    const v = w.verifier({ store, config: { pruneEvery: 1 } });
    const p = w.phone();
    const code = p.code();
    expect(v.verify(code, { profile: 'gate' }).outcome).toBe('valid');
    w.clock.advance(119_000); // still within 90 + 30 s
    v.verify(p.code(), { profile: 'gate' }); // triggers a prune
    expect(v.verify(code, { profile: 'gate' }).reason).toBe('replayed');
    w.clock.advance(3_000);
    v.verify(p.code(), { profile: 'gate' });
    expect(v.verify(code, { profile: 'gate' }).reason).toBe('code-expired');
  });
});

describe('static card code scheme', () => {
  it('is accepted only where a profile lists it, and gives the card holder token', () => {
    const w = makeWorld();
    const v = w.verifier({ config: { profiles: { library: { scopes: ['culture'], acceptedSchemes: ['ykt-ecode-v1', 'ykt-static-v1'] }, gate: { scopes: ['transit'] } } } });
    const text = staticCodeText(testCardId(3));
    expect(text).toMatch(/^YKS1:[0-9A-F]{32}\d{2}$/);
    const r = v.verify(text, { profile: 'library' });
    expect(r.outcome).toBe('valid');
    expect(r.credential).toMatchObject({ source: 'static-code', region: '410100', holderToken: w.phone({ card: 3 }).holderToken });
    expect(v.verify(text, { profile: 'gate' }).reason).toBe('scheme-not-accepted');
    expect(v.verify(text.slice(0, -1) + ((Number(text.at(-1)) + 1) % 10), { profile: 'library' }).reason).toBe('malformed'); // check digits
    expect(v.verify(text.slice(0, 20), { profile: 'library' }).reason).toBe('truncated');
  });
});

describe('e-code text survives what scanners do to it', () => {
  it('is pure QR-alphanumeric and ASCII (keyboard wedges can type it)', () => {
    const w = makeWorld();
    const text = w.phone().code({ challenge: new Uint8Array([0xff, 0, 0xff, 0]) });
    expect(text).toMatch(/^[0-9A-Z $%*+\-./:]+$/);
    expect(base45Encode(base45Decode(text.slice(5)))).toBe(text.slice(5));
  });
});
