/**
 * The publisher keys a terminal trusts: a pinned set from configuration (downloads.publisherKeys), not
 * fetched from the network. Rotation (docs/downloads.md): add the next key to the terminals' config,
 * have the publisher sign with both keys for the overlap, then give the old key a `validUntil` (or
 * remove it). A key may be restricted to some kinds (e.g. a hotlist-only key on the operator's
 * hotlist server).
 *
 * Rules, in order, for each signature: its key id must be configured (else it is ignored, and if no
 * signature is from a known key the refusal is 'unknown-key'); it must verify (else 'bad-signature' —
 * a forged or damaged header, never ignored); the key must be valid at the artefact's `created` time and
 * now, and allowed for the kind (else 'key-not-valid'). At least `requiredSignatures` distinct keys must
 * pass.
 */
import { ed25519KeyId, ed25519Verify } from '../core/ed25519';
import { ArtefactRefused } from './errors';
import { signedMessage, type Envelope } from './envelope';

export interface PublisherKey {
  publicKey: Uint8Array;
  /** Derived from the public key (ed25519KeyId); a configured id that differs is a config error. */
  keyId: string;
  /** Epoch ms; artefacts created before this are not accepted under this key. */
  validFrom?: number;
  /** Epoch ms; after this the key signs nothing new, and artefacts it signed are no longer accepted. */
  validUntil?: number;
  /** Kinds this key may sign; all kinds when absent. */
  kinds?: string[];
  /** Operator's label ("hotlist server 2026"). */
  label?: string;
}

export interface TrustPolicy {
  keys: PublisherKey[];
  requiredSignatures: number;
}

export function publisherKey(publicKey: Uint8Array, extra: Omit<PublisherKey, 'publicKey' | 'keyId'> = {}): PublisherKey {
  return { publicKey, keyId: ed25519KeyId(publicKey), ...extra };
}

/** Check an envelope's signatures; returns the key ids that passed. Throws ArtefactRefused otherwise. */
export function verifySignatures(env: Envelope, trust: TrustPolicy, now: number): string[] {
  const { kind, version, created } = env.header;
  const where = `artefact ${kind} v${version}`;
  const message = signedMessage(env.headerBytes);
  const passed = new Set<string>();
  let known = 0;
  let invalidWhy = '';
  for (const sig of env.signatures) {
    const key = trust.keys.find((k) => k.keyId === sig.keyId);
    if (!key) continue;
    known++;
    if (!ed25519Verify(key.publicKey, message, sig.signature)) {
      throw new ArtefactRefused('bad-signature', `${where}: the signature by key ${sig.keyId} does not verify: forged or damaged; not applied`, kind, version);
    }
    if (key.kinds && !key.kinds.includes(kind)) {
      invalidWhy = `key ${sig.keyId} is not allowed to sign "${kind}" (downloads.publisherKeys[].kinds)`;
      continue;
    }
    if (key.validFrom !== undefined && created < key.validFrom) {
      invalidWhy = `key ${sig.keyId} was not yet valid when the artefact was created`;
      continue;
    }
    if (key.validUntil !== undefined && (created > key.validUntil || now > key.validUntil)) {
      invalidWhy = `key ${sig.keyId} is retired (validUntil ${new Date(key.validUntil).toISOString()})`;
      continue;
    }
    passed.add(sig.keyId);
  }
  if (known === 0) {
    const ids = env.signatures.map((s) => s.keyId).join(', ');
    throw new ArtefactRefused('unknown-key', `${where}: signed only by unknown keys (${ids}); if this is a new publisher key, add it to downloads.publisherKeys`, kind, version);
  }
  if (passed.size === 0 && invalidWhy) throw new ArtefactRefused('key-not-valid', `${where}: ${invalidWhy}`, kind, version);
  if (passed.size < trust.requiredSignatures) {
    throw new ArtefactRefused('not-enough-signatures', `${where}: ${passed.size} valid signature(s), downloads.requiredSignatures is ${trust.requiredSignatures}${invalidWhy ? `; ${invalidWhy}` : ''}`, kind, version);
  }
  return [...passed];
}
