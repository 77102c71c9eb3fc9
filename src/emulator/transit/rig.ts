/**
 * A complete in-process transit validator for tests, the benchmark and `ykt ride`: an emulated card
 * and PSAM, the kernel, the runner, an in-memory journal and torn ledger, a tokeniser and hotlist.
 * The card and PSAM channels can be replaced (a virtual reader with faults, or PC/SC slots).
 */
import type { Transmit } from '../../../apdu/transceive';
import type { FareParameters } from '../../fares/params';
import { createTokeniser } from '../../journal/tokenise';
import { runKernel, type KernelIo, type KernelRun } from '../../kernel/runner';
import { psam } from '../../sam/psam';
import type { PurchaseSam, SamIdentity } from '../../sam/types';
import { defaultTransitConfig, type TransitConfig } from '../../transit/config';
import { transitTap, type RideContext, type TransitOutcome, type TransitTapInput } from '../../transit/kernel';
import { MemoryJournal } from './memory-journal';

/** Transmit straight onto an emulated card (as drivers/virtual's transmitOf, without importing drivers/). */
export { transmitOf as directTransmit } from '../transmit-of';

/** The journal's tokeniser with a fixed DEMO key, for tests and demos. */
export function demoTokeniser(key: Uint8Array = new TextEncoder().encode('ykt DEMO token key - not for production use!')): (kind: string, value: string) => string {
  return createTokeniser(key);
}

export interface RigOptions {
  config?: TransitConfig;
  fares: FareParameters;
  samTransmit: Transmit;
  journal?: MemoryJournal;
  tokenise?: (kind: string, value: string) => string;
  hotlist?: ReadonlySet<string>;
  sam?: PurchaseSam;
}

export class TransitRig {
  readonly config: TransitConfig;
  readonly journal: MemoryJournal;
  readonly sam: PurchaseSam;
  readonly tokenise: (kind: string, value: string) => string;
  readonly hotlist: Set<string>;
  samIdentity: SamIdentity | undefined;

  constructor(private readonly opts: RigOptions) {
    this.config = opts.config ?? defaultTransitConfig;
    this.journal = opts.journal ?? new MemoryJournal();
    this.sam = opts.sam ?? psam('PSAM');
    this.tokenise = opts.tokenise ?? demoTokeniser();
    this.hotlist = new Set(opts.hotlist ?? []);
  }

  /** Run the SAM's identify step once (after the PSAM powers up). */
  async identify(): Promise<SamIdentity> {
    const run = await runKernel(this.sam.identify(), { sam: this.opts.samTransmit });
    this.samIdentity = run.outcome;
    return run.outcome;
  }

  input(ride: RideContext, nowMs: number, extra: Partial<TransitTapInput> = {}): TransitTapInput {
    if (!this.samIdentity) throw new Error('TransitRig: call identify() first');
    return {
      config: this.config,
      fares: this.opts.fares,
      ride,
      nowMs,
      sam: this.sam,
      samIdentity: this.samIdentity,
      tokenise: this.tokenise,
      isHotlisted: (_kind, serial) => this.hotlist.has(serial),
      torn: this.journal.ledger,
      ...extra,
    };
  }

  async tap(card: Transmit, ride: RideContext, nowMs: number, io: Partial<KernelIo> = {}, extra: Partial<TransitTapInput> = {}): Promise<KernelRun<TransitOutcome>> {
    return runKernel(transitTap(this.input(ride, nowMs, extra)), { card, sam: this.opts.samTransmit, persist: this.journal.persist, ...io });
  }
}
