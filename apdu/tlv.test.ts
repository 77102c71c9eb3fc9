// BER-TLV per ISO/IEC 7816-4 §5.2 and EMV Book 3 Annex B.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../src/core/errors';
import { fromHex, toHex } from './hex';
import { decodeTlv, decodeTlvOne, encodeLength, encodeTag, encodeTlv, findAllTlv, findTlv, primitiveMap, tlv, TlvError, type Tlv, type TlvInput } from './tlv';

// A PPSE answer as in DOMAIN.md §1.2: 6F{84, A5{BF0C{61{4F, 50, 87}…}}}
const PPSE = fromHex(
  '6F30840E325041592E5359532E4444463031A51EBF0C1B61194F08A000000333010101500A50424F43204445424954870101',
);

describe('decode', () => {
  it('decodes a PPSE FCI with nested templates and keeps exact raw bytes', () => {
    const [fci] = decodeTlv(PPSE);
    expect(fci!.tag).toBe(0x6f);
    expect(toHex(findTlv([fci!], 0x84)!.value)).toBe('325041592E5359532E4444463031');
    const app = findTlv([fci!], 0x61)!;
    expect(toHex(findTlv([app], 0x4f)!.value)).toBe('A000000333010101');
    expect(findTlv([app], 0x87)!.value[0]).toBe(1);
    expect(toHex(fci!.raw)).toBe(toHex(PPSE));
    expect(toHex(findTlv([fci!], 0xbf0c)!.raw.subarray(0, 3))).toBe('BF0C1B');
  });

  it('decodes multi-byte tags and long-form lengths', () => {
    const v = new Uint8Array(300).fill(7);
    const bytes = encodeTlv([{ tag: 0x9f4b, value: v }, { tag: 0xdf8101, value: fromHex('01') }]);
    expect(toHex(bytes.subarray(0, 5))).toBe('9F4B82012C');
    const nodes = decodeTlv(bytes);
    expect(nodes.map((n) => n.tag)).toEqual([0x9f4b, 0xdf8101]);
    expect(nodes[0]!.value.length).toBe(300);
  });

  it('skips 00 padding between and after objects (EMV Annex B1)', () => {
    expect(decodeTlv(fromHex('00005A0212340000')).map((n) => n.tag)).toEqual([0x5a]);
    expect(decodeTlv(fromHex('FF5A021234')).length).toBe(1);
  });

  it('primitiveMap flattens leaves, first occurrence wins', () => {
    const m = primitiveMap(decodeTlv(fromHex('7008 5A021234 5A025678 9F360200 05'.replace(/ /g, ''))));
    expect(toHex(m.get(0x5a)!)).toBe('1234');
    expect(findAllTlv(decodeTlv(fromHex('70085A0212345A025678')), 0x5a)).toHaveLength(2);
  });

  const bad: [string, string, string][] = [
    ['5A', 'truncated-length', 'tag without length'],
    ['5A05 1234', 'value-overflows', 'value shorter than declared'],
    ['9F', 'truncated-tag', 'multi-byte tag cut'],
    ['9F8181818101 00', 'tag-too-long', 'tag of 5 bytes'],
    ['5A80 00', 'indefinite-length', 'indefinite length'],
    ['5A85 0000000001 00', 'length-too-long', '5 length bytes'],
    ['5A81', 'truncated-length', 'long-form length cut'],
  ];
  for (const [hex, reason, what] of bad) {
    it(`refuses ${what} with TlvError ${reason}`, () => {
      try {
        decodeTlv(fromHex(hex));
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(TlvError);
        expect(e).toBeInstanceOf(ProtocolError);
        expect((e as TlvError).tlvReason).toBe(reason);
      }
    });
  }

  it('enforces depth, node-count and input-length bounds', () => {
    let deep: TlvInput = { tag: 0x5a, value: fromHex('01') };
    for (let i = 0; i < 20; i++) deep = { tag: 0x70, children: [deep] };
    expect(() => decodeTlv(encodeTlv(deep))).toThrow(/too-deep/);
    expect(decodeTlv(encodeTlv(deep), { maxDepth: 32 })).toHaveLength(1);
    const many = encodeTlv(Array.from({ length: 50 }, () => ({ tag: 0x5a, value: fromHex('01') })));
    expect(() => decodeTlv(many, { maxNodes: 49 })).toThrow(/too-many-nodes/);
    expect(() => decodeTlv(new Uint8Array(100), { maxLength: 99 })).toThrow(/input-too-long/);
  });

  it('decodeTlvOne wants exactly one object', () => {
    expect(decodeTlvOne(fromHex('5A021234')).tag).toBe(0x5a);
    expect(() => decodeTlvOne(fromHex('5A0112 5A0134'.replace(' ', '')))).toThrow(/exactly one/);
  });
});

