/**
 * YKE1, the binary layout of the e-code (docs/ecode.md §3). Two levels, after Tencent's bus code and
 * UIC DOSIPAS (DOMAIN.md §2): the issuing platform signs a holder certificate that carries the phone's
 * device key; the phone signs each displayed code (certificate ‖ time ‖ counter ‖ scope ‖ challenge).
 *
 *   certificate (143 bytes) = body (79) ‖ issuer signature (64)
 *     body = version 1 ‖ issuer key id 8 ‖ serial 8 ‖ holder token 16 ‖ region 3 (BCD) ‖ card status 1 ‖
 *            categories 2 ‖ valid from 4 ‖ valid to 4 (epoch seconds) ‖ device public key 32
 *   code (217 or 221 bytes) = certificate ‖ timestamp 4 ‖ counter 4 ‖ scope 1 ‖ flags 1 ‖
 *            [challenge 4 when flags bit 0] ‖ device signature 64
 *   issuer signs   "YKE1/cert" ‖ body
 *   device signs   "YKE1/code" ‖ code without its signature
 *
 * All integers big-endian. The parser is exact: a short input is "truncated", trailing bytes, reserved
 * flag bits or bad BCD are "malformed" (STYLE.md §6: bounded parsers, keep the exact signed bytes).
 */
import { decodeBcd, encodeBcd } from '../../apdu/codec';
import { YktError } from '../core/errors';
import { holderTokenFromBytes, holderTokenToBytes } from '../core/holder-token';

export const CERT_VERSION = 1;
export const CERT_BODY_LENGTH = 79;
export const SIGNATURE_LENGTH = 64;
export const CERT_LENGTH = CERT_BODY_LENGTH + SIGNATURE_LENGTH; // 143
export const CHALLENGE_LENGTH = 4;
const CODE_FIXED = CERT_LENGTH + 4 + 4 + 1 + 1; // before the optional challenge
export const CODE_LENGTH = CODE_FIXED + SIGNATURE_LENGTH; // 217 without challenge
export const CODE_LENGTH_WITH_CHALLENGE = CODE_LENGTH + CHALLENGE_LENGTH; // 221
const FLAG_CHALLENGE = 0x01;

export const CERT_DOMAIN = new TextEncoder().encode('YKE1/cert');
export const CODE_DOMAIN = new TextEncoder().encode('YKE1/code');

export type FormatFault = 'truncated' | 'malformed' | 'unsupported-version';

export class EcodeFormatError extends YktError {
  constructor(
    readonly fault: FormatFault,
    message: string,
  ) {
    super(message, `ecode/${fault}`);
  }
}

export interface CertificateFields {
  issuerKeyId: Uint8Array; // 8
  serial: Uint8Array; // 8
  /** Holder token as core/holder-token.ts makes it: 26 base32 characters (16 bytes on the wire). */
  holderToken: string;
  /** 6-digit administrative region code. */
  region: string;
  cardStatus: number;
  categoryBits: number;
  /** Epoch seconds. */
  validFrom: number;
  validTo: number;
  devicePublicKey: Uint8Array; // 32
}

export interface HolderCertificate extends CertificateFields {
  version: number;
  signature: Uint8Array;
  /** The exact body bytes the issuer signed. */
  body: Uint8Array;
  /** body ‖ signature: the certificate as carried in every code. */
  bytes: Uint8Array;
}

export interface DynamicCodeFields {
  /** Epoch seconds on the phone's clock. */
  timestamp: number;
  counter: number;
  scope: number;
  challenge?: Uint8Array;
}

export interface DynamicCode extends DynamicCodeFields {
  cert: HolderCertificate;
  signature: Uint8Array;
  /** The exact bytes the device signed, without the domain tag: the code minus its signature. */
  signed: Uint8Array;
}

// ---- BCD region --------------------------------------------------------------------------------

function regionToBcd(region: string): Uint8Array {
  if (!/^\d{6}$/.test(region)) throw new RangeError(`region: expected 6 digits, got ${JSON.stringify(region)}`);
  return encodeBcd(region);
}

function bcdToRegion(b: Uint8Array): string {
  try {
    return decodeBcd(b);
  } catch {
    throw new EcodeFormatError('malformed', 'certificate: region is not BCD');
  }
}

