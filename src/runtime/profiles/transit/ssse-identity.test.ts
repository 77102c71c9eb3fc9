// The 3-APDU SSSE identity read of the transit profiles: fast path, the long way for a card that does
// not address EF05 by SFI, absent on a transport-only card, a ProtocolError for nonsense.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../../apdu/hex';
import { ProtocolError } from '../../../core/errors';
import { loadCardFixture } from '../../../emulator/card-fixture';
import { loadTransitCard } from '../../../emulator/transit/fixtures';
import { directTransmit } from '../../../emulator/transit/rig';
import type { EmulatedCard } from '../../../emulator/types';
import { runKernel } from '../../../kernel/runner';
import { readSsseIdentity } from './ssse-identity';

async function read(card: EmulatedCard) {
  card.powerOn();
  const sent: string[] = [];
  const run = await runKernel(readSsseIdentity(), { card: directTransmit(card), onExchange: (_t, e) => sent.push(toHex(e.command.subarray(0, 4))) });
  return { id: run.outcome, sent };
}

describe('readSsseIdentity', () => {
  it('reads the card identification code and the card number in three APDUs', async () => {
    const { id, sent } = await read(loadCardFixture('ssc-3rd-zhengzhou'));
    expect(sent).toEqual(['00A40400', '00B2012C', '00B2072C']);
    expect(id).toMatchObject({ present: true, cardNumber: 'A41001001' });
    expect(id.present && toHex(id.cardIdCode)).toBe('410100D1560000050000000000001001');
  });

  it('a card that does not address EF05 by SFI is read the long way', async () => {
    const { id, sent } = await read(loadCardFixture('ssc-no-sfi-beijing'));
    expect(sent.length).toBeGreaterThan(3);
    expect(id).toMatchObject({ present: true, cardNumber: 'B11005005' });
  });

  it('a transport-only card: one SELECT, absent', async () => {
    const { id, sent } = await read(loadTransitCard('tunion-adult').card);
    expect(sent).toEqual(['00A40400']);
    expect(id).toEqual({ present: false });
  });

  it('malformed card data is a ProtocolError (the tap goes on without the holder token)', async () => {
    await expect(read(loadCardFixture('ssc-malformed'))).rejects.toBeInstanceOf(ProtocolError);
  });
});
