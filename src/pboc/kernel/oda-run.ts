/**
 * Offline data authentication for one transaction: pick the CA key (RID from the AID, index 8F) and
 * the algorithm (RSA, or SM2 when the terminal supports SM and the CA key / certificate are SM2),
 * authenticate the certificate chain, then the static or dynamic signature. Pure: the caller sends
 * INTERNAL AUTHENTICATE for DDA and passes its answer in.
 */
import type { CapkStore } from '../capk/store';
import type { VerifiedCache } from '../oda/cache';
import { fail, type OdaFailure, type OdaStep } from '../oda/result';
import { recoverIccKey, recoverIssuerKey, verifySdad, verifySsad, type RsaIccKey, type RsaIssuerKey } from '../oda/rsa-oda';
import { verifySm2IccCert, verifySm2IssuerCert, verifySm2Sdad, verifySm2Ssad, type Sm2IccKey, type Sm2IssuerKey } from '../oda/sm2-oda';
import { staticDataToAuthenticate, type OdaRecord } from '../oda/static-data';
import type { CardData } from './card-data';

export type OdaMethod = 'sda' | 'dda' | 'fdda';
export type OdaAlgorithm = 'rsa' | 'sm2';

export interface OdaContext {
  capk: CapkStore;
  today: number;
  pan: string;
  aid: Uint8Array;
  smSupported: boolean;
  smUserId: string;
  cache?: VerifiedCache;
}

export type OdaKeys = { algorithm: 'rsa'; issuer: RsaIssuerKey; icc?: RsaIccKey } | { algorithm: 'sm2'; issuer: Sm2IssuerKey; icc?: Sm2IccKey };

export interface OdaReport {
  method: OdaMethod | 'none';
  algorithm?: OdaAlgorithm;
  result: 'ok' | 'failed' | 'not-performed';
  code?: OdaFailure['code'];
  message?: string;
}

const SM2_ISSUER_CERT_LEN = 14 + 64 + 64;

/** Certificate chain: issuer key, and the ICC key when the method is dynamic. Also returns the static data. */
export function authenticateChain(ctx: OdaContext, card: CardData, odaRecords: readonly OdaRecord[], aip: Uint8Array, method: OdaMethod): OdaStep<{ keys: OdaKeys; staticData: Uint8Array }> {
  const idx = card.get(0x8f);
  if (!idx || idx.length !== 1) return fail('data-missing', 'ICC data missing: CA public key index (8F)');
  const rid = ctx.aid.subarray(0, 5);
  const cert = card.get(0x90);
  const smCert = cert !== undefined && cert.length === SM2_ISSUER_CERT_LEN && cert[0] === 0x12;
  const rsaKey = ctx.capk.lookup(rid, idx[0]!, 'rsa', ctx.today);
  const smKey = ctx.smSupported ? ctx.capk.lookup(rid, idx[0]!, 'sm2', ctx.today) : undefined;
  const useSm = smKey !== undefined && smKey.ok && (!rsaKey.ok || smCert);
  const ca = useSm ? smKey! : smCert && smKey && !smKey.ok && smKey.code !== 'capk-missing' ? smKey : rsaKey;
  if (!ca.ok) return ca;
  const sd = staticDataToAuthenticate(odaRecords, card.get(0x9f4a), aip);
  if (!sd.ok) return sd;
  const isRevoked = ctx.capk.isRevoked;
  if (ca.key.algorithm === 'rsa') {
    const iss = recoverIssuerKey({ ca: ca.key, cert, remainder: card.get(0x92), exponent: card.get(0x9f32), pan: ctx.pan, today: ctx.today, isRevoked });
    if (!iss.ok) return iss;
    if (method === 'sda') return { ok: true, keys: { algorithm: 'rsa', issuer: iss.issuer }, staticData: sd.data };
    const icc = recoverIccKey({ issuer: iss.issuer, cert: card.get(0x9f46), remainder: card.get(0x9f48), exponent: card.get(0x9f47), staticData: sd.data, pan: ctx.pan, today: ctx.today });
    if (!icc.ok) return icc;
    return { ok: true, keys: { algorithm: 'rsa', issuer: iss.issuer, icc: icc.icc }, staticData: sd.data };
  }
  const smCtx = { userId: ctx.smUserId, cache: ctx.cache };
  const iss = verifySm2IssuerCert({ ca: ca.key, cert, pan: ctx.pan, today: ctx.today, isRevoked }, smCtx);
  if (!iss.ok) return iss;
  if (method === 'sda') return { ok: true, keys: { algorithm: 'sm2', issuer: iss.issuer }, staticData: sd.data };
  const icc = verifySm2IccCert({ issuer: iss.issuer, cert: card.get(0x9f46), staticData: sd.data, pan: ctx.pan, today: ctx.today }, smCtx);
  if (!icc.ok) return icc;
  return { ok: true, keys: { algorithm: 'sm2', issuer: iss.issuer, icc: icc.icc }, staticData: sd.data };
}

export function verifyStatic(keys: OdaKeys, ssad: Uint8Array | undefined, staticData: Uint8Array, ctx: OdaContext): OdaStep<{ dac: Uint8Array }> {
  if (keys.algorithm === 'rsa') return verifySsad(keys.issuer, ssad, staticData);
  return verifySm2Ssad(keys.issuer, ssad, staticData, { userId: ctx.smUserId, cache: ctx.cache });
}

export function verifyDynamic(keys: OdaKeys, sdad: Uint8Array | undefined, terminalDynamicData: Uint8Array, kind: 'dda' | 'fdda', ctx: OdaContext): OdaStep<{ iccDynamicNumber: Uint8Array }> {
  if (!keys.icc) return fail('data-missing', 'ICC public key not recovered');
  if (keys.algorithm === 'rsa') return verifySdad(keys.icc, sdad, terminalDynamicData, kind);
  return verifySm2Sdad(keys.icc, sdad, terminalDynamicData, kind, { userId: ctx.smUserId });
}

export const odaFailedReport = (method: OdaMethod, algorithm: OdaAlgorithm | undefined, f: OdaFailure): OdaReport => ({ method, algorithm, result: 'failed', code: f.code, message: f.message });
