/**
 * Issuer- and CA-side certificate building (TEST tooling only: the terminal never signs). Mirrors
 * src/pboc/oda/rsa-oda.ts (EMV Book 2 §5.3/5.4/6.4) and sm2-oda.ts (PBOC SM layouts).
 */
import { constants, privateEncrypt, type KeyObject } from 'node:crypto';
import { encodeCn } from '../../../apdu/codec';
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

const mmyy = (m: number, y: number) => Uint8Array.of(((Math.floor(m / 10) << 4) | m % 10) & 0xff, ((Math.floor((y % 100) / 10) << 4) | (y % 10)) & 0xff);

export interface CertFields {
  expiry: { m: number; y: number };
  serial: Uint8Array; // 3 bytes
}

/** RSA issuer certificate (90) and remainder (92). */
export function rsaIssuerCert(ca: RsaSigner, issuerId: string, f: CertFields, issuerModulus: Uint8Array, issuerExponent: Uint8Array): { cert: Uint8Array; remainder?: Uint8Array } {
  const nCa = ca.modulusLength;
  const nI = issuerModulus.length;
  const room = nCa - 36;
  const leftmost = new Uint8Array(room).fill(0xbb);
  leftmost.set(issuerModulus.subarray(0, Math.min(room, nI)));
  const remainder = nI > room ? issuerModulus.slice(room) : undefined;
  const body = concat(Uint8Array.of(0x02), encodeCn(issuerId, 4), mmyy(f.expiry.m, f.expiry.y), f.serial, Uint8Array.of(0x01, 0x01, nI, issuerExponent.length), leftmost);
  const hash = sha1(body, remainder ?? new Uint8Array(0), issuerExponent);
  return { cert: rsaSign(ca, concat(Uint8Array.of(0x6a), body, hash, Uint8Array.of(0xbc))), remainder };
}

/** RSA ICC certificate (9F46) and remainder (9F48); the hash covers the static data to be authenticated. */
export function rsaIccCert(issuer: RsaSigner, pan: string, f: CertFields, iccModulus: Uint8Array, iccExponent: Uint8Array, staticData: Uint8Array): { cert: Uint8Array; remainder?: Uint8Array } {
  const nI = issuer.modulusLength;
  const nIc = iccModulus.length;
  const room = nI - 42;
  const leftmost = new Uint8Array(room).fill(0xbb);
  leftmost.set(iccModulus.subarray(0, Math.min(room, nIc)));
  const remainder = nIc > room ? iccModulus.slice(room) : undefined;
  const body = concat(Uint8Array.of(0x04), encodeCn(pan, 10), mmyy(f.expiry.m, f.expiry.y), f.serial, Uint8Array.of(0x01, 0x01, nIc, iccExponent.length), leftmost);
  const hash = sha1(body, remainder ?? new Uint8Array(0), iccExponent, staticData);
  return { cert: rsaSign(issuer, concat(Uint8Array.of(0x6a), body, hash, Uint8Array.of(0xbc))), remainder };
}

/** RSA Signed Static Application Data (93). */
export function rsaSsad(issuer: RsaSigner, dac: Uint8Array, staticData: Uint8Array): Uint8Array {
  const body = concat(Uint8Array.of(0x03, 0x01), dac, new Uint8Array(issuer.modulusLength - 26).fill(0xbb));
  return rsaSign(issuer, concat(Uint8Array.of(0x6a), body, sha1(body, staticData), Uint8Array.of(0xbc)));
}

export function sm2IssuerCert(caPrivate: Uint8Array, issuerId: string, f: CertFields, issuerPublic: Uint8Array, userId: string): Uint8Array {
  const body = concat(Uint8Array.of(0x12), encodeCn(issuerId, 4), mmyy(f.expiry.m, f.expiry.y), f.serial, Uint8Array.of(0x04, 0x04, 0x00, 64), issuerPublic);
  return concat(body, sm2Sign(caPrivate, body, { userId }));
}

export function sm2IccCert(issuerPrivate: Uint8Array, pan: string, f: CertFields, iccPublic: Uint8Array, staticData: Uint8Array, userId: string): Uint8Array {
  const body = concat(Uint8Array.of(0x14), encodeCn(pan, 10), mmyy(f.expiry.m, f.expiry.y), f.serial, Uint8Array.of(0x04, 0x04, 0x00, 64), iccPublic);
  return concat(body, sm2Sign(issuerPrivate, concat(body, staticData), { userId }));
}

export function sm2Ssad(issuerPrivate: Uint8Array, dac: Uint8Array, staticData: Uint8Array, userId: string): Uint8Array {
  const body = concat(Uint8Array.of(0x13, 0x04), dac);
  return concat(body, sm2Sign(issuerPrivate, concat(body, staticData), { userId }));
}
