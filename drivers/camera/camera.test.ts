import { describe, expect, it } from 'vitest';
import QRCode from 'qrcode';
import { PassThrough } from 'node:stream';
import { makeWorld } from '../../src/ecode/test-world';
import { jsqrDecoder, zxingDecoder } from './decoders';
import { blur3x3, grayToRgba, toGray, type Frame } from './frame';
import { openCameraScanner } from './index';
import { pngFrame, rawVideoFrames } from './sources';
import { synthFrame } from './synth';

// Deterministic keys and clock: the same code, hence the same frames, in every run (jsQR's success on
// noisy frames depends on the exact modules).
const w = makeWorld({ deterministic: true });
const code = w.phone({ deterministic: 'camera-test' }).code();

describe('frame tools', () => {
  it('grey ↔ RGBA and a blur that keeps flat areas flat', () => {
    const g = Uint8Array.from([0, 128, 255, 7]);
    expect(toGray({ width: 2, height: 2, format: 'rgba', data: grayToRgba(g, 2, 2) })).toEqual(g);
    expect(blur3x3(new Uint8Array(12).fill(100), 4, 3)).toEqual(new Uint8Array(12).fill(100));
    const spike = new Uint8Array(9);
    spike[4] = 90;
    expect(blur3x3(spike, 3, 3)[4]).toBe(10);
  });
});

describe('QR decoders on the same frames', () => {
  const cases: [string, Frame][] = [
    ['640×480 clean', synthFrame(code, { width: 640, height: 480, seed: 1 })],
    ['640×480 noisy, rotated 15°', synthFrame(code, { width: 640, height: 480, noise: 12, angleDeg: 15, seed: 2 })],
    ['1280×720 noisy', synthFrame(code, { width: 1280, height: 720, noise: 10, seed: 3 })],
  ];
  for (const d of [zxingDecoder(), jsqrDecoder(), jsqrDecoder({ blur: true })]) {
    it.each(cases)(`${d.name} reads %s`, async (_n, frame) => {
      const r = await d.decode(frame);
      expect(r.map((x) => x.text)).toEqual([code]);
    });
    it(`${d.name} finds nothing in a frame without a code`, async () => {
      expect(await d.decode(synthFrame(undefined, { width: 640, height: 480, noise: 8 }))).toEqual([]);
    });
  }
  it('jsQR reads the same frames as RGBA, with and without the blur', async () => {
    const [, noisy] = cases[1]!;
    const rgba: Frame = { width: noisy.width, height: noisy.height, format: 'rgba', data: grayToRgba(noisy.data as Uint8Array, noisy.width, noisy.height) };
    for (const d of [jsqrDecoder(), jsqrDecoder({ blur: true })]) expect((await d.decode(rgba)).map((x) => x.text)).toEqual([code]);
    const [, clean] = cases[0]!;
    const cleanRgba: Frame = { width: clean.width, height: clean.height, format: 'rgba', data: grayToRgba(clean.data as Uint8Array, clean.width, clean.height) };
    expect((await jsqrDecoder({ blur: false }).decode(cleanRgba)).map((x) => x.text)).toEqual([code]);
  });
  it('refuses a frame whose buffer does not match its size', async () => {
    await expect(zxingDecoder().decode({ width: 10, height: 10, format: 'gray', data: new Uint8Array(99) })).rejects.toThrow(/needs 100 bytes/);
  });
});

describe('frame sources', () => {
  it('cuts a raw video stream into frames across chunk boundaries', async () => {
    const s = new PassThrough();
    const frames: Frame[] = [];
    const done = (async () => {
      for await (const f of rawVideoFrames(s, { width: 4, height: 2, format: 'gray' })) frames.push(f);
    })();
    s.write(Buffer.from([1, 1, 1]));
    s.write(Buffer.from([1, 1, 1, 1, 1, 2, 2]));
    s.write(Buffer.from([2, 2, 2, 2, 2, 2, 9]));
    s.end();
    await done;
    expect(frames.map((f) => [...f.data])).toEqual([
      [1, 1, 1, 1, 1, 1, 1, 1],
      [2, 2, 2, 2, 2, 2, 2, 2],
    ]); // the trailing partial frame is not a frame
  });

  it('reads a PNG made by qrcode', async () => {
    const png = await QRCode.toBuffer(code, { errorCorrectionLevel: 'M', scale: 4 });
    const f = pngFrame(new Uint8Array(png));
    expect((await zxingDecoder().decode(f))[0]?.text).toBe(code);
    expect(() => pngFrame(new Uint8Array([1, 2, 3]))).toThrow();
  });
});

describe('camera scanner (decoding in a worker, dropping frames)', () => {
  it('reports a code held in front of the camera once, drops frames while busy, and the code verifies', async () => {
    const v = w.verifier();
    const fresh = w.phone().code();
    const still = synthFrame(fresh, { width: 640, height: 480, noise: 6, seed: 5 });
    async function* thirtyFrames(): AsyncGenerator<Frame> {
      for (let i = 0; i < 30; i++) yield { ...still, data: still.data.slice() };
    }
    const scanner = await openCameraScanner({ name: 'cam-1', frames: thirtyFrames(), repeatSuppressMs: 60_000 });
    const got: string[] = [];
    for await (const p of scanner) got.push(p.text);
    expect(got).toEqual([fresh]);
    const st = scanner.stats();
    expect(st.dropped['frame-busy']).toBeGreaterThan(0); // frames arrived faster than decoding
    expect(scanner.workerStats().decoded).toBeGreaterThanOrEqual(2);
    expect(v.verify(got[0]!, { profile: 'gate', device: 'cam-1' }).outcome).toBe('valid');
    await scanner.close();
  });
});
