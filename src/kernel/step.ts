/**
 * Kernels do no I/O (STYLE.md §2). A kernel is a generator: it yields what it needs next — an APDU for
 * the card, an APDU for the SAM, a record to make durable — and receives the answer. One runner
 * (runner.ts) performs the requests. Transcript replay, tearing at every step, fuzzing and timing are
 * then properties of the runner, not of each kernel.
 *
 * Errors from the card or reader are thrown *into* the kernel at the yield that caused them, so a
 * kernel that must know ("was the DEBIT sent?") can catch them where they happen.
 */
import type { CommandApdu } from '../../apdu/command';
import type { ResponseApdu } from '../../apdu/response';

export interface CardRequest {
  kind: 'card';
  /** A short name for traces and errors: "SELECT SSSE", "GPO", "DEBIT". */
  name: string;
  command: CommandApdu;
}

export interface SamRequest {
  kind: 'sam';
  name: string;
  command: CommandApdu;
}

export interface PersistRequest<R = unknown> {
  kind: 'persist';
  name: string;
  record: R;
}

export interface PersistReceipt {
  /** The journal's sequence number of the durable record. */
  seq: bigint;
}

export type KernelRequest = CardRequest | SamRequest | PersistRequest;
export type KernelReply = ResponseApdu | PersistReceipt;
export type Kernel<Outcome> = Generator<KernelRequest, Outcome, KernelReply>;

/** `const r = yield* toCard('SELECT SSSE', cmd)` — typed answer from the card. */
export function* toCard(name: string, command: CommandApdu): Generator<KernelRequest, ResponseApdu, KernelReply> {
  return (yield { kind: 'card', name, command }) as ResponseApdu;
}

export function* toSam(name: string, command: CommandApdu): Generator<KernelRequest, ResponseApdu, KernelReply> {
  return (yield { kind: 'sam', name, command }) as ResponseApdu;
}

/** `const receipt = yield* persist('intent', record)` — returns once the record is durable. */
export function* persist<R>(name: string, record: R): Generator<KernelRequest, PersistReceipt, KernelReply> {
  return (yield { kind: 'persist', name, record }) as PersistReceipt;
}
