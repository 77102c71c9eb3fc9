/**
 * Files of the `ykt ecode` test tooling: key files, the phone "wallet", artefacts. TEST material for
 * demos and tests — a real issuing platform keeps its keys in an HSM and never writes them to files.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { fromHex, toHex } from '../../../apdu/hex';
import { ConfigError } from '../../core/errors';
import { keyPairFromPrivate, type KeyPairRecord } from '../../ecode/issue';
import { ed25519KeyId } from '../../core/ed25519';
import { UsageError } from '../command';

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${n}}$`));

const keyFileSchema = z.object({
  kind: z.literal('ykt-ecode-key'),
  role: z.enum(['root', 'issuer']),
  keyId: hex(16),
  publicKey: hex(64),
  privateKey: hex(64).optional(),
  issuer: z.string().optional(),
  warning: z.string().optional(),
});
export type KeyFile = z.infer<typeof keyFileSchema>;

const walletSchema = z.object({
  kind: z.literal('ykt-ecode-wallet'),
  certificate: hex(286),
  devicePrivateKey: hex(64),
  counter: z.number().int().min(0).max(0xffffffff),
  holderToken: z.string(),
  serial: hex(16),
  region: z.string(),
  validFrom: z.string(),
  validTo: z.string(),
  warning: z.string().optional(),
});
export type Wallet = z.infer<typeof walletSchema>;

export const TEST_WARNING = 'TEST MATERIAL made by `ykt ecode` — never use for real holders';

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${what} ${file}`, e instanceof Error ? e.message : String(e));
  }
}

function parsed<T>(schema: z.ZodType<T>, json: unknown, file: string, what: string): T {
  const r = schema.safeParse(json);
  if (!r.success) throw new ConfigError(`${what} ${file}`, `${r.error.issues[0]!.path.join('.') || '(root)'}: ${r.error.issues[0]!.message}`);
  return r.data;
}

export function readKeyFile(file: string, opts: { needPrivate?: boolean; role?: 'root' | 'issuer' } = {}): { file: KeyFile; pair?: KeyPairRecord; publicKey: Uint8Array } {
  const k = parsed(keyFileSchema, readJson(file, 'key file'), file, 'key file');
  if (opts.role && k.role !== opts.role) throw new UsageError(`${file} is a ${k.role} key, expected a ${opts.role} key`);
  const publicKey = fromHex(k.publicKey);
  if (ed25519KeyId(publicKey) !== k.keyId.toLowerCase()) throw new ConfigError(`key file ${file}`, 'keyId does not match publicKey');
  if (!k.privateKey) {
    if (opts.needPrivate) throw new UsageError(`${file} holds no private key`);
    return { file: k, publicKey };
  }
  const pair = keyPairFromPrivate(fromHex(k.privateKey));
  if (pair.keyId !== k.keyId.toLowerCase()) throw new ConfigError(`key file ${file}`, 'privateKey does not match publicKey');
  return { file: k, pair, publicKey };
}

export function keyFileOf(pair: KeyPairRecord, role: 'root' | 'issuer', issuer?: string, withPrivate = true): KeyFile {
  return { kind: 'ykt-ecode-key', role, keyId: pair.keyId, publicKey: toHex(pair.publicKey).toLowerCase(), ...(withPrivate ? { privateKey: toHex(pair.privateKey).toLowerCase() } : {}), ...(issuer ? { issuer } : {}), warning: TEST_WARNING };
}

export function readWallet(file: string): Wallet {
  return parsed(walletSchema, readJson(file, 'wallet'), file, 'wallet');
}

/** Write atomically (temp file + rename), refusing to replace an existing file unless `force`. */
export function writeOut(file: string, content: string | Uint8Array, force = false): void {
  if (!force && existsSync(file)) throw new UsageError(`${file} exists (use --force to replace it)`);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

export function parseWhen(text: string | undefined, what: string): number {
  if (text === undefined) return Date.now();
  const t = Date.parse(text);
  if (!Number.isFinite(t)) throw new UsageError(`${what}: expected an ISO date-time like 2026-11-22T08:00:00Z, got "${text}"`);
  return t;
}

export function parseIntOpt(text: string | undefined, what: string, dflt: number, min = 0): number {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${what}: expected an integer >= ${min}, got "${text}"`);
  return n;
}

export function parseHexOpt(text: string, what: string, len?: number): Uint8Array {
  let b: Uint8Array;
  try {
    b = fromHex(text);
  } catch (e) {
    throw new UsageError(`${what}: ${(e as Error).message}`);
  }
  if (len !== undefined && b.length !== len) throw new UsageError(`${what}: expected ${len} bytes (${len * 2} hex digits), got ${b.length}`);
  return b;
}

export function list(text: string | undefined): string[] {
  return text ? text.split(',').map((s) => s.trim()).filter(Boolean) : [];
}
