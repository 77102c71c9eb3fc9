/**
 * The terminal's keystore: a small JSON file (mode 0600) with three secrets.
 * - signingKey: Ed25519 seed; signs upload batches (the backend knows the public key from enrolment).
 * - tokenKey: HMAC key of the tokeniser (a scheme secret shared with the backend; see tokenise.ts).
 * - dataKey: AES-256-GCM key sealing the personal data a service needs (see seal.ts).
 *
 * On a production terminal the file is provisioned (or the keys live in a secure element behind the
 * same shape); createKeystore makes random keys for development and tests. It never overwrites.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { z } from 'zod';
import { parseConfigSection } from '../core/config-section';
import { ConfigError } from '../core/errors';
import { ed25519KeyId, ed25519PublicKey, generateEd25519 } from '../core/ed25519';

const hexKey = (bytes: number, min = bytes) =>
  z
    .string()
    .regex(/^[0-9a-fA-F]*$/, 'hex digits only')
    .refine((s) => s.length % 2 === 0 && s.length / 2 >= min && s.length / 2 <= Math.max(bytes, min), `expected ${bytes} bytes of hex`);

const fileSchema = z.object({
  version: z.literal(1),
  signingKey: hexKey(32),
  tokenKey: hexKey(64, 32),
  dataKey: hexKey(32),
});

export interface Keystore {
  signingKey: Uint8Array;
  publicKey: Uint8Array;
  /** ed25519KeyId(publicKey): how the backend names this terminal key. */
  keyId: string;
  tokenKey: Uint8Array;
  dataKey: Uint8Array;
}

const fromHex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

export function keystoreFromJson(json: unknown, where = 'keystore'): Keystore {
  const file = parseConfigSection(fileSchema, json, where);
  const signingKey = fromHex(file.signingKey);
  const publicKey = ed25519PublicKey(signingKey);
  return { signingKey, publicKey, keyId: ed25519KeyId(publicKey), tokenKey: fromHex(file.tokenKey), dataKey: fromHex(file.dataKey) };
}

export function loadKeystore(path: string): Keystore {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('journal.keystorePath', `cannot read keystore ${path}: ${(e as Error).message} (a development one is made by \`ykt sync --enrol CODE --create-keystore\`)`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('journal.keystorePath', `keystore ${path} is not valid JSON`, { cause: e });
  }
  return keystoreFromJson(json, `keystore ${path}`);
}

/** Random keys (development/tests). `tokenKey` may be given to join an existing scheme. */
export function generateKeystoreJson(opts: { tokenKey?: Uint8Array } = {}): z.infer<typeof fileSchema> {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return { version: 1, signingKey: hex(generateEd25519().privateKey), tokenKey: hex(opts.tokenKey ?? randomBytes(32)), dataKey: hex(randomBytes(32)) };
}

/** Write a new keystore atomically with mode 0600; refuses to overwrite an existing file. */
export function createKeystore(path: string, opts: { tokenKey?: Uint8Array } = {}): Keystore {
  if (existsSync(path)) throw new ConfigError('journal.keystorePath', `keystore ${path} already exists: refusing to overwrite keys`);
  const json = generateKeystoreJson(opts);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(json, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dfd); // make the rename durable
  } finally {
    closeSync(dfd);
  }
  return keystoreFromJson(json);
}
