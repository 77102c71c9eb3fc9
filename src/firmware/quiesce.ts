/**
 * Quiescing the running runtime before the switch: the update waits until no transaction is in
 * progress and the journal's unsent records are safe. The runtime implements `Quiesce`:
 *
 * - drain(): stop accepting new transactions (readers show "out of service — updating"), wait for the
 *   one in progress to finish (its result record durable), then CLOSE the journal (SQLite checkpoints
 *   the WAL into the main file on last close, so the file is complete on its own). Unsent records
 *   stay in the journal, which lives outside the slots and which the installer never writes; they are
 *   uploaded by whichever version runs next. Resolves with a report, rejects (or times out) if the
 *   runtime cannot get idle — the installer then gives up without touching the active slot.
 * - resume(): the update did not happen (refused, failed, rolled back): reopen and serve again.
 * - retire(): the update was committed: exit, so the service manager starts the new slot.
 *
 * TransactionGate is the in-process implementation the runtime can embed: it wraps each
 * transaction with enter()/leave() and owns the close/reopen callbacks.
 */
import { FirmwareError } from './errors';
import type { Timer } from './health';
import { realTimer } from './health';

export interface DrainReport {
  /** Transactions in progress when drained (must be 0). */
  inFlight: number;
  /** The journal is closed (checkpointed) by the runtime. */
  journalClosed: boolean;
  detail?: string;
}

export interface Quiesce {
  drain(opts: { timeoutMs: number }): Promise<DrainReport>;
  resume(): Promise<void>;
  retire(): Promise<void>;
}

/** For a terminal whose runtime is not running (factory install, maintenance mode). */
export const runtimeStopped: Quiesce = {
  drain: async () => ({ inFlight: 0, journalClosed: true, detail: 'runtime not running' }),
  resume: async () => {},
  retire: async () => {},
};

export class UpdatingError extends Error {
  constructor() {
    super('out of service: a firmware update is being applied');
  }
}

export interface TransactionGateOptions {
  /** Close the journal (and anything else holding state). */
  closeJournal: () => void | Promise<void>;
  /** Reopen after a resume. */
  reopenJournal: () => void | Promise<void>;
  /** Called on retire (e.g. process.exit so the service manager restarts on the new slot). */
  onRetire?: () => void | Promise<void>;
  /**
   * A drain is a lease: if the installer neither resumes nor retires within leaseMs (it was killed),
   * onLeaseExpired runs — the runtime should call recoverAtBoot (which may restore the journal while
   * it is still closed) and then resume(). Default: no lease.
   */
  leaseMs?: number;
  onLeaseExpired?: () => void | Promise<void>;
  timer?: Timer;
}

export class TransactionGate implements Quiesce {
  private inFlight = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  constructor(private readonly o: TransactionGateOptions) {}

  /** Call before a transaction starts; throws UpdatingError while an update holds the gate. */
  enter(): void {
    if (this.closed) throw new UpdatingError();
    this.inFlight++;
  }
  /** Call when the transaction's result is durable in the journal (or it was abandoned). */
  leave(): void {
    if (this.inFlight === 0) throw new Error('TransactionGate.leave() without enter()');
    this.inFlight--;
    if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
  get busy(): number {
    return this.inFlight;
  }
  get draining(): boolean {
    return this.closed;
  }

  async drain({ timeoutMs }: { timeoutMs: number }): Promise<DrainReport> {
    this.closed = true;
    if (this.inFlight > 0) {
      const idle = new Promise<void>((r) => this.idleWaiters.push(r));
      const t = (this.o.timer ?? realTimer).after(timeoutMs);
      const won = await Promise.race([idle.then(() => 'idle' as const), t.promise.then(() => 'timeout' as const)]);
      t.cancel();
      if (won === 'timeout') {
        this.closed = false;
        throw new FirmwareError('busy', `${this.inFlight} transaction(s) still in progress after ${timeoutMs} ms; the update will be retried later`);
      }
    }
    await this.o.closeJournal();
    this.startLease();
    return { inFlight: 0, journalClosed: true };
  }
  async resume(): Promise<void> {
    this.lease?.cancel();
    this.lease = undefined;
    await this.o.reopenJournal();
    this.closed = false;
  }
  async retire(): Promise<void> {
    this.lease?.cancel();
    this.lease = undefined;
    await this.o.onRetire?.();
  }

  private lease: { cancel(): void } | undefined;
  private startLease(): void {
    if (!this.o.leaseMs) return;
    const t = (this.o.timer ?? realTimer).after(this.o.leaseMs);
    this.lease = t;
    void t.promise.then(async () => {
      if (this.lease !== t) return;
      this.lease = undefined;
      await (this.o.onLeaseExpired ?? (() => this.resume()))();
    });
  }
}

/** Quiesce through commands (e.g. a runtime's control socket client); exit 0 = done. Empty = no-op. */
export function commandQuiesce(c: { drain: string[]; resume: string[]; retire: string[] }): Quiesce {
  const run = async (argv: string[], timeoutMs: number, what: string) => {
    if (argv.length === 0) return;
    const { execFile } = await import('node:child_process');
    await new Promise<void>((res, rej) =>
      execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs }, (err, _out, stderr) =>
        err ? rej(new FirmwareError('busy', `${what} command ${argv.join(' ')} failed: ${String(stderr).trim() || err.message}`)) : res(),
      ),
    );
  };
  return {
    async drain({ timeoutMs }) {
      await run(c.drain, timeoutMs, 'quiesce');
      return { inFlight: 0, journalClosed: true, detail: c.drain.length ? `quiesced by ${c.drain[0]}` : 'no quiesce command: runtime assumed stopped' };
    },
    resume: () => run(c.resume, 60_000, 'resume'),
    retire: () => run(c.retire, 60_000, 'retire'),
  };
}
