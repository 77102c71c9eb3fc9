import { describe, expect, it } from 'vitest';
import { encodeEnvelope, MAX_HEADER_BYTES, parseEnvelope } from './envelope';
import { ArtefactRefused } from './errors';
import { buildArtefact } from './publisher';
import { testPublisher } from './testing/index';

const pub = testPublisher();
const good = () => pub.sign({ kind: 'toy-params', version: 3, payload: new Uint8Array([1, 2, 3]) });

function reason(bytes: Uint8Array): string {
  try {
    parseEnvelope(bytes);
  } catch (e) {
    if (e instanceof ArtefactRefused) return `${e.reason}: ${e.message}`;
    throw e;
  }
  return 'accepted';
}

const header = (h: object) => new TextEncoder().encode(JSON.stringify(h));
const sig = { keyId: '0011223344556677', signature: new Uint8Array(64) };
const base = { format: 1, kind: 'toy-params', version: 3, created: 1000, expires: 2000, payloadLength: 3, payloadSha256: '0'.repeat(64) };

describe('artefact envelope (YKA1): bounded parsing, exact signed bytes', () => {
  it('round-trips and aligns the payload on 8 bytes (so large key arrays are used in place)', () => {
    const bytes = good();
    const env = parseEnvelope(bytes);
    expect(env.header).toMatchObject({ format: 1, kind: 'toy-params', version: 3 });
    expect([...env.payload]).toEqual([1, 2, 3]);
    expect(env.payload.byteOffset % 8).toBe(0);
    expect(env.signatures).toEqual([{ keyId: pub.key.keyId, signature: expect.any(Uint8Array) }]);
    expect(bytes.subarray(8, 8 + env.headerBytes.length)).toEqual(env.headerBytes);
  });

  it('refuses structural damage with a reason', () => {
    const b = good();
    expect(reason(b.subarray(0, 5))).toMatch(/^truncated/);
    expect(reason(new Uint8Array([0x59, 0x4b, 0x41, 0x32, 0, 0, 0, 2]))).toMatch(/^malformed: .*magic/);
    expect(reason(new Uint8Array([...b, 0]))).toMatch(/^malformed: .*1 unexpected bytes after the signatures/);
    expect(reason(b.subarray(0, b.length - 1))).toMatch(/^truncated: .*inside the signatures/);
    const big = b.slice();
    new DataView(big.buffer).setUint32(4, MAX_HEADER_BYTES + 1);
    expect(reason(big)).toMatch(/^malformed: .*header length 16385 outside/);
  });

  it('refuses headers that break the schema, and inconsistent lengths', () => {
    const p = new Uint8Array(3);
    expect(reason(encodeEnvelope(new TextEncoder().encode('{"format":1,'), p, [sig]))).toMatch(/^malformed: .*not UTF-8 JSON/);
    expect(reason(encodeEnvelope(header({ ...base, version: 0 }), p, [sig]))).toMatch(/header field version/);
    expect(reason(encodeEnvelope(header({ ...base, kind: 'Bad Kind' }), p, [sig]))).toMatch(/header field kind/);
    expect(reason(encodeEnvelope(header({ ...base, base: 3 }), p, [sig]))).toMatch(/delta base must be lower/);
    expect(reason(encodeEnvelope(header({ ...base, expires: 500 }), p, [sig]))).toMatch(/expires must be after created/);
    expect(reason(encodeEnvelope(header({ ...base, extra: 1 }), p, [sig]))).toMatch(/^malformed/);
    expect(reason(encodeEnvelope(header({ ...base, payloadLength: 4 }), p, [sig]))).toMatch(/payload length 3 differs from the signed header's 4/);
    expect(reason(encodeEnvelope(header(base), p, [sig]))).toBe('accepted');
  });

  it('bounds the signature count and the payload before copying', () => {
    const b = encodeEnvelope(header(base), new Uint8Array(3), [sig]);
    const zero = b.slice();
    zero[zero.length - 73] = 0;
    expect(reason(zero.subarray(0, zero.length - 72))).toMatch(/0 signatures, expected 1..8/);
    expect(() => encodeEnvelope(header(base), new Uint8Array(3), Array(9).fill(sig))).toThrow(/1..8 signatures/);
    expect(() => parseEnvelope(b, 2)).toThrow(/exceeds the 2 bytes allowed/);
  });

  it('buildArtefact signs the exact header bytes carried', () => {
    const a = buildArtefact({ kind: 'hotlist', version: 1, created: 1, expires: 2, payload: new Uint8Array(8) }, [{ privateKey: pub.pair.privateKey }]);
    expect(new TextDecoder().decode(parseEnvelope(a).headerBytes)).toMatch(/^\{"format":1,"kind":"hotlist","version":1,"created":1,"expires":2,"payloadLength":8,"payloadSha256":"[0-9a-f]{64}"\} *$/);
  });
});
