/**
 * The issuing side, for tests, the demo and `ykt ecode …`: what the issuing platform and the phone
 * app do. A real platform keeps issuer keys in an HSM; these helpers take raw keys.
 */
import { randomBytes } from 'node:crypto';
import { concat, fromHex } from '../../apdu/hex';
import { ed25519KeyId, ed25519PublicKey, ed25519Sign, generateEd25519 } from '../core/ed25519';
import { holderTokenFromCardId } from '../core/holder-token';
import { base45Encode } from './base45';
import { CERT_DOMAIN, CODE_DOMAIN, encodeCertificateBody, encodeCodeSigned, type CertificateFields } from './format';
import { YKE1_PREFIX } from './scheme-yke1';
import { bitsFromCategories, CARD_STATUS, scopeCode, type CardStatusName, type ScopeName } from './tables';

export interface KeyPairRecord {
  keyId: string;
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

export function newKeyPair(): KeyPairRecord {
  const k = generateEd25519();
  return { keyId: ed25519KeyId(k.publicKey), ...k };
}

export function keyPairFromPrivate(privateKey: Uint8Array): KeyPairRecord {
  const publicKey = ed25519PublicKey(privateKey);
  return { keyId: ed25519KeyId(publicKey), publicKey, privateKey };
}

export interface IssueCertificateInput {
  issuer: KeyPairRecord;
  /** Either the holder token, or the card identification code + holder-token key (the platform's way). */
  holderToken?: string;
  cardIdentificationCode?: Uint8Array;
  holderTokenKey?: Uint8Array;
  region: string;
  cardStatus?: CardStatusName;
  categories?: string[];
  validFromMs: number;
  validToMs: number;
  devicePublicKey: Uint8Array;
  serial?: Uint8Array;
}

/** Issue a holder certificate: 143 bytes (body ‖ issuer signature). */
export function issueCertificate(i: IssueCertificateInput): Uint8Array {
  let token = i.holderToken;
  if (!token) {
    if (!i.cardIdentificationCode || !i.holderTokenKey) throw new RangeError('issueCertificate: give holderToken, or cardIdentificationCode and holderTokenKey');
    token = holderTokenFromCardId(i.holderTokenKey, i.cardIdentificationCode);
  }
  const fields: CertificateFields = {
    issuerKeyId: fromHex(i.issuer.keyId),
    serial: i.serial ?? new Uint8Array(randomBytes(8)),
    holderToken: token,
    region: i.region,
    cardStatus: CARD_STATUS[i.cardStatus ?? 'active'],
    categoryBits: bitsFromCategories(i.categories ?? ['standard']),
    validFrom: Math.floor(i.validFromMs / 1000),
    validTo: Math.floor(i.validToMs / 1000),
    devicePublicKey: i.devicePublicKey,
  };
  const body = encodeCertificateBody(fields);
  const sig = ed25519Sign(i.issuer.privateKey, concat(CERT_DOMAIN, body));
  return concat(body, sig);
}

export interface MakeCodeInput {
  cert: Uint8Array;
  devicePrivateKey: Uint8Array;
  timestampMs: number;
  counter: number;
  scope: ScopeName | number;
  challenge?: Uint8Array;
}

/** What the phone does every refresh: sign certificate ‖ time ‖ counter ‖ scope [‖ challenge]. Returns the code text. */
export function makeCodeBytes(m: MakeCodeInput): Uint8Array {
  const signed = encodeCodeSigned(m.cert, {
    timestamp: Math.floor(m.timestampMs / 1000),
    counter: m.counter,
    scope: typeof m.scope === 'number' ? m.scope : scopeCode(m.scope),
    challenge: m.challenge,
  });
  const sig = ed25519Sign(m.devicePrivateKey, concat(CODE_DOMAIN, signed));
  return concat(signed, sig);
}

export function codeText(bytes: Uint8Array): string {
  return YKE1_PREFIX + base45Encode(bytes);
}

export function makeCode(m: MakeCodeInput): string {
  return codeText(makeCodeBytes(m));
}
