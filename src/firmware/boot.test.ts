import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recoverAtBoot, rollbackToOther } from './boot';
import { FirmwareError } from './errors';
import { installUpdate } from './installer';
import { readState, slotDir, writeState } from './slots';
import { createHarness, type Harness } from './testing/harness';

let h: Harness;
beforeEach(async () => {
  h = createHarness({ records: 3 });
  h.publish('1.0.0');
  await installUpdate(h.options());
  await h.gate.resume();
  h.publish('1.1.0');
  await installUpdate(h.options());
  await h.gate.resume();
});
afterEach(() => h.cleanup());

describe('recoverAtBoot', () => {
  it('nothing to do on a committed state', () => {
    expect(recoverAtBoot({ root: h.root, clock: h.clock })).toMatchObject({ active: 'b', version: '1.1.0', entry: 'dist/ykt.js', actions: [] });
  });

  it('an uncommitted trial is rolled back', () => {
    const s = readState(h.root);
    writeState(h.root, { ...s, slots: { ...s.slots, b: { ...s.slots.b, status: 'trial' } }, trial: { slot: 'b', previous: 'a', version: '1.1.0', startedAt: 0, journalBefore: null, journalSnapshot: null } });
    const r = recoverAtBoot({ root: h.root, clock: h.clock, journal: h.guard });
    expect(r).toMatchObject({ active: 'a', version: '1.0.0' });
    expect(r.actions[0]).toMatch(/never committed: rolled back to a/);
    expect(readState(h.root)).toMatchObject({ active: 'a', trial: null, slots: { b: { status: 'bad' } } });
    expect(readlinkSync(join(h.root, 'current'))).toBe(join('slots', 'a'));
  });

  it('a slot interrupted while unpacking is marked empty', () => {
    const s = readState(h.root);
    writeState(h.root, { ...s, slots: { ...s.slots, a: { status: 'writing' } } });
    expect(recoverAtBoot({ root: h.root, clock: h.clock }).actions).toEqual(['slot a: unpacking was interrupted; marked empty']);
    expect(readState(h.root).slots.a.status).toBe('empty');
  });

  it('a damaged active slot falls back to the good one', () => {
    writeFileSync(join(slotDir(h.root, 'b'), 'dist', 'ykt.js'), 'corrupted');
    const r = recoverAtBoot({ root: h.root, clock: h.clock });
    expect(r).toMatchObject({ active: 'a', version: '1.0.0' });
    expect(r.actions[0]).toMatch(/slot b is damaged \(dist\/ykt\.js differs from the manifest\); switched to good slot a/);
  });
});

describe('operator rollback', () => {
  it('switches to the other committed slot; versions floor stays', () => {
    const s = rollbackToOther({ root: h.root, clock: h.clock, reason: 'gate opens slowly' });
    expect(s).toMatchObject({ active: 'a', highestCommitted: '1.1.0', slots: { b: { status: 'bad', note: 'gate opens slowly' } } });
    expect(() => rollbackToOther({ root: h.root, clock: h.clock })).toThrow(FirmwareError); // b is bad now
  });
});
