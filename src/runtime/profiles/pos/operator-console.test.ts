// The pending-amount state machine: an amount is used for exactly one sale, never after it expired,
// never changed or cancelled while a payment runs.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock';
import { OperatorDesk, OperatorError, type ConsoleEvent } from './operator-console';

const desk = (over: Partial<ConstructorParameters<typeof OperatorDesk>[0]> = {}) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 22, 4));
  const d = new OperatorDesk({ clock, maxAmountFen: 100_00, amountTimeoutSeconds: 60, registration: true, ...over });
  const events: ConsoleEvent[] = [];
  d.onEvent((e) => events.push(e));
  return { d, clock, events };
};

describe('operator desk', () => {
  it('nothing pending → no-amount; an approved sale uses the amount up', () => {
    const { d, events } = desk();
    expect(d.claim()).toMatchObject({ ok: false, reason: 'no-amount' });
    const o = d.set(12_34, false);
    expect(events).toEqual([{ kind: 'changed' }]);
    const c = d.claim();
    expect(c).toMatchObject({ ok: true, order: { id: o.id, amountFen: 12_34 } });
    expect(d.claim()).toMatchObject({ ok: false, reason: 'payment-in-progress' });
    expect(() => d.set(1_00, false)).toThrow(OperatorError);
    expect(() => d.cancel()).toThrow(/in progress/);
    d.settle((c as { order: typeof o }).order, true);
    expect(d.peek()).toBeNull();
    expect(d.claim()).toMatchObject({ ok: false, reason: 'no-amount' });
  });

  it('a decline puts the amount back under a new transaction id; expiry drops it', () => {
    const { d, clock } = desk();
    const o = d.set(5_00, false);
    const c = d.claim() as { ok: true; order: typeof o };
    clock.advance(30_000);
    d.settle(c.order, false);
    const again = d.peek()!;
    expect(again.amountFen).toBe(5_00);
    expect(again.id).not.toBe(o.id);
    expect(again.expiresAtMs).toBe(o.expiresAtMs); // a retry does not extend the amount's life
    clock.advance(30_000);
    expect(d.peek()).toBeNull();
    expect(d.claim()).toMatchObject({ ok: false, reason: 'no-amount' });
  });

  it('an amount that expires during the payment is not put back', () => {
    const { d, clock } = desk({ amountTimeoutSeconds: 10 });
    d.set(5_00, false);
    const c = d.claim() as { ok: true; order: NonNullable<ReturnType<typeof d.peek>> };
    clock.advance(11_000);
    d.settle(c.order, false);
    expect(d.peek()).toBeNull();
  });

  it('validates amounts and registration', () => {
    const { d } = desk({ registration: false });
    for (const bad of [0, -1, 1.5, Number.NaN, 100_01]) expect(() => d.set(bad, false)).toThrow(expect.objectContaining({ reason: 'bad-amount' }));
    expect(() => d.set(0, true)).toThrow(expect.objectContaining({ reason: 'not-supported' }));
    expect(d.set(100_00, false).amountFen).toBe(100_00);
    const r = desk().d;
    expect(r.set(0, true)).toMatchObject({ amountFen: 0, register: true });
  });

  it('timeout 0 keeps the amount until used or cancelled', () => {
    const { d, clock } = desk({ amountTimeoutSeconds: 0 });
    d.set(1_00, false);
    clock.advance(365 * 86_400_000);
    expect(d.peek()).toMatchObject({ amountFen: 1_00, expiresAtMs: null });
    expect(d.cancel()).toBe(true);
    expect(d.cancel()).toBe(false);
  });
});
