/**
 * Key files for the signing side (`ykt image sign`): JSON { keytype, public, private, note }.
 * Production keys for root (threshold, offline) and targets live on signing hosts or HSMs, never on
 * terminals; terminals only hold the pinned root's PUBLIC keys inside root.json.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ed25519KeyId, ed25519PublicKey, generateEd25519 } from '../core/ed25519';
import { ConfigError } from '../core/errors';
import { fromHex, toHexLower } from './metadata';

const keyFileSchema = z.strictObject({
  keytype: z.literal('ed25519'),
  keyid: z.string().optional(),
  public: z.string().regex(/^[0-9a-f]{64}$/),
  private: z.string().regex(/^[0-9a-f]{64}$/),
  note: z.string().optional(),
});

export interface KeyPair {
  keyid: string;
  publicKey: Uint8Array;
  privateKey: Uint8Array;
  note?: string;
}

export function keyPairFromSeed(privateKey: Uint8Array, note?: string): KeyPair {
  const publicKey = ed25519PublicKey(privateKey);
  return { keyid: ed25519KeyId(publicKey), publicKey, privateKey, note };
}

export function newKeyPair(note?: string): KeyPair {
  return keyPairFromSeed(generateEd25519().privateKey, note);
}

export function keyFileJson(k: KeyPair): string {
  return JSON.stringify({ keytype: 'ed25519', keyid: k.keyid, public: toHexLower(k.publicKey), private: toHexLower(k.privateKey), note: k.note }, null, 2) + '\n';
}

export function loadKeyFile(path: string): KeyPair {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError('key', `cannot read key file ${path}: ${(e as Error).message}`);
  }
  const r = keyFileSchema.safeParse(json);
  if (!r.success) throw new ConfigError('key', `${path}: ${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`);
  const k = keyPairFromSeed(fromHex(r.data.private), r.data.note);
  if (toHexLower(k.publicKey) !== r.data.public) throw new ConfigError('key', `${path}: the public key does not belong to the private key`);
  return k;
}
