/**
 * A terminal process for the kill -9 test (kill.stack.test.ts). It runs `total` transit-style
 * transactions — INTENT (write-ahead), the card step, RESULT — and prints
 *   SHOWN <k> <seq> <hash>
 * with a synchronous write to stdout only after the RESULT is durable: that is the moment a real
 * terminal would open the gate. A sync loop uploads the journal to the backend at the same time and
 * prints SENDING/ACKED around each batch. On start it recovers torn transactions (intents without a
 * result) and continues after the last transaction in the journal. When everything is written and
 * acknowledged it prints SYNCED and exits 0.
 *
 * Configuration: one JSON argument { journal, terminalId, keystore, backendUrl, total, batchRecords, yieldEvery }.
 */
import { writeSync } from 'node:fs';
import { openJournal } from '../../journal/journal';
import { loadKeystore } from '../../journal/keystore';
import { createTokeniser } from '../../journal/tokenise';
import { createSyncer } from '../syncer';
import { httpTransport, type Transport } from '../transport';

interface ChildConfig {
  journal: string;
  terminalId: string;
  keystore: string;
  backendUrl: string;
  total: number;
  batchRecords: number;
  /** Give the sync loop a turn every this many transactions. */
  yieldEvery: number;
}

const say = (line: string) => writeSync(1, line + '\n');

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2]!) as ChildConfig;
  const ks = loadKeystore(cfg.keystore);
  const tok = createTokeniser(ks.tokenKey);
  const journal = openJournal({ path: cfg.journal, terminalId: cfg.terminalId, dataKey: ks.dataKey, config: { integrityCheck: 'quick', verifyTailOnOpen: 1000 } });

  // Torn transactions: the intent is durable, the result is not. A real transit kernel would ask the
  // card (GET TRANSACTION PROVE); here the outcome is recorded as not decided, and it was never shown.
  for (const intent of journal.openIntents()) {
    const r = journal.appendResult(intent.seq, { service: intent.service, outcome: 'cannot-decide', reason: 'recovered-after-restart', txn: intent.txn ?? undefined, amountFen: intent.amountFen ?? undefined });
    say(`RECOVERED ${intent.txn} ${r.seq}`);
  }
  let next = 0;
  for (const r of journal.latest(4)) {
    const m = /^tx-(\d+)$/.exec(r.txn ?? '');
    if (m) next = Math.max(next, Number(m[1]) + 1);
  }

  // The sync loop, logging each batch so the parent can kill while one is in flight.
  const http = httpTransport(cfg.backendUrl);
  const transport: Transport = {
    async send(b, timeoutMs) {
      say(`SENDING ${b.firstSeq} ${b.lastSeq}`);
      return http.send(b, timeoutMs);
    },
  };
  const syncer = createSyncer({
    journal,
    transport,
    signer: { terminalId: cfg.terminalId, keyId: ks.keyId, signingKey: ks.signingKey },
    config: { batchRecords: cfg.batchRecords, requestTimeoutMs: 2000, backoffBaseMs: 5, backoffMaxMs: 100, idlePollMs: 20 },
    onProgress: (s) => say(`ACKED ${s.ackedThrough}`),
  });
  const ac = new AbortController();
  const loop = syncer.run(ac.signal).catch((e: unknown) => {
    say(`ERROR sync: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  });
  say(`READY next=${next} head=${journal.head}`);

  for (let k = next; k < cfg.total; k++) {
    const txn = `tx-${k}`;
    const amountFen = 100 + (k % 300);
    const card = tok('tunion-serial', `31${String(k % 5000).padStart(18, '0')}`);
    const intent = journal.appendIntent({ service: 'metro-gate', amountFen, txn, tokens: { card }, payload: { step: 'before-debit', k } });
    // (the card DEBIT happens here)
    const result = journal.appendResult(intent.seq, { service: 'metro-gate', outcome: 'approved', reason: 'ok', amountFen, txn, tokens: { card }, payload: { tac: (k * 7919) % 65536 } });
    say(`SHOWN ${k} ${result.seq} ${result.hash}`);
    if (k % cfg.yieldEvery === 0) {
      syncer.notify();
      await new Promise((r) => setImmediate(r)); // let the sync loop run between taps
    }
  }
  say(`TX-DONE ${journal.syncPosition().unsent}`);
  syncer.notify();
  while (journal.syncPosition().unsent > 0n) await new Promise((r) => setTimeout(r, 10));
  ac.abort();
  await loop;
  say(`SYNCED ${journal.head}`);
  journal.close();
  http.close?.();
}

main().catch((e: unknown) => {
  say(`ERROR ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
});
