/**
 * Synthetic camera frames of a QR code (tests and bench/ecode): a code of a given module size, placed,
 * optionally rotated, on a textured background, with optional Gaussian-ish sensor noise. Deterministic
 * for a given seed, so decoders are compared on the very same frames.
 */
import QRCode from 'qrcode';
import { mulberry32 } from '../../src/core/prng';
import type { Frame } from './frame';

export interface SynthOptions {
  width: number;
  height: number;
  /** Pixels per QR module. */
  moduleSize?: number;
  /** Rotation in degrees. */
  angleDeg?: number;
  /** Standard deviation of added noise, in grey levels (0 = clean). */
  noise?: number;
  /** Contrast: dark and light grey levels of the code. */
  dark?: number;
  light?: number;
  seed?: number;
  errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H';
}

/** A grey frame; `text: undefined` gives a frame with no code (background only). */
export function synthFrame(text: string | undefined, o: SynthOptions): Frame {
  const { width, height } = o;
  const rand = mulberry32(o.seed ?? 1);
  const dark = o.dark ?? 30;
  const light = o.light ?? 220;
  const data = new Uint8Array(width * height);
  // Background: a smooth gradient with some blotches (a counter top, a sleeve), never a flat field.
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = 90 + ((x * 60) / width + (y * 40) / height + 20 * Math.sin(x / 37) * Math.cos(y / 23)) | 0;
  if (text !== undefined) {
    const qr = QRCode.create(text, { errorCorrectionLevel: o.errorCorrectionLevel ?? 'M' });
    const n = qr.modules.size;
    const quiet = 4;
    const ms = o.moduleSize ?? Math.max(2, Math.floor((Math.min(width, height) * 0.6) / (n + 2 * quiet)));
    const side = (n + 2 * quiet) * ms;
    const a = ((o.angleDeg ?? 0) * Math.PI) / 180;
    const cos = Math.cos(a);
    const sin = Math.sin(a);
    const cx = width / 2;
    const cy = height / 2;
    // Inverse mapping: for each frame pixel near the centre, find the module it falls in.
    const reach = Math.ceil(side * 0.75);
    for (let y = Math.max(0, (cy - reach) | 0); y < Math.min(height, cy + reach); y++) {
      for (let x = Math.max(0, (cx - reach) | 0); x < Math.min(width, cx + reach); x++) {
        const dx = x - cx;
        const dy = y - cy;
        const u = cos * dx + sin * dy + side / 2;
        const v = -sin * dx + cos * dy + side / 2;
        if (u < 0 || v < 0 || u >= side || v >= side) continue;
        const mx = Math.floor(u / ms) - quiet;
        const my = Math.floor(v / ms) - quiet;
        const on = mx >= 0 && my >= 0 && mx < n && my < n && qr.modules.get(my, mx) === 1;
        data[y * width + x] = on ? dark : light;
      }
    }
  }
  if (o.noise) {
    for (let i = 0; i < data.length; i++) {
      // Sum of uniforms ≈ normal (Irwin–Hall, 4 terms).
      const g = (rand() + rand() + rand() + rand() - 2) * Math.sqrt(3) * o.noise;
      const v = data[i]! + g;
      data[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width, height, format: 'gray', data };
}
