/**
 * RSA offline data authentication, EMV 4.x Book 2 as PBOC 3.0 (JR/T 0025.7) adopts it:
 *   §5.3  issuer public key from the issuer certificate (90, 92, 9F32) with the CA key;
 *   §5.4  SDA: the Signed Static Application Data (93) with the issuer key;
 *   §6.4  ICC public key from the ICC certificate (9F46, 9F48, 9F47) with the issuer key;
 *   §6.5  DDA: the Signed Dynamic Application Data (9F4B) with the ICC key; fDDA (qPBOC) is the same
 *         recovery with the terminal dynamic data 9F37 [‖ 9F02 ‖ 5F2A ‖ 9F69 for fDDA version 01].
 * Every check is here, in the order the standard lists it, and each failure is a value.
 */
import { concat, equalBytes, toHex } from '../../../apdu/hex';
import { sha1 } from '../crypto/hash';
import { rsaPublicKey, rsaRecover, type RsaPublicKey } from '../crypto/rsa';
import { cnDigits, decodeMmyy, expiredAt, fail, formatYm, type OdaStep, type YearMonth } from './result';

const HEADER = 0x6a;
const TRAILER = 0xbc;
const HASH_SHA1 = 0x01;
const PK_RSA = 0x01;

export interface RsaCaKey {
  rid: Uint8Array;
  index: number;
  key: RsaPublicKey;
}

export interface RsaIssuerKey {
  key: RsaPublicKey;
  /** Issuer identifier: leftmost 3–8 PAN digits as in the certificate (F-padded cn, decoded). */
  issuerId: string;
  expiry: YearMonth;
  /** Certificate serial number, 3 bytes hex (checked against the revocation list). */
  serial: string;
}

export interface RsaIccKey {
  key: RsaPublicKey;
  expiry: YearMonth;
  serial: string;
}

function recoverBlock(key: RsaPublicKey, block: Uint8Array): Uint8Array | undefined {
  const r = rsaRecover(key, block);
  if (!r || r[0] !== HEADER || r[r.length - 1] !== TRAILER) return undefined;
  return r;
}

export interface IssuerCertInput {
  ca: RsaCaKey;
  cert: Uint8Array | undefined;
  remainder: Uint8Array | undefined;
  exponent: Uint8Array | undefined;
  /** The card's PAN digits (5A). */
  pan: string;
  /** Transaction date, YYYYMMDD. */
  today: number;
  /** Revocation list check (RID, CA index, serial hex). */
  isRevoked?: (rid: Uint8Array, index: number, serial: string) => boolean;
}

/** EMV Book 2 §5.3: retrieval of the issuer public key. */
export function recoverIssuerKey(i: IssuerCertInput): OdaStep<{ issuer: RsaIssuerKey }> {
  const nCa = i.ca.key.modulus.length;
  if (!i.cert) return fail('data-missing', 'ICC data missing: issuer public key certificate (90)');
  if (!i.exponent) return fail('data-missing', 'ICC data missing: issuer public key exponent (9F32)');
  if (i.cert.length !== nCa) return fail('issuer-cert-invalid', `issuer certificate is ${i.cert.length} bytes, the CA key ${nCa}`);
  const r = recoverBlock(i.ca.key, i.cert);
  if (!r) return fail('issuer-cert-invalid', 'issuer certificate does not recover with the CA key (header/trailer)');
  if (r[1] !== 0x02) return fail('issuer-cert-invalid', `issuer certificate format ${toHex(r.subarray(1, 2))}, expected 02`);
  const nI = r[13]!;
  const expLen = r[14]!;
  const leftmost = r.subarray(15, nCa - 21);
  const remainder = nI > nCa - 36 ? i.remainder : undefined;
  if (nI > nCa - 36 && (!remainder || remainder.length !== nI - (nCa - 36))) {
    return fail(remainder ? 'issuer-cert-invalid' : 'data-missing', remainder ? `issuer public key remainder is ${remainder.length} bytes, expected ${nI - (nCa - 36)}` : 'ICC data missing: issuer public key remainder (92)');
  }
  const hash = sha1(r.subarray(1, nCa - 21), remainder ?? new Uint8Array(0), i.exponent);
  if (!equalBytes(hash, r.subarray(nCa - 21, nCa - 1))) return fail('issuer-cert-hash', 'issuer certificate hash mismatch');
  const issuerId = cnDigits(r.subarray(2, 6));
  if (!issuerId || issuerId.length < 3 || !i.pan.startsWith(issuerId)) return fail('issuer-id-mismatch', 'issuer identifier in the certificate does not match the PAN');
  const expiry = decodeMmyy(r.subarray(6, 8));
  if (!expiry) return fail('issuer-cert-invalid', `issuer certificate expiry ${toHex(r.subarray(6, 8))} is not MMYY`);
  if (expiredAt(expiry, i.today)) return fail('issuer-cert-expired', `issuer certificate expired ${formatYm(expiry)}`);
  const serial = toHex(r.subarray(8, 11));
  if (i.isRevoked?.(i.ca.rid, i.ca.index, serial)) return fail('issuer-cert-revoked', `issuer certificate ${serial} is revoked (CA ${toHex(i.ca.rid)} index ${i.ca.index.toString(16).toUpperCase().padStart(2, '0')})`);
  if (r[11] !== HASH_SHA1 || r[12] !== PK_RSA) return fail('issuer-cert-algorithm', `issuer certificate algorithms ${toHex(r.subarray(11, 13))} not supported`);
  if (expLen !== i.exponent.length) return fail('issuer-cert-invalid', `issuer exponent length ${expLen} in the certificate, ${i.exponent.length} on the card`);
  if (nI < 64 || nI > nCa) return fail('issuer-cert-invalid', `issuer key length ${nI} out of range`);
  const modulus = nI <= nCa - 36 ? leftmost.subarray(0, nI) : concat(leftmost, remainder!);
  return { ok: true, issuer: { key: rsaPublicKey(modulus, i.exponent), issuerId, expiry, serial } };
}

