/**
 * SM2 offline data authentication, PBOC 3.0's SM variant (JR/T 0025.17; DF69 = 01). Unlike RSA nothing
 * is "recovered": each object is plain data followed by a 64-byte SM2 signature r ‖ s (with SM3 and
 * the signer ID of the `sm.userId` setting). Layouts as this project reads them (DOMAIN.md §1.2 gives
 * the format bytes and the SDAD coverage; the field order below follows the RSA certificates' and is
 * the part to confirm against the standard text — it is used identically by the emulated card):
 *
 *   issuer cert (90)  12 ‖ issuer id 4 ‖ expiry MMYY 2 ‖ serial 3 ‖ sig alg 04 ‖ PK alg 04 ‖ PK param 1 ‖
 *                     PK len 1 (64) ‖ PK 64 ‖ CA signature 64           signed: everything before it
 *   ICC cert (9F46)   14 ‖ PAN 10 ‖ expiry 2 ‖ serial 3 ‖ sig alg 04 ‖ PK alg 04 ‖ PK param 1 ‖ PK len 1 ‖
 *                     PK 64 ‖ issuer signature 64                     signed: before it ‖ static data
 *   SSAD (93)         13 ‖ sig alg 04 ‖ DAC 2 ‖ issuer signature 64     signed: before it ‖ static data
 *   SDAD (9F4B)       15 ‖ Ldd ‖ ICC dynamic data (Ldd) ‖ ICC signature signed: first 2 + Ldd bytes ‖ terminal dynamic data
 */
import { concat, toHex } from '../../../apdu/hex';
import { sm2Verify } from '../crypto/sm2';
import { cnDigits, decodeMmyy, expiredAt, fail, formatYm, type OdaStep, type YearMonth } from './result';
import type { VerifiedCache } from './cache';

export const SM2_ALG = 0x04;
export const SIG_LEN = 64;

export interface Sm2CaKey {
  rid: Uint8Array;
  index: number;
  publicKey: Uint8Array;
}

export interface Sm2IssuerKey {
  publicKey: Uint8Array;
  issuerId: string;
  expiry: YearMonth;
  serial: string;
}

export interface Sm2IccKey {
  publicKey: Uint8Array;
  expiry: YearMonth;
  serial: string;
}

export interface Sm2Context {
  userId: string;
  /** Remembers signatures already verified (same bytes → same answer); dates, PAN and CRL are rechecked every time. */
  cache?: VerifiedCache;
}

function verified(ctx: Sm2Context, publicKey: Uint8Array, signed: readonly Uint8Array[], signature: Uint8Array): boolean {
  const verify = () => sm2Verify(publicKey, concat(...signed), signature, { userId: ctx.userId });
  return ctx.cache ? ctx.cache.verified([publicKey, ...signed, signature, new TextEncoder().encode(ctx.userId)], verify) : verify();
}

export interface Sm2IssuerCertInput {
  ca: Sm2CaKey;
  cert: Uint8Array | undefined;
  pan: string;
  today: number;
  isRevoked?: (rid: Uint8Array, index: number, serial: string) => boolean;
}

export function verifySm2IssuerCert(i: Sm2IssuerCertInput, ctx: Sm2Context): OdaStep<{ issuer: Sm2IssuerKey }> {
  const c = i.cert;
  if (!c) return fail('data-missing', 'ICC data missing: issuer public key certificate (90)');
  if (c.length < 14 || c[0] !== 0x12) return fail('issuer-cert-invalid', `SM2 issuer certificate format ${c.length ? toHex(c.subarray(0, 1)) : 'empty'}, expected 12`);
  const pkLen = c[13]!;
  if (pkLen !== 64 || c.length !== 14 + pkLen + SIG_LEN) return fail('issuer-cert-invalid', `SM2 issuer certificate is ${c.length} bytes with a ${pkLen}-byte key, expected ${14 + 64 + SIG_LEN} with 64`);
  if (c[10] !== SM2_ALG || c[11] !== SM2_ALG) return fail('issuer-cert-algorithm', `SM2 issuer certificate algorithms ${toHex(c.subarray(10, 12))} not supported`);
  const body = c.subarray(0, 14 + pkLen);
  if (!verified(ctx, i.ca.publicKey, [body], c.subarray(14 + pkLen))) return fail('issuer-cert-signature', 'issuer certificate SM2 signature mismatch');
  const issuerId = cnDigits(c.subarray(1, 5));
  if (!issuerId || issuerId.length < 3 || !i.pan.startsWith(issuerId)) return fail('issuer-id-mismatch', 'issuer identifier in the certificate does not match the PAN');
  const expiry = decodeMmyy(c.subarray(5, 7));
  if (!expiry) return fail('issuer-cert-invalid', `issuer certificate expiry ${toHex(c.subarray(5, 7))} is not MMYY`);
  if (expiredAt(expiry, i.today)) return fail('issuer-cert-expired', `issuer certificate expired ${formatYm(expiry)}`);
  const serial = toHex(c.subarray(7, 10));
  if (i.isRevoked?.(i.ca.rid, i.ca.index, serial)) return fail('issuer-cert-revoked', `issuer certificate ${serial} is revoked (CA ${toHex(i.ca.rid)} index ${i.ca.index.toString(16).toUpperCase().padStart(2, '0')})`);
  return { ok: true, issuer: { publicKey: c.slice(14, 14 + pkLen), issuerId, expiry, serial } };
}

