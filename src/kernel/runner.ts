/**
 * The one runner for all kernels. Performs card and SAM APDUs through apdu/transceive (so 61xx/6Cxx
 * are handled once, here) and persist requests through the journal; measures where the time goes.
 */
import { transceive, type Transmit } from '../../apdu/transceive';
import { encodeCommand } from '../../apdu/command';
import type { Exchange } from '../core/errors';
import { YktError } from '../core/errors';
import type { Kernel, KernelReply, KernelRequest, PersistReceipt } from './step';

export interface KernelIo {
  card?: Transmit;
  sam?: Transmit;
  persist?: (name: string, record: unknown) => PersistReceipt | Promise<PersistReceipt>;
  /** Sees every raw APDU exchange (card and SAM), e.g. to write a transcript. */
  onExchange?: (target: 'card' | 'sam', e: Exchange) => void;
  /** Monotonic milliseconds (for the timing breakdown). */
  monotonic?: () => number;
}

export interface StepTiming {
  kind: KernelRequest['kind'];
  name: string;
  ms: number;
}

export interface KernelRun<O> {
  outcome: O;
  /** Time spent inside the kernel's own code (host work), ms. */
  hostMs: number;
  /** Time spent performing requests (card, SAM, journal), ms. */
  ioMs: number;
  steps: StepTiming[];
}

export class MissingIoError extends YktError {
  constructor(kind: string) {
    super(`kernel asked for a ${kind} request but the runner was given no ${kind} channel`, 'kernel/missing-io');
  }
}

export async function runKernel<O>(kernel: Kernel<O>, io: KernelIo): Promise<KernelRun<O>> {
  const mono = io.monotonic ?? (() => performance.now());
  const steps: StepTiming[] = [];
  let hostMs = 0;
  let ioMs = 0;
  let t = mono();
  let next = kernel.next();
  hostMs += mono() - t;
  while (!next.done) {
    const req = next.value;
    t = mono();
    let reply: KernelReply | undefined;
    let failure: unknown;
    try {
      reply = await perform(req, io);
    } catch (e) {
      failure = e;
    }
    const spent = mono() - t;
    ioMs += spent;
    steps.push({ kind: req.kind, name: req.name, ms: spent });
    t = mono();
    next = failure === undefined ? kernel.next(reply!) : kernel.throw(failure);
    hostMs += mono() - t;
  }
  return { outcome: next.value, hostMs, ioMs, steps };
}

async function perform(req: KernelRequest, io: KernelIo): Promise<KernelReply> {
  switch (req.kind) {
    case 'card':
    case 'sam': {
      const transmit = req.kind === 'card' ? io.card : io.sam;
      if (!transmit) throw new MissingIoError(req.kind);
      const target = req.kind;
      const r = await transceive(transmit, encodeCommand(req.command), {
        onExchange: io.onExchange ? (e) => io.onExchange!(target, e) : undefined,
      });
      return { data: r.data, sw: r.sw };
    }
    case 'persist': {
      if (!io.persist) throw new MissingIoError('persist');
      return await io.persist(req.name, req.record);
    }
  }
}