export interface IccCertInput {
  issuer: RsaIssuerKey;
  cert: Uint8Array | undefined;
  remainder: Uint8Array | undefined;
  exponent: Uint8Array | undefined;
  staticData: Uint8Array;
  pan: string;
  today: number;
}

/** EMV Book 2 §6.4: retrieval of the ICC public key. */
export function recoverIccKey(i: IccCertInput): OdaStep<{ icc: RsaIccKey }> {
  const nI = i.issuer.key.modulus.length;
  if (!i.cert) return fail('data-missing', 'ICC data missing: ICC public key certificate (9F46)');
  if (!i.exponent) return fail('data-missing', 'ICC data missing: ICC public key exponent (9F47)');
  if (i.cert.length !== nI) return fail('icc-cert-invalid', `ICC certificate is ${i.cert.length} bytes, the issuer key ${nI}`);
  const r = recoverBlock(i.issuer.key, i.cert);
  if (!r) return fail('icc-cert-invalid', 'ICC certificate does not recover with the issuer key (header/trailer)');
  if (r[1] !== 0x04) return fail('icc-cert-invalid', `ICC certificate format ${toHex(r.subarray(1, 2))}, expected 04`);
  const nIc = r[19]!;
  const expLen = r[20]!;
  const leftmost = r.subarray(21, nI - 21);
  const remainder = nIc > nI - 42 ? i.remainder : undefined;
  if (nIc > nI - 42 && (!remainder || remainder.length !== nIc - (nI - 42))) {
    return fail(remainder ? 'icc-cert-invalid' : 'data-missing', remainder ? `ICC public key remainder is ${remainder.length} bytes, expected ${nIc - (nI - 42)}` : 'ICC data missing: ICC public key remainder (9F48)');
  }
  const hash = sha1(r.subarray(1, nI - 21), remainder ?? new Uint8Array(0), i.exponent, i.staticData);
  if (!equalBytes(hash, r.subarray(nI - 21, nI - 1))) return fail('icc-cert-hash', 'ICC certificate hash mismatch (certificate or static data altered)');
  const certPan = cnDigits(r.subarray(2, 12));
  if (certPan === undefined || certPan !== i.pan) return fail('icc-pan-mismatch', 'PAN in the ICC certificate does not match the card PAN');
  const expiry = decodeMmyy(r.subarray(12, 14));
  if (!expiry) return fail('icc-cert-invalid', `ICC certificate expiry ${toHex(r.subarray(12, 14))} is not MMYY`);
  if (expiredAt(expiry, i.today)) return fail('icc-cert-expired', `ICC certificate expired ${formatYm(expiry)}`);
  if (r[17] !== HASH_SHA1 || r[18] !== PK_RSA) return fail('icc-cert-algorithm', `ICC certificate algorithms ${toHex(r.subarray(17, 19))} not supported`);
  if (expLen !== i.exponent.length) return fail('icc-cert-invalid', `ICC exponent length ${expLen} in the certificate, ${i.exponent.length} on the card`);
  if (nIc < 64 || nIc > nI) return fail('icc-cert-invalid', `ICC key length ${nIc} out of range`);
  const modulus = nIc <= nI - 42 ? leftmost.subarray(0, nIc) : concat(leftmost, remainder!);
  return { ok: true, icc: { key: rsaPublicKey(modulus, i.exponent), expiry, serial: toHex(r.subarray(14, 17)) } };
}

