/**
 * A/B slots (after RAUC and Mender). Layout under the firmware root:
 *
 *   <root>/slots/a/, <root>/slots/b/   unpacked images (manifest.json + files)
 *   <root>/state.json                  THE truth: which slot is active, which is on trial, slot status
 *   <root>/current -> slots/a          convenience symlink for the service manager, re-derived from
 *                                      state.json after every change and at every boot
 *   <root>/trust/trusted.json          trusted metadata (trust-store.ts)
 *
 * state.json is replaced atomically (fsutil.ts), so a crash leaves the old or the new state. Slot
 * status: empty → writing (being unpacked; contents meaningless) → installed (unpacked and verified
 * from disk) → trial (active, started, not yet committed) → good (committed) | bad (failed its trial
 * or crashed before commit). Only `good` slots are rolled back to.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { FirmwareError } from './errors';
import { atomicSymlink, atomicWriteFile } from './fsutil';
import { VERSION_RE } from './version';

export type SlotName = 'a' | 'b';
export const otherSlot = (s: SlotName): SlotName => (s === 'a' ? 'b' : 'a');

const slotName = z.enum(['a', 'b']);
const slotInfoSchema = z.strictObject({
  status: z.enum(['empty', 'writing', 'installed', 'trial', 'good', 'bad']),
  version: z.string().regex(VERSION_RE).optional(),
  /** SHA-256 of the image archive this slot was unpacked from. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  target: z.string().optional(),
  /** SHA-256 of the slot's manifest.json as unpacked (checked at boot). */
  manifestSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  at: z.number().int().optional(),
  note: z.string().max(2000).optional(),
});
export type SlotInfo = z.infer<typeof slotInfoSchema>;

const journalFactsSchema = z.strictObject({
  exists: z.boolean(),
  schemaVersion: z.number().int(),
  head: z.string().regex(/^\d+$/),
  headHash: z.string(),
  unsent: z.string().regex(/^\d+$/),
});

const trialSchema = z.strictObject({
  slot: slotName,
  previous: slotName.nullable(),
  version: z.string().regex(VERSION_RE),
  startedAt: z.number().int(),
  /** The journal as it was before the trial started (journal-guard.ts). */
  journalBefore: journalFactsSchema.nullable(),
  /** Copy of the journal taken before the trial, if configured. */
  journalSnapshot: z.string().nullable(),
});

export const slotStateSchema = z.strictObject({
  format: z.literal(1),
  active: slotName.nullable(),
  slots: z.strictObject({ a: slotInfoSchema, b: slotInfoSchema }),
  trial: trialSchema.nullable(),
  /** Highest version ever committed here: installs must be newer (anti-rollback). */
  highestCommitted: z.string().regex(VERSION_RE).nullable(),
  /** Most recent events, newest last (at most HISTORY_MAX). */
  history: z.array(z.strictObject({ at: z.number().int(), event: z.string(), detail: z.string() })),
});
export type SlotState = z.infer<typeof slotStateSchema>;
export type TrialInfo = z.infer<typeof trialSchema>;
export type JournalFacts = z.infer<typeof journalFactsSchema>;

const HISTORY_MAX = 50;

export function emptyState(): SlotState {
  return { format: 1, active: null, slots: { a: { status: 'empty' }, b: { status: 'empty' } }, trial: null, highestCommitted: null, history: [] };
}

export const statePath = (root: string): string => join(root, 'state.json');
export const slotDir = (root: string, s: SlotName): string => join(root, 'slots', s);
export const currentLink = (root: string): string => join(root, 'current');

export function readState(root: string): SlotState {
  const p = statePath(root);
  if (!existsSync(p)) return emptyState();
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    throw new FirmwareError('state', `slot state ${p} is unreadable (${(e as Error).message}); it is written atomically, so this means disk damage — inspect it`);
  }
  const r = slotStateSchema.safeParse(json);
  if (!r.success) throw new FirmwareError('state', `slot state ${p}: ${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`);
  return r.data;
}

/** Persist atomically, then point `current` at the active slot. */
export function writeState(root: string, state: SlotState): void {
  const s = slotStateSchema.parse(state);
  atomicWriteFile(statePath(root), JSON.stringify(s, null, 1) + '\n');
  syncCurrentLink(root, s);
}

export function syncCurrentLink(root: string, s: SlotState): void {
  if (s.active) atomicSymlink(join('slots', s.active), currentLink(root));
}

export function withEvent(s: SlotState, at: number, event: string, detail: string): SlotState {
  const history = [...s.history, { at, event, detail: detail.slice(0, 2000) }].slice(-HISTORY_MAX);
  return { ...s, history };
}

/** The slot a new image goes into: never the active one. */
export function inactiveSlot(s: SlotState): SlotName {
  return s.active ? otherSlot(s.active) : 'a';
}
