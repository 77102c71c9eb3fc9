// ISO/IEC 7816-3 §12.2 / 7816-4 §5.1.3: 61xx (GET RESPONSE) and 6Cxx (resend with Le) in one place.
import { describe, expect, it } from 'vitest';
import { CardError, ProtocolError } from '../src/core/errors';
import { apdu } from './command';
import { fromHex, toHex } from './hex';
import { expectSw, transceive, type Transmit } from './transceive';

/** A scripted card: answers in order, records what it was sent. */
function scripted(...answers: string[]): Transmit & { sent: string[] } {
  const sent: string[] = [];
  const f = (async (cmd: Uint8Array) => {
    sent.push(toHex(cmd));
    const a = answers.shift();
    if (a === undefined) throw new Error('script exhausted');
    return fromHex(a);
  }) as Transmit & { sent: string[] };
  f.sent = sent;
  return f;
}

describe('transceive', () => {
  it('returns data and SW of a plain answer', async () => {
    const t = scripted('01029000');
    const r = await transceive(t, apdu(0x00, 0xb2, 1, 0x2c, undefined, 256));
    expect(toHex(r.data)).toBe('0102');
    expect(r.sw).toBe(0x9000);
    expect(r.exchanges).toHaveLength(1);
  });

  it('follows a 61xx chain with GET RESPONSE and concatenates', async () => {
    const t = scripted('6104', 'AABBCCDD6102', 'EEFF9000');
    const r = await transceive(t, apdu(0x00, 0xa4, 4, 0, fromHex('A0000003330101'), 256));
    expect(toHex(r.data)).toBe('AABBCCDDEEFF');
    expect(t.sent.slice(1)).toEqual(['00C0000004', '00C0000002']);
    expect(r.exchanges).toHaveLength(3);
  });

  it('61 00 means 256 bytes and GET RESPONSE asks Le=00', async () => {
    const t = scripted('6100', '00'.repeat(256) + '9000');
    const r = await transceive(t, apdu(0x80, 0xa8, 0, 0, fromHex('8300'), 256));
    expect(r.data.length).toBe(256);
    expect(t.sent[1]).toBe('00C0000000'); // proprietary class 80 → GET RESPONSE in class 00
  });

  it('keeps the logical channel in GET RESPONSE', async () => {
    const t = scripted('6102', '01029000');
    await transceive(t, apdu(0x02, 0xb0, 0, 0, undefined, 2));
    expect(t.sent[1]).toBe('02C0000002');
  });

  it('resends once with the Le from 6Cxx (case 2 and case 4)', async () => {
    const t = scripted('6C10', '00'.repeat(16) + '9000');
    const r = await transceive(t, apdu(0x00, 0xb2, 1, 0x0c, undefined, 256));
    expect(t.sent[1]).toBe('00B2010C10');
    expect(r.data.length).toBe(16);
    const t4 = scripted('6C05', '01020304059000');
    await transceive(t4, apdu(0x00, 0xa4, 4, 0, fromHex('A0'), 256));
    expect(t4.sent[1]).toBe('00A4040001A005');
    const t3 = scripted('6C05', '01020304059000');
    await transceive(t3, apdu(0x00, 0xca, 0x9f, 0x79));
    expect(t3.sent[1]).toBe('00CA9F7905');
  });

  it('a second 6Cxx is a protocol error carrying the exchanges', async () => {
    const t = scripted('6C10', '6C08');
    await expect(transceive(t, apdu(0x00, 0xb2, 1, 0x0c, undefined, 256))).rejects.toMatchObject({ reason: 'wrong-le-loop', exchanges: { length: 2 } });
  });

  it('bounds a card that answers 61xx forever', async () => {
    const t: Transmit = async () => fromHex('0161FF'.slice(2));
    const e = await transceive(t, apdu(0, 0xb0, 0, 0, undefined, 1), { maxGetResponse: 5 }).catch((x) => x);
    expect(e).toBeInstanceOf(ProtocolError);
    expect(e.message).toMatch(/5 GET RESPONSE rounds/);
  });

  it('bounds the assembled length', async () => {
    const t: Transmit = async (c) => (c[1] === 0xc0 ? fromHex('00'.repeat(200) + '61C8') : fromHex('61C8'));
    await expect(transceive(t, apdu(0, 0xb0, 0, 0, undefined, 1), { maxResponseLength: 1000 })).rejects.toThrow(/longer than 1000/);
  });

  it('a response shorter than 2 bytes is a CardError (dying card on PC/SC), with the exchanges so far', async () => {
    const t = scripted('6102', '');
    const e = await transceive(t, apdu(0, 0xb0, 0, 0, undefined, 2)).catch((x) => x);
    expect(e).toBeInstanceOf(CardError);
    expect(e.kind).toBe('short-response');
    expect(e.exchanges).toHaveLength(2);
  });
});

describe('expectSw', () => {
  it('passes the SWs in the command table, otherwise a CardError naming command, SW and meaning', () => {
    expect(expectSw('READ RECORD', { data: new Uint8Array(0), sw: 0x6a83 }, { 0x9000: 'ok', 0x6a83: 'end' }).sw).toBe(0x6a83);
    expect(() => expectSw('DEBIT', { data: new Uint8Array(0), sw: 0x9302 })).toThrow('DEBIT: card answered 9302 (MAC invalid)');
  });
});
