/**
 * Issuer- and CA-side certificate building (TEST tooling only: the terminal never signs). Mirrors
 * src/pboc/oda/rsa-oda.ts (EMV Book 2 §5.3/5.4/6.4) and sm2-oda.ts (PBOC SM layouts).
 */
import { constants, privateEncrypt, type KeyObject } from 'node:crypto';
import { encodeCn, encodeN } from '../../../apdu/codec';
import { concat } from '../../../apdu/hex';
import { sha1 } from '../crypto/hash';
import { sm2Sign } from '../crypto/sm2';

export interface RsaSigner {
  key: KeyObject;
  modulusLength: number; // bytes
}

function rsaSign(signer: RsaSigner, block: Uint8Array): Uint8Array {
  if (block.length !== signer.modulusLength) throw new RangeError(`block ${block.length} bytes, key ${signer.modulusLength}`);
  return new Uint8Array(privateEncrypt({ key: signer.key, padding: constants.RSA_NO_PADDING }, block));
}

/** Certificate expiry MMYY, BCD (EMV Book 2 Table 13). */
const mmyy = (m: number, y: number) => encodeN(m * 100 + (y % 100), 2);

export interface CertFields {
  expiry: { m: number; y: number };
  serial: Uint8Array; // 3 bytes
}

/**
 * An RSA public key certificate (EMV Book 2 §5.3 Table 6 issuer, §6.4 Table 14 ICC): format ‖ subject
 * id (cn) ‖ expiry ‖ serial ‖ hash alg 01 ‖ PK alg 01 ‖ key length ‖ exponent length ‖ leftmost part of
 * the key (F-padded with BB), signed with the hash over that ‖ remainder ‖ exponent [‖ static data].
 * Returns the certificate and the key's remainder (when it does not fit).
 */
function rsaCert(signer: RsaSigner, format: 0x02 | 0x04, subjectCn: Uint8Array, f: CertFields, modulus: Uint8Array, exponent: Uint8Array, extra: readonly Uint8Array[]): { cert: Uint8Array; remainder?: Uint8Array } {
  const room = signer.modulusLength - 11 - subjectCn.length - 21;
  const leftmost = new Uint8Array(room).fill(0xbb);
  leftmost.set(modulus.subarray(0, Math.min(room, modulus.length)));
  const remainder = modulus.length > room ? modulus.slice(room) : undefined;
  const body = concat(Uint8Array.of(format), subjectCn, mmyy(f.expiry.m, f.expiry.y), f.serial, Uint8Array.of(0x01, 0x01, modulus.length, exponent.length), leftmost);
  const hash = sha1(body, remainder ?? new Uint8Array(0), exponent, ...extra);
  return { cert: rsaSign(signer, concat(Uint8Array.of(0x6a), body, hash, Uint8Array.of(0xbc))), remainder };
}

/** RSA issuer certificate (90) and remainder (92). */
export function rsaIssuerCert(ca: RsaSigner, issuerId: string, f: CertFields, issuerModulus: Uint8Array, issuerExponent: Uint8Array): { cert: Uint8Array; remainder?: Uint8Array } {
  return rsaCert(ca, 0x02, encodeCn(issuerId, 4), f, issuerModulus, issuerExponent, []);
}

/** RSA ICC certificate (9F46) and remainder (9F48); the hash covers the static data to be authenticated. */
export function rsaIccCert(issuer: RsaSigner, pan: string, f: CertFields, iccModulus: Uint8Array, iccExponent: Uint8Array, staticData: Uint8Array): { cert: Uint8Array; remainder?: Uint8Array } {
  return rsaCert(issuer, 0x04, encodeCn(pan, 10), f, iccModulus, iccExponent, [staticData]);
}

/** RSA Signed Static Application Data (93). */
export function rsaSsad(issuer: RsaSigner, dac: Uint8Array, staticData: Uint8Array): Uint8Array {
  const body = concat(Uint8Array.of(0x03, 0x01), dac, new Uint8Array(issuer.modulusLength - 26).fill(0xbb));
  return rsaSign(issuer, concat(Uint8Array.of(0x6a), body, sha1(body, staticData), Uint8Array.of(0xbc)));
}

/** SM2 certificate body (sm2-oda.ts layouts): format ‖ subject id (cn) ‖ expiry ‖ serial ‖ 04 04 00 ‖ 64 ‖ public key. */
const sm2CertBody = (format: 0x12 | 0x14, subjectCn: Uint8Array, f: CertFields, publicKey: Uint8Array) =>
  concat(Uint8Array.of(format), subjectCn, mmyy(f.expiry.m, f.expiry.y), f.serial, Uint8Array.of(0x04, 0x04, 0x00, 64), publicKey);

export function sm2IssuerCert(caPrivate: Uint8Array, issuerId: string, f: CertFields, issuerPublic: Uint8Array, userId: string): Uint8Array {
  const body = sm2CertBody(0x12, encodeCn(issuerId, 4), f, issuerPublic);
  return concat(body, sm2Sign(caPrivate, body, { userId }));
}

export function sm2IccCert(issuerPrivate: Uint8Array, pan: string, f: CertFields, iccPublic: Uint8Array, staticData: Uint8Array, userId: string): Uint8Array {
  const body = sm2CertBody(0x14, encodeCn(pan, 10), f, iccPublic);
  return concat(body, sm2Sign(issuerPrivate, concat(body, staticData), { userId }));
}

export function sm2Ssad(issuerPrivate: Uint8Array, dac: Uint8Array, staticData: Uint8Array, userId: string): Uint8Array {
  const body = concat(Uint8Array.of(0x13, 0x04), dac);
  return concat(body, sm2Sign(issuerPrivate, concat(body, staticData), { userId }));
}
