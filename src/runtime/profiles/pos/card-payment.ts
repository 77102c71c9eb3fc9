/**
 * One UnionPay payment (qPBOC contactless or full PBOC contact, docs/pboc.md) on the card of a tap,
 * wired to the terminal's services: CA keys and PAN hotlist from the signed downloads, PAN tokens from
 * the journal's tokeniser, the journal's offline limits (Y3), and write-ahead records through
 * journalPersist (intent before the GPO / GENERATE AC, result after), all under the sale's txn.
 */
import { randomBytes } from 'node:crypto';
import { guessInterface } from '../../../reader/types';
import { journalPersist } from '../../../journal';
import { runKernel } from '../../../kernel/runner';
import { pbocPayment } from '../../../pboc/kernel/payment';
import type { PbocDecision } from '../../../pboc/kernel/outcome';
import type { Services } from '../../services';
import type { CardTap } from '../types';

export type PaymentInterface = 'contact' | 'contactless';

/** The payment interface of a reader: configured contact slots, else the name convention, else contactless. */
export function interfaceOf(reader: string, contactReaders: readonly string[]): PaymentInterface {
  if (contactReaders.some((m) => reader.includes(m))) return 'contact';
  return guessInterface(reader) === 'contact' ? 'contact' : 'contactless';
}

export interface CardPayment {
  decision: PbocDecision;
  /** Kernel time: host work and I/O (card, journal), ms. */
  hostMs: number;
  ioMs: number;
}

/**
 * Run the PBOC payment kernel for `amountFen` on the tap's card. `txn`: the sale's transaction id (a
 * counter sale); `nowMs`: the time the amount was decided at (default: now).
 */
export async function payByCard(s: Services, tap: CardTap, o: { amountFen: number; txn?: string; interface: PaymentInterface; service: string; nowMs?: number }): Promise<CardPayment> {
  const capk = s.capk();
  if (!capk) {
    // No CA keys downloaded: offline data authentication is impossible, so nothing may be approved.
    const decision: PbocDecision = { outcome: 'declined', reason: 'capk-unavailable', message: 'card payments are unavailable: the CA keys have not been downloaded yet', interface: o.interface, amountFen: o.amountFen };
    return { decision, hostMs: 0, ioMs: 0 };
  }
  const run = await runKernel(
    pbocPayment({
      config: s.config.pboc,
      interface: o.interface,
      amountFen: o.amountFen,
      nowMs: o.nowMs ?? s.clock.now(),
      unpredictableNumber: new Uint8Array(randomBytes(4)),
      random: (n) => new Uint8Array(randomBytes(n)),
      capk,
      tokenise: s.tokenise,
      isHotlisted: (_kind, pan) => s.isHotlisted('pan', pan),
      offlineCheck: (amountFen) => s.journal.checkOffline(amountFen),
      verifiedCache: s.pbocCache,
      txn: o.txn,
    }),
    { card: tap.transmit, persist: journalPersist(s.journal, { service: o.service }), monotonic: () => s.clock.monotonic() },
  );
  return { decision: run.outcome, hostMs: run.hostMs, ioMs: run.ioMs };
}

/** Money may have moved on the card (approved, or torn during / after the debit): the amount is used up. */
export function moneyMayHaveMoved(d: PbocDecision): boolean {
  return d.outcome === 'approved' || d.reason === 'torn' || d.reason === 'torn-after-charge' || d.cryptogramType === 'TC';
}

/** What a sale record keeps of the card payment (non-personal: no PAN, no cryptogram). */
export function paymentDetails(k: PbocDecision): Record<string, unknown> {
  return { interface: k.interface, path: k.path, cryptogramType: k.cryptogramType, authorisationCode: k.authorisationCode, ecBalanceFen: k.ecBalanceFen, signatureRequired: k.signatureRequired, reason: k.reason };
}
