/**
 * What happens at every start of the terminal, before the runtime starts (`ykt image boot`, e.g. a
 * systemd ExecStartPre): the "bootloader" half of A/B.
 *
 * - A slot still on trial was never committed: the installer crashed or the machine lost power
 *   during the trial. Roll back to the previous slot (the journal restored from its pre-trial copy
 *   if the trial changed its schema and nothing was recorded since — journal-guard.ts).
 * - A slot left `writing` was interrupted while unpacking: mark it empty.
 * - The active slot is re-checked file by file against its manifest; if it is damaged and the other
 *   slot is good, switch to the other one.
 * - `current` is pointed at the active slot.
 */
import { existsSync } from 'node:fs';
import type { Clock } from '../core/clock';
import { FirmwareError } from './errors';
import type { JournalGuard } from './journal-guard';
import { judgeTrialJournal } from './journal-guard';
import { parseManifest } from './image';
import { checkSlot } from './slot-files';
import { otherSlot, readState, slotDir, syncCurrentLink, withEvent, writeState, type SlotName, type SlotState } from './slots';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BootResult {
  active: SlotName | null;
  dir: string | null;
  /** Entry point relative to the slot (from its manifest). */
  entry: string | null;
  version: string | null;
  /** What recovery did, in order. */
  actions: string[];
}

/** Roll a trial back in the state (and the journal if needed). Pure on the state; I/O on the journal only. */
export function rollbackTrial(state: SlotState, at: number, reason: string, journal?: JournalGuard): { state: SlotState; journalNote: string } {
  const t = state.trial;
  if (!t) return { state, journalNote: '' };
  let journalNote = '';
  if (journal && t.journalBefore) {
    const verdict = judgeTrialJournal(t.journalBefore, journal.inspect());
    if (verdict.restore && t.journalSnapshot && existsSync(t.journalSnapshot)) {
      journal.restore(t.journalSnapshot);
      journalNote = `; journal restored from its pre-trial copy (${verdict.detail})`;
    } else if (!verdict.ok) journalNote = `; journal: ${verdict.detail}${verdict.restore ? ' — no pre-trial copy to restore' : ''}`;
  }
  const slots = { ...state.slots, [t.slot]: { ...state.slots[t.slot], status: 'bad' as const, at, note: reason.slice(0, 1900) } };
  const next: SlotState = { ...state, active: t.previous, slots, trial: null };
  return { state: withEvent(next, at, 'rollback', `${t.version} in slot ${t.slot} → ${t.previous ? `slot ${t.previous} (${state.slots[t.previous].version ?? '?'})` : 'no slot'}: ${reason}${journalNote}`), journalNote };
}

export function recoverAtBoot(o: { root: string; clock: Clock; journal?: JournalGuard }): BootResult {
  let state = readState(o.root);
  const actions: string[] = [];
  const now = o.clock.now();
  let changed = false;
  for (const s of ['a', 'b'] as const) {
    if (state.slots[s].status === 'writing') {
      state = withEvent({ ...state, slots: { ...state.slots, [s]: { status: 'empty', at: now, note: 'interrupted while unpacking' } } }, now, 'recover', `slot ${s} was interrupted while unpacking; marked empty`);
      actions.push(`slot ${s}: unpacking was interrupted; marked empty`);
      changed = true;
    }
  }
  if (state.trial) {
    const t = state.trial;
    const r = rollbackTrial(state, now, 'not committed before the restart (crash or power loss during the trial)', o.journal);
    state = r.state;
    actions.push(`slot ${t.slot} (${t.version}) was on trial and never committed: rolled back to ${t.previous ?? 'no slot'}${r.journalNote}`);
    changed = true;
  }
  if (state.active) {
    const c = checkSlot(slotDir(o.root, state.active));
    const expected = state.slots[state.active].manifestSha256;
    const ok = c.ok && (!expected || c.manifestSha256 === expected);
    if (!ok) {
      const other = otherSlot(state.active);
      const why = c.problems.slice(0, 3).join('; ') || 'manifest replaced';
      if (state.slots[other].status === 'good' && checkSlot(slotDir(o.root, other)).ok) {
        const bad = state.active;
        state = withEvent(
          { ...state, active: other, slots: { ...state.slots, [bad]: { ...state.slots[bad], status: 'bad', at: now, note: `damaged: ${why}` } } },
          now,
          'recover',
          `active slot ${bad} is damaged (${why}); switched to slot ${other}`,
        );
        actions.push(`slot ${bad} is damaged (${why}); switched to good slot ${other}`);
        changed = true;
      } else {
        actions.push(`slot ${state.active} is damaged (${why}) and there is no good slot to fall back to`);
      }
    }
  }
  if (changed) writeState(o.root, state);
  else syncCurrentLink(o.root, state);
  const dir = state.active ? slotDir(o.root, state.active) : null;
  let entry: string | null = null;
  if (dir) {
    try {
      entry = parseManifest(new Uint8Array(readFileSync(join(dir, 'manifest.json')))).entry;
    } catch {
      entry = null;
    }
  }
  return { active: state.active, dir, entry, version: state.active ? (state.slots[state.active].version ?? null) : null, actions };
}

/** Operator rollback (`ykt image rollback`): activate the other slot if it holds a committed image. */
export function rollbackToOther(o: { root: string; clock: Clock; reason?: string }): SlotState {
  const state = readState(o.root);
  if (state.trial) throw new FirmwareError('state', 'an update is on trial; it will commit or roll back by itself (or run `ykt image boot` after a crash)');
  if (!state.active) throw new FirmwareError('state', 'no slot is active');
  const other = otherSlot(state.active);
  if (state.slots[other].status !== 'good') throw new FirmwareError('state', `slot ${other} holds no committed image (status ${state.slots[other].status}); nothing to roll back to`);
  const c = checkSlot(slotDir(o.root, other));
  if (!c.ok) throw new FirmwareError('state', `slot ${other} is damaged (${c.problems.slice(0, 3).join('; ')}); not rolling back to it`);
  const now = o.clock.now();
  const from = state.active;
  const next = withEvent(
    { ...state, active: other, slots: { ...state.slots, [from]: { ...state.slots[from], status: 'bad', at: now, note: o.reason ?? 'rolled back by the operator' } } },
    now,
    'rollback',
    `operator: slot ${from} (${state.slots[from].version ?? '?'}) → slot ${other} (${state.slots[other].version ?? '?'})${o.reason ? `: ${o.reason}` : ''}`,
  );
  writeState(o.root, next);
  return next;
}
