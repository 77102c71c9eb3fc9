/** The emulated e-purse and PSAM follow the card's rules, independently of the kernel. */
import { describe, expect, it } from 'vitest';
import { encodeBcd } from '../../../apdu/codec';
import { fromHex, toHex } from '../../../apdu/hex';
import { loadPsam, loadTransitCard } from './fixtures';
import { diversifyChain, epMac, mac1Data, sessionKey } from './crypto';
import { testKeySet } from './test-keys';

const send = (card: { transmit(c: Uint8Array): Uint8Array }, hex: string) => {
  const r = card.transmit(fromHex(hex));
  return { data: toHex(r.subarray(0, r.length - 2)), sw: toHex(r.subarray(r.length - 2)) };
};
const SELECT = '00A4040008A00000063201010500';
const INIT = (amount: string, p1 = '03') => `8050${p1}020B01${amount}000000001101` + '0F';

describe('emulated e-purse', () => {
  it('GET BALANCE, INITIALIZE: balance, seq, key version, algorithm id, random', () => {
    const { card } = loadTransitCard('tunion-adult');
    expect(send(card, SELECT).sw).toBe('9000');
    expect(send(card, '805C000204')).toEqual({ data: '00001388', sw: '9000' });
    const r = send(card, INIT('000000C8'));
    expect(r.sw).toBe('9000');
    expect(r.data.slice(0, 22)).toBe('00001388' + '0011' + '000000' + '01' + '00');
  });

  it('9401 insufficient funds, 9403 unknown key index, 6985 cache or debit without a session', () => {
    const { card } = loadTransitCard('tunion-adult');
    send(card, SELECT);
    expect(send(card, INIT('00001389')).sw).toBe('9401');
    expect(send(card, '805003020B02000000C800000000110 10F'.replace(' ', '')).sw).toBe('9403');
    expect(send(card, '80DC00F030' + '00'.repeat(48)).sw).toBe('6985');
    expect(send(card, '805401000F' + '00'.repeat(15) + '08').sw).toBe('6985');
  });

  it('a wrong MAC1 changes nothing; a right one debits atomically and GET TRANSACTION PROVE answers for it only', () => {
    const c = loadTransitCard('tunion-adult');
    const card = c.card;
    send(card, SELECT);
    const init = send(card, INIT('000000C8'));
    const random = fromHex(init.data.slice(22, 30));
    expect(send(card, '80DC00F030' + '06'.repeat(48)).sw).toBe('9000');
    const dt = '20261122160000';
    expect(send(card, '805401000F' + '000003E8' + dt + '00000000' + '08').sw).toBe('9302');
    expect(c.purse.state).toMatchObject({ balanceFen: 5000, epSeq: 17, debits: 0 });
    // again, with the MAC1 a PSAM holding the TEST master key would compute
    const init2 = send(card, INIT('000000C8'));
    const random2 = fromHex(init2.data.slice(22, 30));
    expect(random2).not.toEqual(random);
    send(card, '80DC00F030' + '06'.repeat(48));
    const dpk = diversifyChain('3des', testKeySet('test-1').purchase['3des'], [encodeBcd('31049100000000001001').slice(2, 10), fromHex('4910000100000001')]);
    const sk = sessionKey('3des', dpk, random2, fromHex('0011'), fromHex('000003E8'));
    const mac1 = epMac('3des', sk, mac1Data({ amount4: fromHex('000000C8'), type: 0x09, terminal6: fromHex('000000001101'), dateTime7: fromHex(dt) }));
    const d = send(card, '805401000F' + '000003E8' + dt + toHex(mac1) + '08');
    expect(d.sw).toBe('9000');
    expect(d.data.slice(8)).toBe(toHex(epMac('3des', sk, fromHex('000000C8'))));
    expect(c.purse.state).toMatchObject({ balanceFen: 4800, epSeq: 18, debits: 1 });
    expect(send(card, '00B201C400')).toEqual({ data: '0011' + '000000' + '000000C8' + '09' + '000000001101' + dt, sw: '9000' });
    expect(send(card, '00B201F400').data).toBe('06'.repeat(48));
    expect(send(card, '805A0009020011 08'.replace(' ', '')).data).toBe(d.data.slice(8) + d.data.slice(0, 8));
    expect(send(card, '805A00090200 1008'.replace(' ', '')).sw).toBe('9406');
    expect(send(card, '805A0006020011 08'.replace(' ', '')).sw).toBe('9406');
  });
});

describe('emulated PSAM', () => {
  it('T=0; MAC1 assigns and increments the terminal sequence number; MAC2 needs a session and the right MAC', () => {
    const p = loadPsam('psam-test-1');
    const card = p.card;
    expect(send(card, '00B0960006').sw).toBe('6106');
    expect(send(card, '00C0000006')).toEqual({ data: '000000001101', sw: '9000' });
    expect(send(card, '00A4040010A0000006324D4F542E435053414D303100').sw).toMatch(/^61/);
    expect(send(card, '8072000004' + '00000000').sw).toBe('6985');
    const body = '11223344' + '0011' + '000000C8' + '09' + '20261122160000' + '01' + '00' + '0000000000001001' + '4910000100000001';
    const r = card.transmit(fromHex('8070000024' + body + '08'));
    expect(toHex(r)).toBe('6108'); // T=0
    const mac = send(card, '00C0000008');
    expect(mac.data.slice(0, 8)).toBe('000003E8');
    expect(p.app.terminalSeq).toBe(1001);
    expect(send(card, '8072000004' + '00000000').sw).toBe('9302');
    expect(send(card, '807000001E' + body.slice(0, 60) + '08').sw).toBe('6700'); // not 20 + n × 8
    expect(send(card, '807000002408'.slice(0, 10) + body.replace(/01000000000000001001/, '01FF0000000000001001') + '08').sw).toBe('6A80');
  });
});
