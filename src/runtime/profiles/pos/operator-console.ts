/**
 * The cashier's side of a hospital counter or canteen POS: the amount the operator typed, cancel, and
 * refund of the last sale. The customer's tap takes the pending amount ("claims" it); the amount is
 * used for exactly one sale:
 *
 *  - nothing pending (never typed, cancelled, already used, or expired) → the tap is answered "enter
 *    the amount first" (a recorded decline), never a charge of an old amount;
 *  - while a tap runs, the amount can be neither changed nor cancelled, and a second card or code is
 *    answered "payment in progress";
 *  - the sale ends approved, or in a state where money may have moved (torn) → the amount is used up;
 *    it ends in a decline where nothing moved (EC balance low, card refused…) → the same amount is
 *    pending again for another card or code, until it expires.
 *
 * The desk is synchronous state (one process, one event loop): claim and settle cannot interleave.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../core/clock';
import type { Decision } from '../../../core/decision';
import { YktError } from '../../../core/errors';
import type { Fen } from '../../../core/money';
import type { Profile, ProfileResult } from '../types';

/** What the operator asked for: a payment of amountFen (0 = none) and/or a registration (hospital). */
export interface Order {
  /** The client transaction id (journal txn) of the attempt that takes it; renewed when it is pending again after a decline. */
  id: string;
  amountFen: Fen;
  register: boolean;
  setAtMs: number;
  /** Epoch ms after which the order is dropped; null = no timeout. */
  expiresAtMs: number | null;
}

export interface LastSaleView {
  txn: string;
  /** Journal seq of the sale record. */
  seq: string;
  atMs: number;
  amountFen: Fen;
  subsidyFen: Fen;
  /** Charged to the card (EC / QuickPass) or post-paid (e-code). */
  chargedFen: Fen;
  method: string;
  state: 'sold' | 'refunded';
  /** Until when the operator may refund it (epoch ms), null once refunded or outside the window. */
  refundableUntilMs: number | null;
}

export interface OperatorState {
  profile: 'hospital' | 'canteen';
  pending: Order | null;
  inProgress: Order | null;
  lastSale: LastSaleView | null;
  maxAmountFen: Fen;
  /** The counter can register patients (hospital). */
  registration: boolean;
}

export interface RefundOutcome {
  decision: Decision;
  /** Journal seq of the refund record (approved or refused). */
  seq: string;
  saleTxn?: string;
  saleSeq?: string;
  amountFen?: Fen;
  /** Back to the holder's subsidy wallet. */
  subsidyFen?: Fen;
  /** Paid by the card: recorded as a refund for the backend (EC cannot be credited offline). */
  cardFen?: Fen;
  /** Post-paid (e-code) part: recorded as cancelled for the backend. */
  postpaidFen?: Fen;
}

export type ConsoleEvent =
  /** The pending amount changed (typed, cancelled, used, expired): the display's idle state follows. */
  | { kind: 'changed' }
  /** An operator action decided something for the customer's display (a refund). Already durable. */
  | { kind: 'decision'; result: ProfileResult };

export type OperatorErrorCode = 'bad-amount' | 'busy' | 'not-supported';

/** A refused operator request (not a customer decision: nothing is recorded). */
export class OperatorError extends YktError {
  constructor(
    readonly reason: OperatorErrorCode,
    message: string,
  ) {
    super(message, `operator-${reason}`);
  }
}

/** What the profile exposes to the operator (HTTP API in operator-api.ts, or a demo script). */
export interface OperatorConsole {
  readonly profile: 'hospital' | 'canteen';
  state(): OperatorState;
  /** Type an amount (replaces a pending one). Hospital: `register` also registers the patient in the same tap. */
  setAmount(fen: number, opts?: { register?: boolean }): OperatorState;
  /** Hospital: the next tap registers the patient without a payment. */
  register(): OperatorState;
  /** Drop the pending amount. */
  cancel(): { cancelled: boolean; state: OperatorState };
  /** Refund the last sale (within the window). Recorded in the journal whatever the answer. */
  refundLast(): Promise<RefundOutcome>;
  onEvent(listener: (ev: ConsoleEvent) => void): () => void;
}