/** EMV Book 2 §5.4: verification of the Signed Static Application Data (SDA). Returns the DAC. */
export function verifySsad(issuer: RsaIssuerKey, ssad: Uint8Array | undefined, staticData: Uint8Array): OdaStep<{ dac: Uint8Array }> {
  const nI = issuer.key.modulus.length;
  if (!ssad) return fail('data-missing', 'ICC data missing: signed static application data (93)');
  if (ssad.length !== nI) return fail('sda-invalid', `signed static data is ${ssad.length} bytes, the issuer key ${nI}`);
  const r = recoverBlock(issuer.key, ssad);
  if (!r || r[1] !== 0x03) return fail('sda-invalid', 'signed static data does not recover with the issuer key');
  if (r[2] !== HASH_SHA1) return fail('sda-invalid', `SDA hash algorithm ${toHex(r.subarray(2, 3))} not supported`);
  const hash = sha1(r.subarray(1, nI - 21), staticData);
  if (!equalBytes(hash, r.subarray(nI - 21, nI - 1))) return fail('sda-signature', 'SDA signature mismatch (static data altered)');
  return { ok: true, dac: r.slice(3, 5) };
}

export type DynamicKind = 'dda' | 'fdda';

/**
 * EMV Book 2 §6.5: verification of the Signed Dynamic Application Data with the ICC key, hashed with
 * the terminal dynamic data (DDA: the DDOL data; fDDA: 9F37 [‖ 9F02 ‖ 5F2A ‖ 9F69]). Returns the ICC
 * dynamic number (9F4C) and the whole ICC dynamic data.
 */
export function verifySdad(icc: RsaIccKey, sdad: Uint8Array | undefined, terminalDynamicData: Uint8Array, kind: DynamicKind): OdaStep<{ iccDynamicNumber: Uint8Array; iccDynamicData: Uint8Array }> {
  const invalid = kind === 'dda' ? 'dda-invalid' : 'fdda-invalid';
  const label = kind === 'dda' ? 'DDA' : 'fDDA';
  const nIc = icc.key.modulus.length;
  if (!sdad) return fail('data-missing', 'ICC data missing: signed dynamic application data (9F4B)');
  if (sdad.length !== nIc) return fail(invalid, `${label}: signed dynamic data is ${sdad.length} bytes, the ICC key ${nIc}`);
  const r = recoverBlock(icc.key, sdad);
  if (!r || r[1] !== 0x05) return fail(kind === 'dda' ? 'dda-signature' : 'fdda-signature', `${label} signature mismatch (does not recover with the ICC key)`);
  if (r[2] !== HASH_SHA1) return fail(invalid, `${label}: hash algorithm ${toHex(r.subarray(2, 3))} not supported`);
  const ldd = r[3]!;
  if (ldd > nIc - 25) return fail(invalid, `${label}: ICC dynamic data length ${ldd} too long`);
  const hash = sha1(r.subarray(1, nIc - 21), terminalDynamicData);
  if (!equalBytes(hash, r.subarray(nIc - 21, nIc - 1))) return fail(kind === 'dda' ? 'dda-signature' : 'fdda-signature', `${label} signature mismatch`);
  const dyn = r.slice(4, 4 + ldd);
  const idnLen = dyn[0] ?? 0;
  if (idnLen < 2 || idnLen > 8 || idnLen + 1 > dyn.length) return fail(invalid, `${label}: ICC dynamic number length ${idnLen} invalid`);
  return { ok: true, iccDynamicNumber: dyn.slice(1, 1 + idnLen), iccDynamicData: dyn };
}

/** CAPK checksum: SHA-1(RID ‖ index ‖ modulus ‖ exponent) (EMV Book 2 §11.2.2). */
export function rsaCapkChecksum(rid: Uint8Array, index: number, modulus: Uint8Array, exponent: Uint8Array): Uint8Array {
  return sha1(rid, Uint8Array.of(index), modulus, exponent);
}