describe('encode', () => {
  it('minimal lengths', () => {
    expect(toHex(encodeLength(0x7f))).toBe('7F');
    expect(toHex(encodeLength(0x80))).toBe('8180');
    expect(toHex(encodeLength(0x100))).toBe('820100');
    expect(toHex(encodeLength(0x10000))).toBe('83010000');
  });
  it('validates tag structure', () => {
    expect(toHex(encodeTag(0x9f02))).toBe('9F02');
    expect(toHex(encodeTag(0xdf8101))).toBe('DF8101');
    expect(() => encodeTag(0x5a5a)).toThrow(/does not announce/);
    expect(() => encodeTag(0x9f)).toThrow(/has none/);
    expect(() => encodeTag(0x9f0101)).toThrow(/continuation/);
  });
  it('builds nested templates', () => {
    expect(toHex(encodeTlv(tlv(0x70, [tlv(0x5a, fromHex('1234'))])))).toBe('70045A021234');
  });
});

// ---- properties -------------------------------------------------------------------------------

const arbTag = fc.oneof(
  // one byte, low 5 bits not 11111; first byte never 00 or FF (7816-4: invalid first bytes / padding)
  fc.integer({ min: 0x01, max: 0xfe }).filter((b) => (b & 0x1f) !== 0x1f),
  fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0x1f, max: 0x7f })).map(([cls, b2]) => ((cls << 5) | 0x1f) * 256 + b2),
  fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0x81, max: 0xff }), fc.integer({ min: 0, max: 0x7f })).map(([cls, b2, b3]) => (((cls << 5) | 0x1f) * 256 + b2) * 256 + b3),
);

const arbPrimitive: fc.Arbitrary<TlvInput> = fc
  .tuple(arbTag.filter((t) => (firstByte(t) & 0x20) === 0), fc.uint8Array({ maxLength: 300 }))
  .map(([tag, value]) => ({ tag, value }));

function firstByte(tag: number): number {
  let t = tag;
  while (t > 0xff) t = Math.floor(t / 256);
  return t;
}

const { tree } = fc.letrec<{ tree: TlvInput }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    arbPrimitive,
    fc
      .tuple(arbTag.filter((t) => (firstByte(t) & 0x20) !== 0), fc.array(tie('tree'), { maxLength: 4 }))
      .map(([tag, children]) => ({ tag, children })),
  ),
}));

function strip(n: Tlv): TlvInput {
  return n.children ? { tag: n.tag, children: n.children.map(strip) } : { tag: n.tag, value: n.value };
}
function norm(n: TlvInput): unknown {
  return n.children ? { tag: n.tag, children: n.children.map(norm) } : { tag: n.tag, value: toHex(n.value ?? new Uint8Array(0)) };
}

// CI runs ≥ 100,000 generated cases across these properties (30k + 40k + 40k).
describe('properties', () => {
  it('decode ∘ encode = id on generated trees, and encode ∘ decode = id on their bytes', () => {
    fc.assert(
      fc.property(fc.array(tree, { minLength: 1, maxLength: 4 }), (nodes) => {
        const bytes = encodeTlv(nodes);
        const back = decodeTlv(bytes, { skipPadding: false });
        expect(back.map(strip).map(norm)).toEqual(nodes.map(norm));
        expect(toHex(encodeTlv(back.map(strip)))).toBe(toHex(bytes));
      }),
      { numRuns: 30_000 },
    );
  });

  it('random bytes never crash the decoder: only TlvError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          decodeTlv(b, { maxDepth: 8, maxNodes: 64 });
        } catch (e) {
          expect(e).toBeInstanceOf(TlvError);
        }
      }),
      { numRuns: 40_000 },
    );
  });

  it('mutated valid encodings never crash the decoder: only TlvError', () => {
    const mutated = fc
      .tuple(fc.array(tree, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'del', 'ins', 'cut')), { minLength: 1, maxLength: 4 }))
      .map(([nodes, muts]) => {
        const b = Array.from(encodeTlv(nodes));
        for (const [pos, val, op] of muts) {
          const i = b.length ? pos % b.length : 0;
          if (op === 'set' && b.length) b[i] = val;
          else if (op === 'del' && b.length) b.splice(i, 1);
          else if (op === 'ins') b.splice(i, 0, val);
          else b.length = i;
        }
        return Uint8Array.from(b);
      });
    fc.assert(
      fc.property(mutated, (b) => {
        try {
          decodeTlv(b, { maxDepth: 8, maxNodes: 256 });
        } catch (e) {
          expect(e).toBeInstanceOf(TlvError);
        }
      }),
      { numRuns: 40_000 },
    );
  });
});
