/** A DecisionEvent for tests, with the fields overridden. */
import type { DecisionEvent } from '../../runtime/events';

export const decision = (over: Partial<DecisionEvent> = {}): DecisionEvent => ({
  seq: '42',
  atMs: Date.UTC(2026, 10, 22, 8, 0, 0),
  profile: 'bus',
  device: 'reader-1',
  source: 'transit-card',
  outcome: 'approved',
  reason: 'ok',
  message: 'paid',
  latency: { read: 80, decide: 2, journal: 1, total: 90 },
  ...over,
});
