/**
 * A small e-code world for tests, the bench and the demo: a root key, issuer keys, a signed trust
 * list, a revocation list, holders with phones, and a verifier on an in-memory (or file) store.
 * Deterministic when seeds are given (golden vectors), random otherwise.
 */
import { createHash } from 'node:crypto';
import { fromHex } from '../../apdu/hex';
import { ManualClock } from '../core/clock';
import { holderTokenFromCardId } from '../core/holder-token';
import { parseEcodeConfig, type EcodeConfigInput } from './config';
import { issueCertificate, keyPairFromPrivate, makeCode, newKeyPair, type KeyPairRecord, type MakeCodeInput } from './issue';
import { encodeRevocations } from './revocations';
import { SqliteEcodeStore } from './sqlite-store';
import type { EcodeStore } from './store';
import { signTrustList, type TrustListBody } from './trust-list';
import { EcodeVerifier, type EcodeVerifierOptions } from './verifier';
import type { ScopeName } from './tables';

/** A deterministic 32-byte seed from a label (test keys only). */
export function seed(label: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update('ykt-test-seed:' + label).digest());
}

export const TEST_HOLDER_TOKEN_KEY = seed('holder-token-key');
/** A synthetic card identification code: region 410100 ‖ D156000005 ‖ 8 card bytes. */
export function testCardId(n: number, region = '410100'): Uint8Array {
  return fromHex(region + 'D156000005' + n.toString(16).padStart(16, '0'));
}

export const T0 = Date.UTC(2026, 10, 22, 8, 0, 0); // the ManualClock default

export interface Phone {
  device: KeyPairRecord;
  cert: Uint8Array;
  holderToken: string;
  counter: number;
  /** A fresh code at the clock's current time. */
  code(o?: Partial<Omit<MakeCodeInput, 'cert' | 'devicePrivateKey'>> & { scope?: ScopeName | number }): string;
}

export interface World {
  clock: ManualClock;
  root: KeyPairRecord;
  issuer: KeyPairRecord;
  trustList: (o?: { version?: number; issuedAtMs?: number; keys?: TrustListBody['keys'] }) => Uint8Array;
  issuerEntry: (k: KeyPairRecord, o?: Partial<TrustListBody['keys'][number]>) => TrustListBody['keys'][number];
  emptyRevocations: (version?: number, issuedAtMs?: number) => Uint8Array;
  phone: (o?: { card?: number; region?: string; categories?: string[]; cardStatus?: 'active' | 'reported-lost' | 'suspended' | 'cancelled'; issuer?: KeyPairRecord; validFromMs?: number; validToMs?: number; deterministic?: string }) => Phone;
  verifier: (o?: { config?: EcodeConfigInput; store?: EcodeStore; install?: boolean; extra?: Partial<EcodeVerifierOptions> }) => EcodeVerifier;
}

export function makeWorld(o: { deterministic?: boolean } = {}): World {
  const clock = new ManualClock(T0);
  const root = o.deterministic ? keyPairFromPrivate(seed('root')) : newKeyPair();
  const issuer = o.deterministic ? keyPairFromPrivate(seed('issuer-1')) : newKeyPair();
  const issuerEntry: World['issuerEntry'] = (k, e = {}) => ({
    keyId: k.keyId,
    issuer: '410100 Zhengzhou HRSS e-code platform (TEST)',
    publicKey: Buffer.from(k.publicKey).toString('hex'),
    validFromMs: T0 - 365 * 86_400_000,
    validToMs: T0 + 365 * 86_400_000,
    ...e,
  });
  const trustList: World['trustList'] = (t = {}) => signTrustList(root.privateKey, { version: t.version ?? 1, issuedAtMs: t.issuedAtMs ?? clock.now() - 3_600_000, keys: t.keys ?? [issuerEntry(issuer)] });
  const emptyRevocations: World['emptyRevocations'] = (version = 1, issuedAtMs = clock.now() - 60_000) => encodeRevocations({ version, baseVersion: null, issuedAtMs, add: [], remove: [] });
  const phone: World['phone'] = (p = {}) => {
    const device = p.deterministic ? keyPairFromPrivate(seed('device:' + p.deterministic)) : newKeyPair();
    const cid = testCardId(p.card ?? 1, p.region ?? '410100');
    const holderToken = holderTokenFromCardId(TEST_HOLDER_TOKEN_KEY, cid);
    const cert = issueCertificate({
      issuer: p.issuer ?? issuer,
      cardIdentificationCode: cid,
      holderTokenKey: TEST_HOLDER_TOKEN_KEY,
      region: p.region ?? '410100',
      cardStatus: p.cardStatus,
      categories: p.categories ?? ['standard'],
      validFromMs: p.validFromMs ?? T0 - 86_400_000,
      validToMs: p.validToMs ?? T0 + 180 * 86_400_000,
      devicePublicKey: device.publicKey,
      serial: p.deterministic ? seed('serial:' + p.deterministic).subarray(0, 8) : undefined,
    });
    const ph: Phone = {
      device,
      cert,
      holderToken,
      counter: 0,
      code: (c = {}) => makeCode({ cert, devicePrivateKey: device.privateKey, timestampMs: c.timestampMs ?? clock.now(), counter: c.counter ?? ++ph.counter, scope: c.scope ?? 'transit', challenge: c.challenge }),
    };
    return ph;
  };
  const verifier: World['verifier'] = (v = {}) => {
    const config = parseEcodeConfig({
      trustRoots: [{ publicKey: Buffer.from(root.publicKey).toString('hex') }],
      ...v.config,
      profiles: v.config?.profiles ?? { gate: { scopes: ['transit'] } },
    });
    const ver = new EcodeVerifier({ config, clock, store: v.store ?? new SqliteEcodeStore({ database: ':memory:' }), holderTokenKey: TEST_HOLDER_TOKEN_KEY, ...v.extra });
    if (v.install ?? true) {
      const a = ver.installTrustList(trustList());
      if (!a.ok) throw new Error(a.error);
      const b = ver.applyRevocations(emptyRevocations());
      if (!b.ok) throw new Error(b.error);
    }
    return ver;
  };
  return { clock, root, issuer, trustList, issuerEntry, emptyRevocations, phone, verifier };
}
