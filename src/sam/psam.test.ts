/** The PSAM's APDUs (DOMAIN.md §1.3) as bytes, and how its answers are checked. */
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../apdu/command';
import { fromHex, toHex } from '../../apdu/hex';
import { ProtocolError } from '../core/errors';
import { runKernel } from '../kernel/runner';
import { mac1Command, parsePsamFile17, psam } from './psam';

describe('PSAM commands', () => {
  it('MAC1: 80 70 00 00 24 random ‖ seq ‖ amount ‖ type ‖ date-time ‖ key version ‖ algorithm ‖ 2 factors, Le 08', () => {
    const cmd = mac1Command({
      random: fromHex('11223344'),
      epSeq: 17,
      amountFen: 200,
      transType: 0x09,
      dateTime7: fromHex('20261122160000'),
      keyVersion: 1,
      algorithmId: 0,
      factors: [fromHex('0000000000001001'), fromHex('4910000100000001')],
    });
    expect(toHex(encodeCommand(cmd))).toBe('8070000024' + '11223344' + '0011' + '000000C8' + '09' + '20261122160000' + '01' + '00' + '0000000000001001' + '4910000100000001' + '08');
    expect(() => mac1Command({ random: new Uint8Array(4), epSeq: 0, amountFen: 0, transType: 9, dateTime7: new Uint8Array(7), keyVersion: 0, algorithmId: 0, factors: [new Uint8Array(7)] })).toThrow(
      'diversification factor 1: expected 8 bytes, got length=7',
    );
  });

  it('file 0017: key index, issuer, receiver, validity', () => {
    expect(parsePsamFile17(fromHex('01' + '4910000100000001' + '4910000200000001' + '20240101' + '20341231'))).toEqual({
      keyIndex: 1,
      issuerId: '4910000100000001',
      receiverId: '4910000200000001',
      validFrom: 20240101,
      validTo: 20341231,
    });
    expect(() => parsePsamFile17(new Uint8Array(24))).toThrow(ProtocolError);
  });

  it('a PSAM that answers MAC1 with the wrong length is a ProtocolError; MAC2 status words map to values', async () => {
    const answers: Record<string, string> = { '8070': '0102039000', '8072': '9302' };
    const sam = async (c: Uint8Array) => fromHex(answers[toHex(c.subarray(0, 2))]!);
    const req = { random: new Uint8Array(4), epSeq: 0, amountFen: 0, transType: 9, dateTime7: new Uint8Array(7), keyVersion: 0, algorithmId: 0, factors: [new Uint8Array(8)] };
    await expect(runKernel(psam().mac1(req), { sam })).rejects.toThrow(/expected terminal seq 4 ‖ MAC1 4, got 3 bytes/);
    expect((await runKernel(psam().verifyMac2(new Uint8Array(4)), { sam })).outcome).toBe('invalid');
    answers['8072'] = '6985';
    expect((await runKernel(psam().verifyMac2(new Uint8Array(4)), { sam })).outcome).toBe('no-session');
    answers['8072'] = '6A86';
    await expect(runKernel(psam().verifyMac2(new Uint8Array(4)), { sam })).rejects.toThrow(/6A86/);
  });
});
