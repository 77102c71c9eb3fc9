import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Framer, parseFramingBytes, type FrameEvent } from './framing';

const b = (s: string) => new TextEncoder().encode(s);
const frames = (ev: FrameEvent[]) => ev.filter((e) => e.kind === 'frame').map((e) => new TextDecoder().decode((e as { bytes: Uint8Array }).bytes));
const drops = (ev: FrameEvent[]) => ev.filter((e) => e.kind === 'dropped').map((e) => (e as { reason: string }).reason);

describe('Framer', () => {
  it('splits on the suffix, across chunk boundaries, several frames per chunk', () => {
    const f = new Framer({ suffix: b('\r\n') });
    expect(frames(f.push(b('YKE1:AB'), 0))).toEqual([]);
    expect(frames(f.push(b('C\r'), 1))).toEqual([]);
    expect(frames(f.push(b('\nX\r\nY Z\r\n'), 2))).toEqual(['YKE1:ABC', 'X', 'Y Z']);
  });

  it('keeps spaces (base45) but trims stray CR/LF/NUL at the edges', () => {
    const f = new Framer({ suffix: b('\r') });
    expect(frames(f.push(b(' A B \r\nC\r\0'), 0))).toEqual([' A B ', 'C']);
  });

  it('drops a partial frame after the inter-byte timeout, so it cannot glue onto the next code', () => {
    const f = new Framer({ suffix: b('\r'), interByteTimeoutMs: 50 });
    f.push(b('YKE1:PARTI'), 0);
    expect(f.deadline()).toBe(50);
    const ev = f.flush(51);
    expect(drops(ev)).toEqual(['timeout-partial']);
    expect(frames(f.push(b('NEXT\r'), 60))).toEqual(['NEXT']);
    // Silence detected on the next push too (no timer fired).
    f.push(b('junk'), 100);
    const ev2 = f.push(b('GOOD\r'), 200);
    expect(drops(ev2)).toEqual(['timeout-partial']);
    expect(frames(ev2)).toEqual(['GOOD']);
  });

  it('frames by silence alone when there is no suffix', () => {
    const f = new Framer({ suffix: new Uint8Array(0), interByteTimeoutMs: 20 });
    f.push(b('ABC'), 0);
    f.push(b('DEF'), 10);
    expect(frames(f.flush(25))).toEqual([]);
    expect(frames(f.flush(31))).toEqual(['ABCDEF']);
    expect(() => new Framer({ suffix: new Uint8Array(0), interByteTimeoutMs: 0 })).toThrow(/suffix or an inter-byte timeout/);
  });

  it('with a prefix: drops garbage before it and frames without it', () => {
    const f = new Framer({ prefix: b('\x02'), suffix: b('\x03') });
    const ev = f.push(b('\xff\x13noise\x02CODE1\x03no prefix\x03\x02CODE2\x03'), 0);
    expect(frames(ev)).toEqual(['CODE1', 'CODE2']);
    expect(drops(ev)).toEqual(['garbage-before-prefix', 'no-prefix']);
  });

  it('bounds memory: an endless frame is dropped and the stream resynchronises at the next suffix', () => {
    const f = new Framer({ suffix: b('\r'), maxFrameBytes: 16, interByteTimeoutMs: 0 });
    const ev = f.push(b('X'.repeat(100)), 0);
    expect(drops(ev)).toEqual(['overflow']);
    expect(frames(f.push(b('tail of the long one\rOK\r'), 1))).toEqual(['OK']);
  });

  it('never throws and never emits more than maxFrameBytes, whatever arrives (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 200 }))), (chunks) => {
        const f = new Framer({ prefix: b('\x02'), suffix: b('\r\n'), maxFrameBytes: 32, interByteTimeoutMs: 50 });
        let t = 0;
        for (const [c, dt] of chunks) {
          t += dt;
          for (const e of [...f.flush(t), ...f.push(c, t)]) if (e.kind === 'frame') expect(e.bytes.length).toBeLessThanOrEqual(32 + 2);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseFramingBytes', () => {
  it('reads C escapes and hex', () => {
    expect([...parseFramingBytes('\\r\\n')]).toEqual([13, 10]);
    expect([...parseFramingBytes('\\x02')]).toEqual([2]);
    expect([...parseFramingBytes('hex:0203')]).toEqual([2, 3]);
    expect([...parseFramingBytes('')]).toEqual([]);
    expect(() => parseFramingBytes('\\q')).toThrow(/bad escape/);
    expect(() => parseFramingBytes('hex:0g')).toThrow(/invalid character/);
    expect(() => parseFramingBytes('hex:020')).toThrow(/even number/);
  });
});
