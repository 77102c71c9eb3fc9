/**
 * Test helpers: a terminal (journal + keystore + signer) and a transport that reaches a backend app
 * in-process through fastify's inject (the real HTTP handlers, no sockets).
 */
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../../core/clock';
import { openJournal, type Journal } from '../../journal/journal';
import { genesisHash, toHexLower } from '../../journal/chain';
import { keystoreFromJson, generateKeystoreJson, type Keystore } from '../../journal/keystore';
import { createTokeniser } from '../../journal/tokenise';
import { signBatch, type BatchSigner, type UploadBatch } from '../../sync/batch';
import { batchBody, BATCH_PATH, classifyResponse, type Transport } from '../../sync/transport';

export interface TestTerminal {
  id: string;
  journal: Journal;
  keystore: Keystore;
  signer: BatchSigner;
  clock: ManualClock;
  /** Append n plausible records (intent/result pairs and decisions). */
  write(n: number): void;
  /** A signed batch of records after `after` (default: from the start). */
  batch(after: bigint, count: number): UploadBatch;
}

const tok = createTokeniser(new Uint8Array(32).fill(3));

export function testTerminal(id: string, path: string, keystore: Keystore = keystoreFromJson(generateKeystoreJson())): TestTerminal {
  const clock = new ManualClock();
  const journal = openJournal({ path, terminalId: id, clock, dataKey: keystore.dataKey });
  const signer = { terminalId: id, keyId: keystore.keyId, signingKey: keystore.signingKey };
  let k = 0;
  return {
    id,
    journal,
    keystore,
    signer,
    clock,
    write(n) {
      const inputs = [];
      for (let i = 0; i < n; i++, k++) {
        clock.advance(250);
        inputs.push({ type: 'decision', service: 'canteen-pos', outcome: k % 7 === 0 ? 'declined' : 'approved', reason: k % 7 === 0 ? 'balance-low' : 'ok', amountFen: 100 + (k % 50), offline: k % 3 === 0, txn: `${id}-${k}`, tokens: { card: tok('card-number', `C${k % 97}`) }, payload: { k, lane: 2 } });
      }
      journal.appendMany(inputs);
    },
    batch(after, count) {
      const prevHash = after === 0n ? toHexLower(genesisHash(id)) : journal.get(after)!.hash;
      return signBatch(signer, prevHash, journal.wire(after, count));
    },
  };
}

export function injectTransport(app: FastifyInstance): Transport {
  return {
    async send(batch: UploadBatch) {
      const res = await app.inject({ method: 'POST', url: BATCH_PATH, headers: { 'content-type': 'application/json' }, payload: batchBody(batch) });
      return classifyResponse(res.statusCode, res.body);
    },
  };
}