// ---- encoding (issuing side) --------------------------------------------------------------------

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${what}: expected an integer 0..4294967295, got ${v}`);
  return v;
}

function bytesOf(v: Uint8Array, len: number, what: string): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== len) throw new RangeError(`${what}: expected ${len} bytes, got ${v instanceof Uint8Array ? v.length : typeof v}`);
  return v;
}

export function encodeCertificateBody(f: CertificateFields): Uint8Array {
  const b = new Uint8Array(CERT_BODY_LENGTH);
  const dv = new DataView(b.buffer);
  b[0] = CERT_VERSION;
  b.set(bytesOf(f.issuerKeyId, 8, 'issuerKeyId'), 1);
  b.set(bytesOf(f.serial, 8, 'serial'), 9);
  b.set(holderTokenToBytes(f.holderToken), 17);
  b.set(regionToBcd(f.region), 33);
  if (!Number.isInteger(f.cardStatus) || f.cardStatus < 0 || f.cardStatus > 255) throw new RangeError(`cardStatus: expected 0..255, got ${f.cardStatus}`);
  b[36] = f.cardStatus;
  if (!Number.isInteger(f.categoryBits) || f.categoryBits < 0 || f.categoryBits > 0xffff) throw new RangeError(`categoryBits: expected 0..65535, got ${f.categoryBits}`);
  dv.setUint16(37, f.categoryBits);
  dv.setUint32(39, u32(f.validFrom, 'validFrom'));
  dv.setUint32(43, u32(f.validTo, 'validTo'));
  b.set(bytesOf(f.devicePublicKey, 32, 'devicePublicKey'), 47);
  return b;
}

/** The bytes the phone signs (without the domain tag) for a code over `certBytes`. */
export function encodeCodeSigned(certBytes: Uint8Array, f: DynamicCodeFields): Uint8Array {
  bytesOf(certBytes, CERT_LENGTH, 'certificate');
  const hasChallenge = f.challenge !== undefined;
  const out = new Uint8Array(CODE_FIXED + (hasChallenge ? CHALLENGE_LENGTH : 0));
  const dv = new DataView(out.buffer);
  out.set(certBytes, 0);
  dv.setUint32(CERT_LENGTH, u32(f.timestamp, 'timestamp'));
  dv.setUint32(CERT_LENGTH + 4, u32(f.counter, 'counter'));
  if (!Number.isInteger(f.scope) || f.scope < 0 || f.scope > 255) throw new RangeError(`scope: expected 0..255, got ${f.scope}`);
  out[CERT_LENGTH + 8] = f.scope;
  out[CERT_LENGTH + 9] = hasChallenge ? FLAG_CHALLENGE : 0;
  if (hasChallenge) out.set(bytesOf(f.challenge!, CHALLENGE_LENGTH, 'challenge'), CODE_FIXED);
  return out;
}

// ---- parsing (verifier side) --------------------------------------------------------------------

export function parseCertificate(bytes: Uint8Array, offset = 0): HolderCertificate {
  if (bytes.length - offset < 1) throw new EcodeFormatError('truncated', 'certificate: empty');
  const version = bytes[offset]!;
  if (version !== CERT_VERSION) throw new EcodeFormatError('unsupported-version', `certificate: version ${version}, this terminal knows ${CERT_VERSION}`);
  if (bytes.length - offset < CERT_LENGTH) throw new EcodeFormatError('truncated', `certificate: ${bytes.length - offset} bytes, expected ${CERT_LENGTH}`);
  const cert = bytes.subarray(offset, offset + CERT_LENGTH);
  const dv = new DataView(cert.buffer, cert.byteOffset, CERT_LENGTH);
  const region = bcdToRegion(cert.subarray(33, 36));
  const validFrom = dv.getUint32(39);
  const validTo = dv.getUint32(43);
  if (validTo < validFrom) throw new EcodeFormatError('malformed', 'certificate: validity ends before it starts');
  return {
    version,
    issuerKeyId: cert.subarray(1, 9),
    serial: cert.subarray(9, 17),
    holderToken: holderTokenFromBytes(cert.subarray(17, 33)),
    region,
    cardStatus: cert[36]!,
    categoryBits: dv.getUint16(37),
    validFrom,
    validTo,
    devicePublicKey: cert.subarray(47, 79),
    signature: cert.subarray(CERT_BODY_LENGTH, CERT_LENGTH),
    body: cert.subarray(0, CERT_BODY_LENGTH),
    bytes: cert,
  };
}

/** Parse a code's bytes. `cert` may be given when the caller already parsed (and cached) the certificate part. */
export function parseCode(bytes: Uint8Array, cert?: HolderCertificate): DynamicCode {
  const c = cert ?? parseCertificate(bytes, 0);
  if (bytes.length < CODE_FIXED) throw new EcodeFormatError('truncated', `code: ${bytes.length} bytes, expected at least ${CODE_LENGTH}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const flags = bytes[CERT_LENGTH + 9]!;
  if (flags & ~FLAG_CHALLENGE) throw new EcodeFormatError('malformed', `code: reserved flag bits set (${flags.toString(2).padStart(8, '0')})`);
  const hasChallenge = (flags & FLAG_CHALLENGE) !== 0;
  const signedLen = CODE_FIXED + (hasChallenge ? CHALLENGE_LENGTH : 0);
  const total = signedLen + SIGNATURE_LENGTH;
  if (bytes.length < total) throw new EcodeFormatError('truncated', `code: ${bytes.length} bytes, expected ${total}`);
  if (bytes.length > total) throw new EcodeFormatError('malformed', `code: ${bytes.length - total} trailing bytes after the signature`);
  return {
    cert: c,
    timestamp: dv.getUint32(CERT_LENGTH),
    counter: dv.getUint32(CERT_LENGTH + 4),
    scope: bytes[CERT_LENGTH + 8]!,
    challenge: hasChallenge ? bytes.subarray(CODE_FIXED, CODE_FIXED + CHALLENGE_LENGTH) : undefined,
    signature: bytes.subarray(signedLen, total),
    signed: bytes.subarray(0, signedLen),
  };
}