/** A profile with an operator console (hospital, canteen). */
export interface PosProfile extends Profile {
  readonly operator: OperatorConsole;
}

export function operatorConsoleOf(p: Profile): OperatorConsole | undefined {
  const op = (p as Partial<PosProfile>).operator;
  return op && typeof op.setAmount === 'function' ? op : undefined;
}

export type Claim = { ok: true; order: Order } | { ok: false; reason: 'no-amount' | 'payment-in-progress'; message: string };

export interface DeskOptions {
  clock: Clock;
  maxAmountFen: Fen;
  amountTimeoutSeconds: number;
  registration: boolean;
}

/** The pending-amount state machine (idle → pending → in progress → used | pending again). */
export class OperatorDesk {
  private pending: Order | null = null;
  private active: Order | null = null;
  private readonly listeners = new Set<(ev: ConsoleEvent) => void>();
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: DeskOptions) {}

  get maxAmountFen(): Fen {
    return this.o.maxAmountFen;
  }

  /** The counter can register patients (hospital). */
  get registration(): boolean {
    return this.o.registration;
  }

  onEvent(l: (ev: ConsoleEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  emit(ev: ConsoleEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // a listener's failure (display) must not undo the operator's action
      }
    }
  }

  /** The pending order, dropping it when expired. */
  peek(): Order | null {
    if (this.pending && this.pending.expiresAtMs !== null && this.o.clock.now() >= this.pending.expiresAtMs) {
      this.pending = null;
      this.emit({ kind: 'changed' });
    }
    return this.pending;
  }

  inProgress(): Order | null {
    return this.active;
  }

  set(amountFen: number, register: boolean): Order {
    if (!Number.isSafeInteger(amountFen) || amountFen < 0) throw new OperatorError('bad-amount', `amount: expected a whole number of fen, got ${JSON.stringify(amountFen)}`);
    if (amountFen === 0 && !register) throw new OperatorError('bad-amount', 'amount: must be more than 0 fen');
    if (amountFen > this.o.maxAmountFen) throw new OperatorError('bad-amount', `amount ${amountFen} fen is over this counter's maximum of ${this.o.maxAmountFen} fen`);
    if (register && !this.o.registration) throw new OperatorError('not-supported', 'this counter does not register patients');
    if (this.active) throw new OperatorError('busy', 'a payment is in progress: wait for its result');
    const now = this.o.clock.now();
    const t = this.o.amountTimeoutSeconds;
    this.pending = { id: randomUUID(), amountFen, register, setAtMs: now, expiresAtMs: t > 0 ? now + t * 1000 : null };
    this.armExpiry(t);
    this.emit({ kind: 'changed' });
    return this.pending;
  }

  cancel(): boolean {
    if (this.active) throw new OperatorError('busy', 'a payment is in progress: it cannot be cancelled now');
    const had = this.peek() !== null;
    this.pending = null;
    if (had) this.emit({ kind: 'changed' });
    return had;
  }

  /** The customer presented a card or code: take the pending order for this transaction. */
  claim(): Claim {
    if (this.active) return { ok: false, reason: 'payment-in-progress', message: 'another payment is in progress at this counter: please wait' };
    const order = this.peek();
    if (!order) return { ok: false, reason: 'no-amount', message: 'enter the amount first: nothing was charged' };
    this.pending = null;
    this.active = order;
    return { ok: true, order };
  }

  /**
   * The transaction ended. `used`: the order is spent (approved, or money may have moved). Otherwise it
   * is pending again (unless it expired meanwhile) so the customer can pay another way.
   */
  settle(order: Order, used: boolean): void {
    if (this.active?.id !== order.id) return;
    this.active = null;
    // Pending again under a new id: each attempt is its own transaction (txn) in the journal.
    if (!used && (order.expiresAtMs === null || this.o.clock.now() < order.expiresAtMs)) this.pending = { ...order, id: randomUUID() };
    this.emit({ kind: 'changed' });
  }

  private armExpiry(seconds: number): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (seconds <= 0) return;
    // Only refreshes the display: expiry itself is checked against the injected clock at claim time.
    this.expiryTimer = setTimeout(() => this.peek(), seconds * 1000 + 50);
    this.expiryTimer.unref();
  }

  close(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.listeners.clear();
  }
}
