/**
 * What the clearing backend does with a TAC, for tests: derive the card's TAC key from the issuer's
 * master TAC key (TEST keys here) and check the TAC over the clearing data. A TAC that verifies
 * proves the card itself recorded exactly that debit (amount, terminal, terminal seq, date-time).
 */
import { encodeBcd } from '../../../apdu/codec';
import { equalBytes, fromHex, writeUint } from '../../../apdu/hex';
import { diversifyChain, epMac, tacData, tacKey, type EpAlgorithm } from './crypto';
import { testKeySet } from './test-keys';

export function verifyTestTac(opts: {
  keySet?: string;
  algorithm: EpAlgorithm;
  issuerId: string;
  serial: string;
  tac: string;
  amountFen: number;
  transType: number;
  terminalId: string;
  terminalSeq: number;
  dateTime: string;
}): boolean {
  const ks = testKeySet(opts.keySet ?? 'test-1');
  const dtk = diversifyChain(opts.algorithm, ks.tac[opts.algorithm], [encodeBcd(opts.serial).slice(2, 10), fromHex(opts.issuerId)]);
  const expected = epMac(
    opts.algorithm,
    tacKey(opts.algorithm, dtk),
    tacData({ amount4: writeUint(opts.amountFen, 4), type: opts.transType, terminal6: fromHex(opts.terminalId), terminalSeq4: writeUint(opts.terminalSeq, 4), dateTime7: encodeBcd(opts.dateTime) }),
  );
  return equalBytes(expected, fromHex(opts.tac));
}
