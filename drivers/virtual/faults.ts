/**
 * Faults the virtual reader can inject, for tearing and robustness tests. Each fault starts after
 * `after` more APDUs have been answered normally (default 0: the very next APDU), counted from
 * setFault(). `executes: true` means the card processed the command before the failure — the classic
 * torn debit, where the card's state changed but the terminal never saw the answer.
 *
 *  - silent:         the card never answers; the per-APDU deadline fires (CardError 'mute'). Every
 *                    later APDU on that connection fails at once, as on PC/SC, where the native call
 *                    is still hanging. The hang ends when the card is removed or the driver closed.
 *  - vanish:         the card leaves the field during that APDU: CardError 'removed', a
 *                    'card-removed' event, and the reader is empty afterwards.
 *  - short-response: the reader hands back 0 or 1 bytes (a dying card on PC/SC "succeeds" like
 *                    that): CardError 'short-response'. Stays until cleared, like a dying card.
 */
export type VirtualFault =
  | { kind: 'silent'; after?: number; executes?: boolean }
  | { kind: 'vanish'; after?: number; executes?: boolean }
  | { kind: 'short-response'; bytes: 0 | 1; after?: number; executes?: boolean };

export function checkFault(fault: VirtualFault): VirtualFault {
  const after = fault.after ?? 0;
  if (!Number.isInteger(after) || after < 0) throw new RangeError(`fault.after: expected an integer >= 0, got ${String(fault.after)}`);
  if (fault.kind === 'short-response' && fault.bytes !== 0 && fault.bytes !== 1) {
    throw new RangeError(`fault.bytes: expected 0 or 1, got ${String(fault.bytes)}`);
  }
  return fault;
}
