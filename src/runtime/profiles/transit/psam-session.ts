/**
 * The PSAM as the transit profiles use it: one PurchaseSam (src/sam/psam.ts) per connection to the
 * PSAM slot, identified once after each (re)connection (terminal number, key index, validity), and a
 * lock: the PSAM holds ONE purchase session (MAC1 … MAC2), so card taps on several readers must not
 * interleave their exchanges with it.
 */
import type { Transmit } from '../../../../apdu/transceive';
import { errorMessage } from '../../../core/errors';
import { runKernel } from '../../../kernel/runner';
import { psam } from '../../../sam/psam';
import type { PurchaseSam, SamIdentity } from '../../../sam/types';

/** Runs one async job at a time, in call order. */
export class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(job: () => Promise<T>): Promise<T> {
    const r = this.tail.then(job);
    this.tail = r.catch(() => undefined);
    return r;
  }
}

export type PsamReady = { ok: true; sam: PurchaseSam; identity: SamIdentity; transmit: Transmit } | { ok: false; error: string };

export class PsamSession {
  private current: { transmit: Transmit; sam: PurchaseSam; identity: SamIdentity } | undefined;

  constructor(private readonly slot: (() => Transmit | undefined) | undefined) {}

  /**
   * The identified PSAM: cached while the slot's connection is the same, identified again when it
   * changed. Call under the lock.
   */
  async ready(): Promise<PsamReady> {
    const transmit = this.slot?.();
    if (!transmit) return { ok: false, error: 'no PSAM: configure transit.samReader (the PSAM slot)' };
    if (this.current?.transmit === transmit) return { ok: true, ...this.current };
    const sam = psam('transport PSAM');
    try {
      const run = await runKernel(sam.identify(), { sam: transmit });
      this.current = { transmit, sam, identity: run.outcome };
      return { ok: true, ...this.current };
    } catch (e) {
      this.current = undefined;
      return { ok: false, error: `PSAM not ready: ${errorMessage(e)}` };
    }
  }

  /** Is the PSAM on this connection identified already? */
  isReady(transmit: Transmit | undefined): boolean {
    return !!transmit && this.current?.transmit === transmit;
  }
}
