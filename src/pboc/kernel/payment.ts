/**
 * The PBOC payment kernel's entry point: one transaction, contact or contactless, as a pure step
 * machine (STYLE.md §2). `runKernel(pbocPayment(input), { card, persist })` performs it; see
 * docs/pboc.md for the inputs and the outcome.
 */
import type { Kernel } from '../../kernel/step';
import { contactFlow } from './contact';
import { TxContext, type PbocPaymentInput } from './context';
import { isTransactionError, onFailure, type CryptogramData } from './finish';
import type { PbocDecision } from './outcome';
import { qpbocFlow } from './qpboc';

export function* pbocPayment(input: PbocPaymentInput): Kernel<PbocDecision> {
  const ctx = new TxContext(input);
  try {
    return yield* input.interface === 'contactless' ? qpbocFlow(ctx) : contactFlow(ctx);
  } catch (e) {
    if (!isTransactionError(e)) throw e; // a bug, not a card: let it surface
    return yield* onFailure(ctx, e, lastCryptogram(ctx));
  }
}

function lastCryptogram(ctx: TxContext): CryptogramData | undefined {
  const type = ctx.cryptogramType;
  const atc = ctx.card.get(0x9f36);
  const ac = ctx.card.get(0x9f26);
  const iad = ctx.card.get(0x9f10);
  if (!type || !atc || !ac) return undefined;
  return { type, atc, cryptogram: ac, iad: iad ?? new Uint8Array(0) };
}
