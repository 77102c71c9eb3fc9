/**
 * The transit kernel's records through the REAL journal (src/journal: SQLite, hash chain,
 * write-ahead intents): the journal accepts every record the kernel yields, a torn debit is an open
 * intent across a restart (the ledger is seeded from Journal.openIntents()), and recovery closes it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock';
import { loadFares, loadPsam, loadTransitCard } from '../emulator/transit/fixtures';
import { TransitRig, directTransmit } from '../emulator/transit/rig';
import { openJournal, type Journal } from '../journal/journal';
import { journalPersist } from '../journal/persist';
import { tempDir } from '../journal/testing/tmp';
import { createTokeniser } from '../journal/tokenise';
import type { Transmit } from '../../apdu/transceive';
import { TornLedger, ledgerPersist } from './torn';

const NOW = Date.UTC(2026, 10, 22, 8, 0, 0);
let tmp: ReturnType<typeof tempDir>;
let clock: ManualClock;
const tokenise = createTokeniser(new Uint8Array(32).fill(9));
beforeEach(() => {
  tmp = tempDir();
  clock = new ManualClock(NOW);
});
afterEach(() => tmp.cleanup());

function terminal(journal: Journal) {
  const ledger = new TornLedger();
  ledger.seed(journal.openIntents());
  const persist = ledgerPersist(journalPersist(journal, { service: 'bus-validator' }), ledger);
  const psam = loadPsam('psam-test-1');
  const rig = new TransitRig({ fares: loadFares('demo-city'), samTransmit: directTransmit(psam.card), tokenise });
  return { ledger, persist, rig, psam };
}

describe('transit records in the real journal', () => {
  it('a completed tap: intent then result, closed, amounts and tokens where the journal expects them', async () => {
    const journal = openJournal({ path: tmp.path('j.sqlite'), terminalId: 'T-BUS-26', clock });
    const t = terminal(journal);
    await t.rig.identify();
    const card = loadTransitCard('tunion-adult');
    const run = await t.rig.tap(directTransmit(card.card), { profile: 'bus-26' }, NOW, { persist: t.persist }, { torn: t.ledger });
    expect(run.outcome.decision.outcome).toBe('approved');
    const recs = journal.latest(10).reverse();
    expect(recs.map((r) => r.type)).toEqual(['intent', 'result']);
    expect(recs[0]).toMatchObject({ service: 'bus-validator', txn: '000000001101-1000', amountFen: 200, tokens: { card: run.outcome.card!.cardToken } });
    expect(recs[1]).toMatchObject({ refSeq: recs[0]!.seq, outcome: 'approved', reason: 'ok', amountFen: 200, payload: { kind: 'transit.result', status: 'completed' } });
    expect(journal.openIntents()).toHaveLength(0);
    expect(journal.verify().ok).toBe(true);
    journal.close();
  });

  it('torn, terminal restarts, card comes back: the open intent is recovered and closed once', async () => {
    const path = tmp.path('j.sqlite');
    let journal = openJournal({ path, terminalId: 'T-BUS-26', clock });
    let t = terminal(journal);
    await t.rig.identify();
    const card = loadTransitCard('tunion-adult');
    const base = directTransmit(card.card);
    // the card answers everything but DEBIT, which it executes and then leaves the field
    const tearing: Transmit = async (c) => {
      const r = await base(c);
      if (c[0] === 0x80 && c[1] === 0x54) throw Object.assign(new Error('card removed'), { code: 'reader/card-removed' });
      return r;
    };
    const first = await t.rig.tap(tearing, { profile: 'bus-26' }, NOW, { persist: t.persist }, { torn: t.ledger });
    expect(first.outcome.decision.reason).toBe('torn');
    expect(journal.openIntents()).toHaveLength(1);
    journal.close();

    // restart: a new process opens the journal; the PSAM kept its session only if not reset — here it is the same object
    journal = openJournal({ path, terminalId: 'T-BUS-26', clock });
    const psam = t.psam;
    t = terminal(journal);
    expect(t.ledger.pending()).toHaveLength(1);
    const rig = new TransitRig({ fares: loadFares('demo-city'), samTransmit: directTransmit(psam.card), tokenise });
    await rig.identify();
    const second = await rig.tap(base, { profile: 'bus-26' }, NOW + 5000, { persist: t.persist }, { torn: t.ledger });
    expect(second.outcome.decision).toMatchObject({ outcome: 'approved', reason: 'torn-recovered' });
    expect(journal.openIntents()).toHaveLength(0);
    const recs = journal.latest(10).reverse();
    expect(recs.map((r) => `${r.type}:${(r.payload as { kind: string }).kind}`)).toEqual(['intent:transit.intent', 'unconfirmed:transit.torn', 'result:transit.recovered']);
    expect(card.purse.state).toMatchObject({ balanceFen: 4800, debits: 1 });
    journal.close();
  });

  it('the sweep marks a card that never came back, accepted by the journal as a result', async () => {
    const journal = openJournal({ path: tmp.path('j.sqlite'), terminalId: 'T-BUS-26', clock });
    const t = terminal(journal);
    await t.rig.identify();
    const card = loadTransitCard('tunion-adult');
    const dead: Transmit = async (c) => {
      if (c[0] === 0x80 && c[1] === 0x54) throw Object.assign(new Error('gone'), { code: 'card/removed' });
      return directTransmit(card.card)(c);
    };
    await t.rig.tap(dead, { profile: 'bus-26' }, NOW, { persist: t.persist }, { torn: t.ledger });
    for (const r of t.ledger.sweep(NOW + 121_000, 120_000)) await t.persist('result', r);
    expect(journal.openIntents()).toHaveLength(0);
    expect(journal.latest(1)[0]).toMatchObject({ type: 'result', outcome: 'unconfirmed', reason: 'card-not-back' });
    journal.close();
  });
});
