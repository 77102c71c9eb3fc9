/**
 * A decision is a value (STYLE.md §5): approvals and declines are normal outcomes with a reason a
 * person can read, not exceptions.
 */
export type Outcome = 'approved' | 'declined' | 'cannot-decide';

export interface Decision {
  outcome: Outcome;
  /** Machine-readable reason code, stable across versions: "hotlisted", "ec-balance-low", … */
  reason: string;
  /** The same reason for a person, in plain words. */
  message: string;
}

export const approve = (reason = 'ok', message = 'approved'): Decision => ({ outcome: 'approved', reason, message });
export const decline = (reason: string, message: string): Decision => ({ outcome: 'declined', reason, message });
export const cannotDecide = (reason: string, message: string): Decision => ({ outcome: 'cannot-decide', reason, message });
