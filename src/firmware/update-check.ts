/**
 * Verify what a repository offers, without changing anything on the terminal: metadata (trust.ts),
 * the chosen target for this hardware, and the image bytes (length first, then SHA-256, then the
 * archive and manifest) — all before anything is unpacked. Used by the installer and by
 * `ykt image verify`.
 */
import { FirmwareError } from './errors';
import { checkManifestAgainstTarget, parseImage, type ParsedImage } from './image';
import { METADATA_MAX_BYTES, type Target, type TargetsSigned } from './metadata';
import type { RepositorySource } from './source';
import { DEFAULT_TAR_LIMITS, type TarLimits } from './tar';
import { MAX_ROOT_ROTATIONS, sha256Hex, updateTrust, type MetadataBundle, type TrustedState } from './trust';
import { compareVersions } from './version';

export async function fetchBundle(source: RepositorySource, trusted: TrustedState): Promise<MetadataBundle> {
  const roots: Uint8Array[] = [];
  for (let v = trusted.root.signed.version + 1; roots.length <= MAX_ROOT_ROTATIONS; v++) {
    const b = await source.metadata(`${v}.root.json`, METADATA_MAX_BYTES.root);
    if (!b) break;
    roots.push(b);
  }
  const timestamp = await source.metadata('timestamp.json', METADATA_MAX_BYTES.timestamp);
  if (!timestamp) throw new FirmwareError('no-target', 'the repository has no timestamp.json');
  const targets = await source.metadata('targets.json', METADATA_MAX_BYTES.targets);
  if (!targets) throw new FirmwareError('no-target', 'the repository has no targets.json');
  return { roots, timestamp, targets };
}

/** The newest target for `hardware`, or the named one (which must be for this hardware). */
export function chooseTarget(targets: TargetsSigned, hardware: string, name?: string): { name: string; target: Target } {
  if (name !== undefined) {
    const t = Object.hasOwn(targets.targets, name) ? targets.targets[name] : undefined;
    if (!t) throw new FirmwareError('no-target', `targets.json v${targets.version} has no image named ${name}`);
    if (!t.custom.hardware.includes(hardware)) throw new FirmwareError('no-target', `image ${name} is for [${t.custom.hardware.join(', ')}], not for this terminal's hardware "${hardware}"`);
    return { name, target: t };
  }
  let best: { name: string; target: Target } | undefined;
  for (const [n, t] of Object.entries(targets.targets)) {
    if (!t.custom.hardware.includes(hardware)) continue;
    if (!best || compareVersions(t.custom.version, best.target.custom.version) > 0) best = { name: n, target: t };
  }
  if (!best) throw new FirmwareError('no-target', `targets.json v${targets.version} offers no image for hardware "${hardware}"`);
  return best;
}

export interface CheckedUpdate {
  trusted: TrustedState;
  name: string;
  target: Target;
  image: ParsedImage;
  sha256: string;
}

export interface CheckOptions {
  source: RepositorySource;
  trusted: TrustedState;
  clockNow: number;
  hardware: string;
  targetName?: string;
  maxImageBytes: number;
  tarLimits?: TarLimits;
}

/** Metadata only (fast): the new trusted state and the chosen target. */
export async function checkMetadata(o: CheckOptions): Promise<{ trusted: TrustedState; name: string; target: Target }> {
  const bundle = await fetchBundle(o.source, o.trusted);
  const trusted = updateTrust(o.trusted, bundle, o.clockNow);
  const { name, target } = chooseTarget(trusted.targets!.signed, o.hardware, o.targetName);
  return { trusted, name, target };
}

/** The image of a verified target: length, hash, then archive and manifest. */
export async function fetchImage(o: Pick<CheckOptions, 'source' | 'maxImageBytes' | 'tarLimits'>, name: string, target: Target): Promise<{ image: ParsedImage; sha256: string }> {
  if (target.length > o.maxImageBytes) throw new FirmwareError('image-size', `image ${name} is ${target.length} bytes, over this terminal's limit of ${o.maxImageBytes} (firmware.maxImageBytes)`);
  const bytes = await o.source.target(name, target.length);
  if (bytes.length !== target.length) throw new FirmwareError('image-size', `image ${name} is ${bytes.length} bytes but the signed metadata says ${target.length}`);
  const h = sha256Hex(bytes);
  if (h !== target.hashes.sha256) throw new FirmwareError('image-hash', `image ${name}: SHA-256 ${h} differs from the signed ${target.hashes.sha256} — tampered or corrupt; refusing it`);
  const image = parseImage(bytes, { ...(o.tarLimits ?? DEFAULT_TAR_LIMITS), maxTotalBytes: Math.min(o.maxImageBytes, (o.tarLimits ?? DEFAULT_TAR_LIMITS).maxTotalBytes) });
  checkManifestAgainstTarget(image.manifest, target, name);
  return { image, sha256: h };
}

export async function checkUpdate(o: CheckOptions): Promise<CheckedUpdate> {
  const m = await checkMetadata(o);
  const img = await fetchImage(o, m.name, m.target);
  return { ...m, ...img };
}
