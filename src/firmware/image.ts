/**
 * The firmware image (format "ykt-image/1", documented in firmware-images/README.md and
 * docs/firmware.md): a ustar archive (tar.ts) whose FIRST entry is `manifest.json`, followed by the
 * files it lists, in the manifest's order:
 *
 *   manifest.json        { format, version, hardware[], entry, files: [{ path, size, sha256 }] }
 *   dist/…               the built runtime (tsup output; source maps left out by default)
 *   package.json         the runtime's package (its dependencies' names and ranges)
 *   package-lock.json    the exact locked dependency tree (`npm ci --omit=dev` installs it)
 *
 * The archive's own length and SHA-256 are not in the manifest (a file cannot contain its own hash):
 * they are in the signed targets metadata, with the version and hardware again, and the installer
 * checks that both agree. packImage also writes a sidecar `<image>.json` with length and SHA-256 for
 * people and for `ykt image sign`.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseJsonBounded } from './canonical-json';
import { FirmwareError } from './errors';
import { HARDWARE_RE, type Target } from './metadata';
import { checkArchivePath, DEFAULT_TAR_LIMITS, readTar, writeTar, type TarEntry, type TarLimits } from './tar';
import { sha256Hex } from './trust';
import { VERSION_RE } from './version';

export const IMAGE_FORMAT = 'ykt-image/1';
export const MANIFEST_PATH = 'manifest.json';
export const MANIFEST_MAX_BYTES = 1024 * 1024;

export const manifestSchema = z.strictObject({
  format: z.literal(IMAGE_FORMAT),
  version: z.string().regex(VERSION_RE, 'MAJOR.MINOR.PATCH'),
  hardware: z.array(z.string().regex(HARDWARE_RE)).min(1).max(32),
  /** The runtime's entry point, relative to the slot (e.g. dist/ykt.js). */
  entry: z.string().min(1),
  files: z
    .array(z.strictObject({ path: z.string().min(1), size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }))
    .min(1),
});
export type ImageManifest = z.infer<typeof manifestSchema>;

export interface ParsedImage {
  manifest: ImageManifest;
  manifestBytes: Uint8Array;
  /** Files in manifest order (manifest.json excluded). */
  files: TarEntry[];
}

export function parseManifest(bytes: Uint8Array): ImageManifest {
  const json = parseJsonBounded(bytes, MANIFEST_MAX_BYTES, MANIFEST_PATH);
  const r = manifestSchema.safeParse(json);
  if (!r.success) throw new FirmwareError('manifest', `${MANIFEST_PATH}: ${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`);
  return r.data;
}

/** Parse and check an image whose length and hash were already checked against signed metadata. */
export function parseImage(bytes: Uint8Array, limits: TarLimits = DEFAULT_TAR_LIMITS): ParsedImage {
  const entries = readTar(bytes, limits);
  const first = entries[0];
  if (!first || first.path !== MANIFEST_PATH) throw new FirmwareError('manifest', `image: the first entry must be ${MANIFEST_PATH}`);
  const m = parseManifest(first.data);
  const files = entries.slice(1);
  if (files.length !== m.files.length) throw new FirmwareError('manifest', `image: the manifest lists ${m.files.length} files, the archive holds ${files.length}`);
  m.files.forEach((f, i) => {
    checkArchivePath(f.path, limits);
    const e = files[i]!;
    if (e.path !== f.path) throw new FirmwareError('manifest', `image: entry ${i + 1} is ${e.path}, the manifest says ${f.path}`);
    if (e.data.length !== f.size) throw new FirmwareError('manifest', `image: ${f.path} is ${e.data.length} bytes, the manifest says ${f.size}`);
    if (sha256Hex(e.data) !== f.sha256) throw new FirmwareError('manifest', `image: ${f.path} does not match its SHA-256 in the manifest`);
  });
  if (!m.files.some((f) => f.path === m.entry)) throw new FirmwareError('manifest', `image: entry point ${m.entry} is not among the files`);
  return { manifest: m, manifestBytes: first.data, files };
}

/** The manifest must say what the signed target says. */
export function checkManifestAgainstTarget(m: ImageManifest, target: Target, name: string): void {
  if (m.version !== target.custom.version) throw new FirmwareError('manifest', `image ${name}: manifest version ${m.version} differs from the signed ${target.custom.version}`);
  const a = [...m.hardware].sort().join(',');
  const b = [...target.custom.hardware].sort().join(',');
  if (a !== b) throw new FirmwareError('manifest', `image ${name}: manifest hardware [${a}] differs from the signed [${b}]`);
}

export interface PackOptions {
  /** Project directory holding dist/, package.json, package-lock.json. */
  projectDir: string;
  version: string;
  hardware: string[];
  entry?: string;
  /** Keep *.map files from dist/ (default false: they double the size and are not needed to run). */
  includeSourceMaps?: boolean;
}

function walk(dir: string, rel: string, out: string[]): void {
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(dir, r));
    if (st.isSymbolicLink()) throw new FirmwareError('archive', `pack: ${r} is a symbolic link; images hold regular files only`);
    if (st.isDirectory()) walk(dir, r, out);
    else if (st.isFile()) out.push(r);
    else throw new FirmwareError('archive', `pack: ${r} is not a regular file`);
  }
}

/** Build an image from a built project. Deterministic: same files → same bytes. */
export function packImage(o: PackOptions): { bytes: Uint8Array; manifest: ImageManifest; sha256: string; length: number } {
  if (!VERSION_RE.test(o.version)) throw new FirmwareError('malformed', `pack: version ${JSON.stringify(o.version)} is not MAJOR.MINOR.PATCH`);
  for (const h of o.hardware) if (!HARDWARE_RE.test(h)) throw new FirmwareError('malformed', `pack: hardware id ${JSON.stringify(h)}: lowercase letters, digits, . _ -`);
  if (o.hardware.length === 0) throw new FirmwareError('malformed', 'pack: name at least one target hardware');
  const paths: string[] = [];
  try {
    walk(o.projectDir, 'dist', paths);
  } catch (e) {
    if (e instanceof FirmwareError) throw e;
    throw new FirmwareError('io', `pack: cannot read ${join(o.projectDir, 'dist')} (${(e as Error).message}); run \`npm run build\` first`);
  }
  const dist = paths.filter((p) => o.includeSourceMaps || !p.endsWith('.map'));
  const all = [...dist, 'package.json', 'package-lock.json'];
  const files: TarEntry[] = all.map((p) => {
    checkArchivePath(p);
    try {
      return { path: p, data: new Uint8Array(readFileSync(join(o.projectDir, p))) };
    } catch (e) {
      throw new FirmwareError('io', `pack: cannot read ${p} (${(e as Error).message})`);
    }
  });
  const entry = o.entry ?? 'dist/ykt.js';
  if (!all.includes(entry)) throw new FirmwareError('manifest', `pack: the entry point ${entry} is not in dist/`);
  const manifest: ImageManifest = {
    format: IMAGE_FORMAT,
    version: o.version,
    hardware: [...o.hardware],
    entry,
    files: files.map((f) => ({ path: f.path, size: f.data.length, sha256: sha256Hex(f.data) })),
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest, null, 1) + '\n');
  const bytes = writeTar([{ path: MANIFEST_PATH, data: manifestBytes }, ...files]);
  return { bytes, manifest, sha256: sha256Hex(bytes), length: bytes.length };
}
