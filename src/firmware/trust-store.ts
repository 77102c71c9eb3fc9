/**
 * Where the terminal keeps its trusted metadata: `<firmware root>/trust/trusted.json`, one file
 * written atomically (fsutil.ts), holding the exact bytes of the trusted root, timestamp and targets
 * files (base64) and the trusted time floor. Loaded metadata is re-parsed (schema, bounds) but not
 * re-verified: it was verified before it was stored, and the file lives on the terminal's own disk.
 *
 * First start: nothing stored → the pinned root (provisioned with the terminal, config
 * `firmware.pinnedRootPath`) is trusted after checking its self-signatures. A pinned root newer than
 * the stored one (re-provisioning) replaces it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { FirmwareError } from './errors';
import { atomicWriteFile } from './fsutil';
import { parseMetadata } from './metadata';
import { trustPinnedRoot, type TrustedState } from './trust';

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/).max(2_000_000);
const fileSchema = z.strictObject({
  format: z.literal(1),
  root: b64,
  timestamp: b64.nullable(),
  targets: b64.nullable(),
  timeFloor: z.number().int().min(0),
});

export function trustFile(firmwareRoot: string): string {
  return join(firmwareRoot, 'trust', 'trusted.json');
}

const dec = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const enc = (b: Uint8Array) => Buffer.from(b).toString('base64');

export function loadTrust(firmwareRoot: string, pinnedRoot: Uint8Array, clockNow: number): TrustedState {
  const pinned = trustPinnedRoot(pinnedRoot, clockNow);
  const path = trustFile(firmwareRoot);
  if (!existsSync(path)) return pinned;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FirmwareError('malformed', `trusted metadata ${path} is unreadable (${(e as Error).message}); restore it or delete it to fall back to the pinned root`);
  }
  const r = fileSchema.safeParse(json);
  if (!r.success) throw new FirmwareError('malformed', `trusted metadata ${path}: ${r.error.issues[0]!.message}`);
  const f = r.data;
  const root = parseMetadata('root', dec(f.root), 'trusted root.json');
  if (pinned.root.signed.version > root.signed.version) return { ...pinned, timeFloor: Math.max(pinned.timeFloor, f.timeFloor) };
  return {
    root,
    timestamp: f.timestamp ? parseMetadata('timestamp', dec(f.timestamp), 'trusted timestamp.json') : undefined,
    targets: f.targets ? parseMetadata('targets', dec(f.targets), 'trusted targets.json') : undefined,
    timeFloor: f.timeFloor,
  };
}

export function saveTrust(firmwareRoot: string, state: TrustedState): void {
  const body = {
    format: 1,
    root: enc(state.root.bytes),
    timestamp: state.timestamp ? enc(state.timestamp.bytes) : null,
    targets: state.targets ? enc(state.targets.bytes) : null,
    timeFloor: state.timeFloor,
  };
  atomicWriteFile(trustFile(firmwareRoot), JSON.stringify(body) + '\n');
}
