/**
 * An in-memory stand-in for the journal's persist channel (src/journal/persist.ts), for tests, the
 * benchmark and `ykt ride` without a journal file. It enforces the journal's rules that matter to a
 * payment kernel — a 'result' must refer to an OPEN intent (so a second result for the same debit is
 * an error, as in the real journal) — and feeds a TornLedger like the production wiring.
 */
import type { PersistReceipt } from '../../kernel/step';
import { TornLedger } from '../../transit/torn';

export interface JournalEntry {
  seq: bigint;
  name: string;
  record: Record<string, unknown> & { type?: string; refSeq?: bigint; txn?: string; amountFen?: number; payload?: { kind?: string } };
}

export class MemoryJournal {
  readonly entries: JournalEntry[] = [];
  readonly ledger = new TornLedger();
  private readonly open = new Set<bigint>();
  private seq = 0n;
  /** Test control: make the next matching persist throw (a full disk, a locked database). */
  failWhen: ((name: string, record: JournalEntry['record']) => boolean) | undefined;

  readonly persist = (name: string, record: unknown): PersistReceipt => {
    const r = record as JournalEntry['record'];
    if (this.failWhen?.(name, r)) throw new Error(`journal unavailable (test fault) for ${name}`);
    const type = r.type ?? name;
    if (type === 'result') {
      if (typeof r.refSeq !== 'bigint' || !this.open.has(r.refSeq)) throw new Error(`journal: record ${String(r.refSeq)} is not an open intent`);
    }
    if (type === 'unconfirmed' && (typeof r.refSeq !== 'bigint' || !this.entries.some((e) => e.seq === r.refSeq))) throw new Error(`journal: record ${String(r.refSeq)} does not exist`);
    const seq = ++this.seq;
    // Durable copy: what the journal stores is what the kernel yielded at that moment.
    this.entries.push({ seq, name, record: structuredClone(r) });
    if (type === 'intent') this.open.add(seq);
    if (type === 'result') this.open.delete(r.refSeq!);
    const receipt = { seq };
    this.ledger.observe(name, r, receipt);
    return receipt;
  };

  openIntents(): JournalEntry[] {
    return this.entries.filter((e) => this.open.has(e.seq));
  }

  byKind(kind: string): JournalEntry[] {
    return this.entries.filter((e) => e.record.payload?.kind === kind);
  }

  /** Money the journal says was taken: results that moved money (completed/unverified/invalid/recovered). */
  chargedFen(): number {
    let sum = 0;
    for (const e of this.entries) {
      const k = e.record.payload?.kind;
      if (e.record.type === 'result' && (k === 'transit.result' || k === 'transit.recovered')) sum += e.record.amountFen ?? 0;
    }
    return sum;
  }
}
