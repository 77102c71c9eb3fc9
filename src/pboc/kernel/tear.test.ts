/**
 * Tearing: the card leaves the field after each APDU in turn (drivers/virtual `vanish` fault, with and
 * without the command executing first), and short answers from a dying card. Invariants at every step:
 *  - no crash: the kernel always returns a typed outcome;
 *  - no approval without a durable result record that refers to the intent;
 *  - "nothing was charged" is true: the card's EC balance is unchanged;
 *  - an intent is always closed (result) or marked (unconfirmed);
 *  - a charge the terminal saw (TC) but could not finish is recorded with its clearing data.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualReaderDriver, type VirtualFault } from '../../../drivers/virtual/index';
import { pbocAppOf } from '../../emulator/pboc/card';
import { runKernel } from '../../kernel/runner';
import { paymentInput, pbocCard, recordingPersist } from '../testing';
import { pbocPayment } from './payment';

const drivers: VirtualReaderDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close();
});

async function attempt(cardName: string, iface: 'contact' | 'contactless', fault: VirtualFault | undefined, amountFen = 1500, config = {}) {
  const card = pbocCard(cardName);
  const app = pbocAppOf(card)!;
  const before = app.state.balanceFen;
  const d = new VirtualReaderDriver({ readers: ['R'] });
  drivers.push(d);
  d.insertCard('R', card);
  const conn = await d.connect('R');
  if (fault) d.setFault('R', fault);
  const p = recordingPersist();
  const run = await runKernel(pbocPayment(paymentInput({ interface: iface, amountFen, config })), { card: (c) => conn.transmit(c), persist: p.persist });
  return { run, records: p.records, charged: before - app.state.balanceFen, exchanges: d.exchanges('R').length };
}

function checkInvariants(r: Awaited<ReturnType<typeof attempt>>, what: string): void {
  const o = r.run.outcome;
  expect(['approved', 'declined', 'cannot-decide'], what).toContain(o.outcome);
  expect(typeof o.reason, what).toBe('string');
  const intent = r.records.find((x) => x.name === 'intent');
  const closing = r.records.filter((x) => x.name === 'result' || x.name === 'unconfirmed');
  if (o.outcome === 'approved') {
    const result = r.records.find((x) => x.name === 'result' && x.record.outcome === 'approved');
    expect(result, what).toBeDefined();
    expect(o.resultSeq, what).toBe(result!.seq);
    expect(result!.record.refSeq, what).toBe(intent!.seq);
  }
  if (intent) expect(closing.length, `${what}: intent closed or marked`).toBe(1);
  if (/nothing was charged/.test(o.message)) expect(r.charged, `${what}: "${o.message}"`).toBe(0);
  if (o.reason === 'torn-after-charge') {
    expect(r.charged, what).toBeGreaterThan(0);
    expect(o.clearing?.cryptogramType, what).toBe('TC');
    expect(r.records.at(-1)!.name, what).toBe('unconfirmed');
  }
  if (o.reason === 'torn') expect(r.records.at(-1)!.name, what).toBe('unconfirmed');
  if (r.charged > 0 && o.outcome !== 'approved') {
    // Money moved on the card without an approval: it must be on record for reconciliation.
    const rec = r.records.find((x) => x.name === 'unconfirmed' || (x.name === 'result' && x.record.amountFen !== undefined));
    expect(rec, `${what}: charged ${r.charged} without a record`).toBeDefined();
  }
}

describe('tearing at every APDU', () => {
  for (const [cardName, iface] of [
    ['pboc-rsa', 'contactless'],
    ['pboc-sm2', 'contactless'],
    ['pboc-rsa-t0', 'contactless'],
    ['pboc-rsa', 'contact'],
    ['pboc-sm2', 'contact'],
  ] as const) {
    it(`${cardName} ${iface}: vanish after each APDU, executed or not`, async () => {
      const full = await attempt(cardName, iface, undefined);
      expect(full.run.outcome.outcome).toBe('approved');
      const n = full.exchanges;
      let approvals = 0;
      for (let k = 0; k <= n; k++) {
        for (const executes of [false, true]) {
          const r = await attempt(cardName, iface, { kind: 'vanish', after: k, executes });
          checkInvariants(r, `${cardName} ${iface} vanish after ${k} (executes ${executes})`);
          if (r.run.outcome.outcome === 'approved') approvals++;
        }
      }
      // Only when the card leaves after the last APDU (or during the optional balance read) can it still be approved.
      expect(approvals).toBeLessThanOrEqual(4);
    });
  }

  it('a dying card answering 0 or 1 byte at each step', async () => {
    const n = (await attempt('pboc-rsa', 'contactless', undefined)).exchanges;
    for (let k = 0; k < n; k++) {
      for (const bytes of [0, 1] as const) {
        const r = await attempt('pboc-rsa', 'contactless', { kind: 'short-response', bytes, after: k, executes: k % 2 === 0 });
        checkInvariants(r, `short-response ${bytes} after ${k}`);
        expect(r.run.outcome.outcome).not.toBe('approved');
      }
    }
  });

  it('Y3 contact path torn at the second GENERATE AC', async () => {
    const config = { contact: { floorLimitFen: 1_000_000 }, offlineArqcPolicy: 'approve-and-store' as const };
    const full = await attempt('pboc-rsa', 'contact', undefined, 150_000, config);
    expect(full.run.outcome.authorisationCode).toBe('Y3');
    for (let k = full.exchanges - 3; k <= full.exchanges; k++) {
      for (const executes of [false, true]) {
        const r = await attempt('pboc-rsa', 'contact', { kind: 'vanish', after: k, executes }, 150_000, config);
        checkInvariants(r, `Y3 vanish after ${k} (executes ${executes})`);
      }
    }
  });
});
