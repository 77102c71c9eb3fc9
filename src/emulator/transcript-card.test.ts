import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../apdu/hex';
import { ConfigError } from '../core/errors';
import { runKernel } from '../kernel/runner';
import { parseEf05 } from '../ssse/parse';
import { readSsse } from '../ssse/read';
import { loadCardFixture } from './card-fixture';
import { formatTranscript, parseTranscript, TranscriptCard } from './transcript-card';

const t = (text: string) => TranscriptCard.fromText(text);
const tx = (c: TranscriptCard, hex: string) => toHex(c.transmit(fromHex(hex)));

describe('transcript card (send:/resp: format)', () => {
  it('answers with the next unused matching pair, in file order', () => {
    const c = t(`
      # two reads of the same command
      send: 00 B2 01 2C 00
      resp: 01 02 AA BB 90 00
      send: 00B2012C00
      resp: 6A83
    `);
    expect(tx(c, '00B2012C00')).toBe('0102AABB9000');
    expect(tx(c, '00B2012C00')).toBe('6A83');
    expect(tx(c, '00B2012C00')).toBe('6D00');
    expect(c.unmatched).toHaveLength(1);
  });

  it("'..' matches one byte, a trailing '*' matches the rest, otherwise lengths must agree", () => {
    const c = t(`send: 80 A8 00 00 .. 83 *\nresp: 77 00 90 00\nsend: 00 B2 .. 0C 00\nresp: 90 00`);
    expect(tx(c, '80A8000023831234')).toBe('77009000');
    expect(tx(c, '00B2030C')).toBe('6D00'); // shorter: no match
    expect(tx(c, '00B2030C00')).toBe('9000');
  });

  it('a pair is not reused, but a later identical pair is', () => {
    const c = t('send: 00*\nresp: 9000\nsend: 00*\nresp: 6F00');
    expect(tx(c, '00A4')).toBe('9000');
    expect(tx(c, '0000')).toBe('6F00');
    c.rewind();
    expect(tx(c, '00A4')).toBe('9000');
  });

  it('rejects malformed transcripts with the line number', () => {
    expect(() => parseTranscript('resp: 9000')).toThrow(ConfigError);
    expect(() => parseTranscript('send: 00\nsend: 01\nresp: 9000')).toThrow(/line 2/);
    expect(() => parseTranscript('send: 0G\nresp: 9000')).toThrow(/line 1/);
    expect(() => parseTranscript('send: 00\nresp: 90')).toThrow(/status word/);
    expect(() => parseTranscript('send: 00')).toThrow(/without a resp/);
    expect(() => parseTranscript('hello')).toThrow(/expected "send/);
  });

  it('a captured exchange written by formatTranscript replays through the same kernel', async () => {
    const card = loadCardFixture('ssc-2nd-wenzhou-t0');
    card.powerOn();
    const ex: { command: Uint8Array; response: Uint8Array }[] = [];
    const live = await runKernel(readSsse(), { card: async (b) => card.transmit(b), onExchange: (_t, e) => ex.push(e) });
    const text = formatTranscript(ex, 'captured from the emulated Wenzhou card');
    const replay = TranscriptCard.fromText(text);
    const again = await runKernel(readSsse(), { card: async (b) => replay.transmit(b) });
    expect(parseEf05(again.outcome.ef05)).toEqual(parseEf05(live.outcome.ef05));
    expect(replay.remaining()).toBe(0);
    expect(replay.unmatched).toHaveLength(0);
  });
});
