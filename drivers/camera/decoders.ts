/**
 * QR decoders for camera frames, behind one interface, compared on the same frames by bench/ecode:
 *  - jsQR (pure JS): needs the blur pre-pass on noisy sensors (DOMAIN.md §5).
 *  - zxing-wasm (zxing-cpp compiled to WebAssembly): the .wasm is read from node_modules, never
 *    fetched (the package's default would download it from a CDN).
 * Decoding is CPU-bound: run it off the main thread (decode-worker.ts) and drop frames when busy.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import jsQR from 'jsqr';
import type * as ZxingReaderModule from 'zxing-wasm/reader';
import { blur3x3, checkFrame, grayToRgba, noiseLevel, toGray, type Frame } from './frame';

export interface DecodedCode {
  text: string;
  /** Raw bytes of the QR payload when the decoder gives them. */
  bytes?: Uint8Array;
  decoder: string;
}

export interface FrameDecoder {
  readonly name: string;
  decode(frame: Frame): Promise<DecodedCode[]>;
}

export type DecoderName = 'zxing' | 'jsqr' | 'jsqr-blur' | 'jsqr-noblur';

export interface JsqrOptions {
  /**
   * Run the 3×3 blur first: true, false, or 'auto' (default): only when the frame looks noisy
   * (noiseLevel ≥ noiseThreshold). The blur bounds jsQR's time on noisy frames but costs it some small
   * rotated codes on clean ones.
   */
  blur?: boolean | 'auto';
  noiseThreshold?: number;
  /** jsQR's inversion attempts: 'dontInvert' (default: phone screens show dark on light) or 'attemptBoth'. */
  inversion?: 'dontInvert' | 'attemptBoth';
}

export function jsqrDecoder(o: JsqrOptions = {}): FrameDecoder {
  const mode = o.blur ?? 'auto';
  const name = mode === false ? 'jsqr-noblur' : mode === true ? 'jsqr-blur' : 'jsqr';
  const threshold = o.noiseThreshold ?? 5;
  return {
    name,
    async decode(frame) {
      checkFrame(frame);
      let rgba: Uint8ClampedArray;
      // Grey once: an RGBA frame costs a full conversion pass (noise estimate, then blur).
      const gray = mode !== false || frame.format === 'gray' ? toGray(frame) : undefined;
      const blur = mode === 'auto' ? noiseLevel(gray!, frame.width, frame.height) >= threshold : mode;
      if (blur) rgba = grayToRgba(blur3x3(gray!, frame.width, frame.height), frame.width, frame.height);
      else if (frame.format === 'gray') rgba = grayToRgba(gray!, frame.width, frame.height);
      else rgba = frame.data instanceof Uint8ClampedArray ? frame.data : new Uint8ClampedArray(frame.data.buffer, frame.data.byteOffset, frame.data.length);
      const r = jsQR(rgba, frame.width, frame.height, { inversionAttempts: o.inversion ?? 'dontInvert' });
      return r ? [{ text: r.data, bytes: Uint8Array.from(r.binaryData), decoder: name }] : [];
    },
  };
}

type ZxingReader = typeof ZxingReaderModule;
let zxingLoad: Promise<ZxingReader> | undefined;

/** Load zxing-wasm's reader with its .wasm from node_modules (no network). */
export function loadZxing(): Promise<ZxingReader> {
  zxingLoad ??= (async () => {
    const z = await import('zxing-wasm/reader');
    const require = createRequire(import.meta.url);
    const wasmPath = require.resolve('zxing-wasm/reader/zxing_reader.wasm');
    const wasmBinary = readFileSync(wasmPath);
    await z.prepareZXingModule({ overrides: { wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) as ArrayBuffer }, fireImmediately: true });
    return z;
  })();
  return zxingLoad;
}

export function zxingDecoder(): FrameDecoder {
  return {
    name: 'zxing',
    async decode(frame) {
      checkFrame(frame);
      const z = await loadZxing();
      const data = frame.format === 'rgba' ? (frame.data instanceof Uint8ClampedArray ? frame.data : new Uint8ClampedArray(frame.data.buffer, frame.data.byteOffset, frame.data.length)) : grayToRgba(toGray(frame), frame.width, frame.height);
      const results = await z.readBarcodes({ data, width: frame.width, height: frame.height, colorSpace: 'srgb' } as ImageDataLike as never, { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 });
      return results.filter((r) => r.isValid).map((r) => ({ text: r.text, bytes: r.bytes, decoder: 'zxing' }));
    },
  };
}

interface ImageDataLike {
  data: Uint8ClampedArray;
  width: number;
  height: number;
  colorSpace: 'srgb';
}

export function decoderByName(name: DecoderName): FrameDecoder {
  switch (name) {
    case 'zxing':
      return zxingDecoder();
    case 'jsqr':
      return jsqrDecoder({ blur: 'auto' });
    case 'jsqr-blur':
      return jsqrDecoder({ blur: true });
    case 'jsqr-noblur':
      return jsqrDecoder({ blur: false });
  }
}

/** Try decoders in order, first success wins (e.g. ['zxing', 'jsqr'] for `ykt scan`). */
export function chainDecoders(list: readonly FrameDecoder[]): FrameDecoder {
  return {
    name: list.map((d) => d.name).join('+'),
    async decode(frame) {
      for (const d of list) {
        const r = await d.decode(frame);
        if (r.length) return r;
      }
      return [];
    },
  };
}