export interface Sm2IccCertInput {
  issuer: Sm2IssuerKey;
  cert: Uint8Array | undefined;
  staticData: Uint8Array;
  pan: string;
  today: number;
}

export function verifySm2IccCert(i: Sm2IccCertInput, ctx: Sm2Context): OdaStep<{ icc: Sm2IccKey }> {
  const c = i.cert;
  if (!c) return fail('data-missing', 'ICC data missing: ICC public key certificate (9F46)');
  if (c.length < 20 || c[0] !== 0x14) return fail('icc-cert-invalid', `SM2 ICC certificate format ${c.length ? toHex(c.subarray(0, 1)) : 'empty'}, expected 14`);
  const pkLen = c[19]!;
  if (pkLen !== 64 || c.length !== 20 + pkLen + SIG_LEN) return fail('icc-cert-invalid', `SM2 ICC certificate is ${c.length} bytes with a ${pkLen}-byte key, expected ${20 + 64 + SIG_LEN} with 64`);
  if (c[16] !== SM2_ALG || c[17] !== SM2_ALG) return fail('icc-cert-algorithm', `SM2 ICC certificate algorithms ${toHex(c.subarray(16, 18))} not supported`);
  const body = c.subarray(0, 20 + pkLen);
  if (!verified(ctx, i.issuer.publicKey, [body, i.staticData], c.subarray(20 + pkLen))) return fail('icc-cert-signature', 'ICC certificate SM2 signature mismatch (certificate or static data altered)');
  const pan = cnDigits(c.subarray(1, 11));
  if (pan === undefined || pan !== i.pan) return fail('icc-pan-mismatch', 'PAN in the ICC certificate does not match the card PAN');
  const expiry = decodeMmyy(c.subarray(11, 13));
  if (!expiry) return fail('icc-cert-invalid', `ICC certificate expiry ${toHex(c.subarray(11, 13))} is not MMYY`);
  if (expiredAt(expiry, i.today)) return fail('icc-cert-expired', `ICC certificate expired ${formatYm(expiry)}`);
  return { ok: true, icc: { publicKey: c.slice(20, 20 + pkLen), expiry, serial: toHex(c.subarray(13, 16)) } };
}

export function verifySm2Ssad(issuer: Sm2IssuerKey, ssad: Uint8Array | undefined, staticData: Uint8Array, ctx: Sm2Context): OdaStep<{ dac: Uint8Array }> {
  if (!ssad) return fail('data-missing', 'ICC data missing: signed static application data (93)');
  if (ssad.length !== 4 + SIG_LEN || ssad[0] !== 0x13) return fail('sda-invalid', `SM2 signed static data: ${ssad.length} bytes, format ${ssad.length ? toHex(ssad.subarray(0, 1)) : '-'}; expected 13 and 68 bytes`);
  if (ssad[1] !== SM2_ALG) return fail('sda-invalid', `SM2 signed static data algorithm ${toHex(ssad.subarray(1, 2))} not supported`);
  if (!verified(ctx, issuer.publicKey, [ssad.subarray(0, 4), staticData], ssad.subarray(4))) return fail('sda-signature', 'SDA signature mismatch (static data altered)');
  return { ok: true, dac: ssad.slice(2, 4) };
}

/** SDAD for DDA or fDDA: never cached (it changes every transaction). */
export function verifySm2Sdad(icc: Sm2IccKey, sdad: Uint8Array | undefined, terminalDynamicData: Uint8Array, kind: 'dda' | 'fdda', ctx: Sm2Context): OdaStep<{ iccDynamicNumber: Uint8Array; iccDynamicData: Uint8Array }> {
  const label = kind === 'dda' ? 'DDA' : 'fDDA';
  const invalid = kind === 'dda' ? 'dda-invalid' : 'fdda-invalid';
  if (!sdad) return fail('data-missing', 'ICC data missing: signed dynamic application data (9F4B)');
  if (sdad.length < 2 + SIG_LEN || sdad[0] !== 0x15) return fail(invalid, `${label}: SM2 signed dynamic data format ${sdad.length ? toHex(sdad.subarray(0, 1)) : '-'}, expected 15`);
  const ldd = sdad[1]!;
  if (sdad.length !== 2 + ldd + SIG_LEN) return fail(invalid, `${label}: SM2 signed dynamic data is ${sdad.length} bytes for Ldd ${ldd}`);
  if (!sm2Verify(icc.publicKey, concat(sdad.subarray(0, 2 + ldd), terminalDynamicData), sdad.subarray(2 + ldd), { userId: ctx.userId })) return fail(kind === 'dda' ? 'dda-signature' : 'fdda-signature', `${label} signature mismatch`);
  const dyn = sdad.slice(2, 2 + ldd);
  const idnLen = dyn[0] ?? 0;
  if (idnLen < 2 || idnLen > 8 || idnLen + 1 > dyn.length) return fail(invalid, `${label}: ICC dynamic number length ${idnLen} invalid`);
  return { ok: true, iccDynamicNumber: dyn.slice(1, 1 + idnLen), iccDynamicData: dyn };
}
