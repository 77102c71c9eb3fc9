/**
 * Camera frames and the cheap image work done before decoding. A frame is a raw 8-bit pixmap: RGBA
 * (what jsQR and zxing-wasm take) or grey (what a camera's Y plane or `-pix_fmt gray` gives).
 */
export interface Frame {
  width: number;
  height: number;
  format: 'rgba' | 'gray';
  data: Uint8Array | Uint8ClampedArray;
}

export function checkFrame(f: Frame): void {
  const bpp = f.format === 'rgba' ? 4 : 1;
  if (!Number.isInteger(f.width) || !Number.isInteger(f.height) || f.width <= 0 || f.height <= 0 || f.width > 8192 || f.height > 8192) {
    throw new RangeError(`frame: bad size ${f.width}×${f.height}`);
  }
  if (f.data.length !== f.width * f.height * bpp) throw new RangeError(`frame: ${f.format} ${f.width}×${f.height} needs ${f.width * f.height * bpp} bytes, got ${f.data.length}`);
}

/** Luma (BT.601 integer approximation, as zxing-wasm computes it). */
export function toGray(f: Frame): Uint8Array {
  if (f.format === 'gray') return f.data instanceof Uint8Array ? f.data : new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.length);
  const n = f.width * f.height;
  const out = new Uint8Array(n);
  const d = f.data;
  for (let i = 0, j = 0; i < n; i++, j += 4) out[i] = (306 * d[j]! + 601 * d[j + 1]! + 117 * d[j + 2]! + 512) >> 10;
  return out;
}

export function grayToRgba(gray: Uint8Array, width: number, height: number): Uint8ClampedArray {
  const n = width * height;
  const out = new Uint8ClampedArray(n * 4);
  const u32 = new Uint32Array(out.buffer);
  // Little-endian ABGR words: one store per pixel.
  for (let i = 0; i < n; i++) {
    const g = gray[i]!;
    u32[i] = 0xff000000 | (g << 16) | (g << 8) | g;
  }
  return out;
}

/**
 * 3×3 box blur on a grey image (separable: two passes of 3 taps). Sensor noise makes jsQR's binariser
 * see thousands of false finder-pattern candidates (≈ 0.4 s per 640×480 frame, DOMAIN.md §5); this
 * ≈ 2–4 ms pass removes them without hurting modules of 3 px or more.
 */
export function blur3x3(src: Uint8Array, width: number, height: number): Uint8Array {
  const tmp = new Uint16Array(width * height);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const r = y * width;
    tmp[r] = src[r]! * 2 + src[r + 1]!;
    for (let x = 1; x < width - 1; x++) tmp[r + x] = src[r + x - 1]! + src[r + x]! + src[r + x + 1]!;
    tmp[r + width - 1] = src[r + width - 2]! + src[r + width - 1]! * 2;
  }
  for (let x = 0; x < width; x++) {
    out[x] = ((tmp[x]! * 2 + tmp[width + x]!) / 9 + 0.5) | 0;
    for (let y = 1; y < height - 1; y++) {
      const i = y * width + x;
      out[i] = ((tmp[i - width]! + tmp[i]! + tmp[i + width]!) / 9 + 0.5) | 0;
    }
    const last = (height - 1) * width + x;
    out[last] = ((tmp[last - width]! + tmp[last]! * 2) / 9 + 0.5) | 0;
  }
  return out;
}

/**
 * A cheap estimate of sensor noise: the median absolute difference between horizontal neighbours on
 * every 8th row (≈ 1/8 of the pixels, < 1 ms at 640×480). Flat areas of a clean frame give ≈ 0–2; a
 * noise σ gives ≈ 0.95·σ. Used to run the blur pre-pass only when it is needed.
 */
export function noiseLevel(gray: Uint8Array, width: number, height: number): number {
  const hist = new Uint32Array(256);
  let n = 0;
  for (let y = 0; y < height; y += 8) {
    const r = y * width;
    for (let x = 0; x + 1 < width; x += 2) {
      hist[Math.abs(gray[r + x]! - gray[r + x + 1]!)]!++;
      n++;
    }
  }
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v]!;
    if (acc * 2 >= n) return v;
  }
  return 255;
}
