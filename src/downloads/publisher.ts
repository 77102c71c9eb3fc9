/**
 * Publisher side: build and sign artefacts (the backend's publishing job, tests, the demo, and
 * `ykt hotlist import` for ids). A terminal never holds a publisher private key.
 */
import { ed25519KeyId, ed25519PublicKey, ed25519Sign } from '../core/ed25519';
import { artefactHeaderSchema, encodeEnvelope, sha256Hex, signedMessage, type ArtefactHeader } from './envelope';

export interface PublisherSigner {
  /** 32-byte Ed25519 private seed. */
  privateKey: Uint8Array;
}

export interface BuildArtefact {
  kind: string;
  version: number;
  /** For a delta: the version it applies to. */
  base?: number;
  /** Epoch ms. */
  created: number;
  /** Epoch ms; e.g. created + 30 days. */
  expires: number;
  maxAgeMs?: number;
  note?: string;
  payload: Uint8Array;
}

/** Sign an artefact with one or more publisher keys; returns the envelope bytes. */
export function buildArtefact(a: BuildArtefact, signers: PublisherSigner[]): Uint8Array {
  if (signers.length === 0) throw new RangeError('buildArtefact: at least one signer is needed');
  const header: ArtefactHeader = artefactHeaderSchema.parse({
    format: 1,
    kind: a.kind,
    version: a.version,
    ...(a.base !== undefined ? { base: a.base } : {}),
    created: a.created,
    expires: a.expires,
    ...(a.maxAgeMs !== undefined ? { maxAgeMs: a.maxAgeMs } : {}),
    payloadLength: a.payload.length,
    payloadSha256: sha256Hex(a.payload),
    ...(a.note !== undefined ? { note: a.note } : {}),
  });
  // Pad the JSON with spaces so that the payload starts on an 8-byte boundary of the envelope: a
  // terminal can then use large key arrays in place, without a copy (hotlist/keys.ts keysFromBytes).
  const json = JSON.stringify(header);
  const headerBytes = new TextEncoder().encode(json + ' '.repeat((8 - ((12 + Buffer.byteLength(json)) % 8)) % 8));
  const msg = signedMessage(headerBytes);
  const signatures = signers.map((s) => ({ keyId: ed25519KeyId(ed25519PublicKey(s.privateKey)), signature: ed25519Sign(s.privateKey, msg) }));
  return encodeEnvelope(headerBytes, a.payload, signatures);
}

/** Read a private seed from a key file: 64 hex digits (whitespace and a trailing newline allowed). */
export function parsePrivateKeyText(text: string): Uint8Array {
  const t = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(t)) throw new RangeError('publisher key file: expected 64 hex digits (a 32-byte Ed25519 private seed)');
  return new Uint8Array(Buffer.from(t, 'hex'));
}
