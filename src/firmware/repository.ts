/**
 * The publishing side of a firmware repository (layout in source.ts). Used by `ykt image sign` and by
 * firmware-images/build-samples.ts. The signing keys of each role are passed in; a threshold role is
 * signed by several holders either at once (several keys) or in turns (addSignatures, metadata.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FirmwareError } from './errors';
import { atomicWriteFile } from './fsutil';
import { parseImage } from './image';
import {
  formatExpires,
  parseMetadata,
  publicKeyEntry,
  signMetadata,
  SPEC_VERSION,
  type RootSigned,
  type TargetsSigned,
  type TimestampSigned,
} from './metadata';
import type { KeyPair } from './keys';
import { sha256Hex } from './trust';

export interface RoleKeys {
  keys: readonly Pick<KeyPair, 'publicKey'>[];
  threshold: number;
}

export const DAY_MS = 24 * 3600_000;
/** Default lifetimes (TUF's defaults, shortened for timestamp). */
export const DEFAULT_EXPIRY_MS = { root: 365 * DAY_MS, targets: 90 * DAY_MS, timestamp: 1 * DAY_MS } as const;

const md = (repo: string, name: string) => join(repo, 'metadata', name);

export function buildRoot(version: number, expiresMs: number, roles: { root: RoleKeys; targets: RoleKeys; timestamp: RoleKeys }): RootSigned {
  const keys: RootSigned['keys'] = {};
  const role = (r: RoleKeys) => {
    const ids = r.keys.map((k) => {
      const e = publicKeyEntry(k.publicKey);
      keys[e.keyid] = e.key;
      return e.keyid;
    });
    return { keyids: ids, threshold: r.threshold };
  };
  return { _type: 'root', spec: SPEC_VERSION, version, expires: formatExpires(expiresMs), keys, roles: { root: role(roles.root), targets: role(roles.targets), timestamp: role(roles.timestamp) } };
}

/** Latest root version number in a repository (0 if none). */
export function latestRootVersion(repo: string): number {
  if (!existsSync(join(repo, 'metadata'))) return 0;
  let v = 0;
  for (const f of readdirSync(join(repo, 'metadata'))) {
    const m = /^(\d+)\.root\.json$/.exec(f);
    if (m) v = Math.max(v, Number(m[1]));
  }
  return v;
}

/** Write root version N (signed by `signers`); also copies it to metadata/root.json. */
export function writeRoot(repo: string, root: RootSigned, signers: readonly KeyPair[]): Uint8Array {
  const bytes = signMetadata(root, signers.map((k) => k.privateKey));
  mkdirSync(join(repo, 'metadata'), { recursive: true });
  atomicWriteFile(md(repo, `${root.version}.root.json`), bytes);
  atomicWriteFile(md(repo, 'root.json'), bytes);
  return bytes;
}

export function initRepository(repo: string, roles: { root: RoleKeys; targets: RoleKeys; timestamp: RoleKeys }, rootSigners: readonly KeyPair[], nowMs: number, expiresMs = nowMs + DEFAULT_EXPIRY_MS.root): Uint8Array {
  if (latestRootVersion(repo) > 0) throw new FirmwareError('state', `${repo} already has a root; rotate it instead`);
  mkdirSync(join(repo, 'targets'), { recursive: true });
  return writeRoot(repo, buildRoot(1, expiresMs, roles), rootSigners);
}

/**
 * Root rotation: version N+1 signed by a threshold of version N's root keys AND of its own
 * (pass both sets in `signers`).
 */
export function rotateRoot(repo: string, roles: { root: RoleKeys; targets: RoleKeys; timestamp: RoleKeys }, signers: readonly KeyPair[], expiresMs: number): Uint8Array {
  const n = latestRootVersion(repo);
  if (n === 0) throw new FirmwareError('state', `${repo} has no root yet`);
  return writeRoot(repo, buildRoot(n + 1, expiresMs, roles), signers);
}

export function readTargets(repo: string): TargetsSigned | undefined {
  const p = md(repo, 'targets.json');
  return existsSync(p) ? parseMetadata('targets', new Uint8Array(readFileSync(p))).signed : undefined;
}

/**
 * Add images (their version and hardware are taken from their own manifests) and re-sign targets.json
 * with version + 1. Images are copied to targets/<name>.
 */
export function addTargets(repo: string, images: readonly { name: string; bytes: Uint8Array }[], signers: readonly KeyPair[], expiresMs: number, opts: { replace?: boolean } = {}): TargetsSigned {
  const old = readTargets(repo);
  const targets: TargetsSigned['targets'] = opts.replace ? {} : { ...(old?.targets ?? {}) };
  mkdirSync(join(repo, 'targets'), { recursive: true });
  for (const img of images) {
    const { manifest } = parseImage(img.bytes);
    targets[img.name] = { length: img.bytes.length, hashes: { sha256: sha256Hex(img.bytes) }, custom: { version: manifest.version, hardware: manifest.hardware } };
    writeFileSync(join(repo, 'targets', img.name), img.bytes);
  }
  const signed: TargetsSigned = { _type: 'targets', spec: SPEC_VERSION, version: (old?.version ?? 0) + 1, expires: formatExpires(expiresMs), targets };
  atomicWriteFile(md(repo, 'targets.json'), signMetadata(signed, signers.map((k) => k.privateKey)));
  return signed;
}

/** Write a fresh timestamp.json naming the current targets.json. */
export function publishTimestamp(repo: string, signers: readonly KeyPair[], expiresMs: number, version?: number): TimestampSigned {
  const tBytes = new Uint8Array(readFileSync(md(repo, 'targets.json')));
  const targets = parseMetadata('targets', tBytes).signed;
  const p = md(repo, 'timestamp.json');
  const old = existsSync(p) ? parseMetadata('timestamp', new Uint8Array(readFileSync(p))).signed : undefined;
  const signed: TimestampSigned = {
    _type: 'timestamp',
    spec: SPEC_VERSION,
    version: version ?? (old?.version ?? 0) + 1,
    expires: formatExpires(expiresMs),
    meta: { 'targets.json': { version: targets.version, length: tBytes.length, hashes: { sha256: sha256Hex(tBytes) } } },
  };
  atomicWriteFile(p, signMetadata(signed, signers.map((k) => k.privateKey)));
  return signed;
}
