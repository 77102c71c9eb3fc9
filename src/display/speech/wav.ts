/**
 * Just enough RIFF/WAVE to turn espeak-ng's output (16-bit PCM mono, 22 050 Hz) into small clips:
 * parse, trim silence, normalise the peak, resample (windowed sinc), and write either 16-bit PCM or
 * G.711 μ-law (WAVE format 7: 8 bits a sample, telephone-grade speech at half the size). Bounded:
 * refuses files over 16 MiB and chunk sizes running past the end.
 */

export interface Pcm {
  rate: number;
  /** Mono samples in [-1, 1]. */
  samples: Float32Array;
}

const MAX_BYTES = 16 * 1024 * 1024;

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
}

/** Parse a PCM (format 1, 16-bit) or μ-law (format 7) mono WAV. */
export function parseWav(bytes: Uint8Array): Pcm {
  if (bytes.length > MAX_BYTES) throw new RangeError(`wav: ${bytes.length} bytes is over the ${MAX_BYTES}-byte limit`);
  if (bytes.length < 12 || fourcc(bytes, 0) !== 'RIFF' || fourcc(bytes, 8) !== 'WAVE') throw new RangeError('wav: not a RIFF/WAVE file');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let data: Uint8Array | undefined;
  while (at + 8 <= bytes.length) {
    const id = fourcc(bytes, at);
    let size = dv.getUint32(at + 4, true);
    // espeak-ng writing to a pipe leaves 0xFFFFFFFF sizes: the data chunk runs to the end.
    if (id === 'data' && (size === 0xffffffff || at + 8 + size > bytes.length)) size = bytes.length - at - 8;
    if (at + 8 + size > bytes.length) throw new RangeError(`wav: chunk "${id}" of ${size} bytes runs past the end`);
    if (id === 'fmt ') {
      if (size < 16) throw new RangeError('wav: fmt chunk too short');
      fmt = { format: dv.getUint16(at + 8, true), channels: dv.getUint16(at + 10, true), rate: dv.getUint32(at + 12, true), bits: dv.getUint16(at + 22, true) };
    } else if (id === 'data') {
      data = bytes.subarray(at + 8, at + 8 + size);
    }
    at += 8 + size + (size & 1);
  }
  if (!fmt || !data) throw new RangeError('wav: missing fmt or data chunk');
  if (fmt.channels !== 1) throw new RangeError(`wav: expected mono, got ${fmt.channels} channels`);
  if (fmt.format === 1 && fmt.bits === 16) {
    const n = data.length >> 1;
    const out = new Float32Array(n);
    const d = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < n; i++) out[i] = d.getInt16(i * 2, true) / 32768;
    return { rate: fmt.rate, samples: out };
  }
  if (fmt.format === 7 && fmt.bits === 8) {
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = muLawDecode(data[i]!) / 32768;
    return { rate: fmt.rate, samples: out };
  }
  throw new RangeError(`wav: unsupported encoding (format ${fmt.format}, ${fmt.bits} bits)`);
}

/** Cut leading and trailing silence (below `threshold` of full scale), keeping `marginMs` each side. */
export function trimSilence(p: Pcm, threshold = 0.01, marginMs = 40): Pcm {
  const s = p.samples;
  let a = 0;
  while (a < s.length && Math.abs(s[a]!) < threshold) a++;
  if (a === s.length) return { rate: p.rate, samples: new Float32Array(0) };
  let b = s.length - 1;
  while (b > a && Math.abs(s[b]!) < threshold) b--;
  const m = Math.round((marginMs / 1000) * p.rate);
  return { rate: p.rate, samples: s.slice(Math.max(0, a - m), Math.min(s.length, b + 1 + m)) };
}

/** Scale so the peak is `peak` of full scale, with 5 ms fades against clicks. */
export function normalise(p: Pcm, peak = 0.89): Pcm {
  const s = p.samples.slice();
  let max = 0;
  for (const v of s) max = Math.max(max, Math.abs(v));
  const g = max > 0 ? peak / max : 1;
  const fade = Math.min(Math.round(0.005 * p.rate), s.length >> 1);
  for (let i = 0; i < s.length; i++) {
    let w = 1;
    if (i < fade) w = i / fade;
    else if (i >= s.length - fade) w = (s.length - 1 - i) / fade;
    s[i] = s[i]! * g * w;
  }
  return { rate: p.rate, samples: s };
}

/** Band-limited resampling: windowed sinc (Blackman), cut-off at the lower Nyquist frequency. */
export function resample(p: Pcm, rate: number): Pcm {
  if (!Number.isInteger(rate) || rate < 4000 || rate > 96_000) throw new RangeError(`resample: rate ${rate} Hz out of 4000…96000`);
  if (rate === p.rate) return p;
  const ratio = rate / p.rate;
  const n = Math.floor(p.samples.length * ratio);
  const out = new Float32Array(n);
  const cutoff = Math.min(1, ratio) * 0.95; // of the input Nyquist
  const half = 16; // taps each side, in input samples scaled by 1/cutoff
  const span = Math.ceil(half / cutoff);
  const s = p.samples;
  for (let i = 0; i < n; i++) {
    const x = i / ratio;
    const c = Math.floor(x);
    let acc = 0;
    let wsum = 0;
    for (let j = c - span + 1; j <= c + span; j++) {
      if (j < 0 || j >= s.length) continue;
      const t = x - j;
      const u = t * cutoff;
      const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
      const wpos = (t + span) / (2 * span);
      const win = wpos <= 0 || wpos >= 1 ? 0 : 0.42 - 0.5 * Math.cos(2 * Math.PI * wpos) + 0.08 * Math.cos(4 * Math.PI * wpos);
      const w = sinc * win;
      acc += s[j]! * w;
      wsum += w;
    }
    out[i] = wsum !== 0 ? acc / wsum : 0;
  }
  return { rate, samples: out };
}

/** G.711 μ-law, 14-bit magnitude with bias 0x84 (ITU-T G.711 table 2). */
export function muLawEncode(sample16: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let s = Math.max(-32768, Math.min(32767, Math.round(sample16)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function muLawDecode(byte: number): number {
  const u = ~byte & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -magnitude : magnitude;
}

export type WavEncoding = 'pcm16' | 'mulaw';

/** Write a mono WAV. μ-law files carry the fmt extension size and a fact chunk (non-PCM rules). */
export function encodeWav(p: Pcm, encoding: WavEncoding): Uint8Array {
  const n = p.samples.length;
  const bits = encoding === 'pcm16' ? 16 : 8;
  const dataLen = (n * bits) / 8;
  const fmtLen = encoding === 'pcm16' ? 16 : 18;
  const factLen = encoding === 'pcm16' ? 0 : 12;
  const total = 12 + 8 + fmtLen + factLen + 8 + dataLen + (dataLen & 1);
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  const put = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) b[at + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  dv.setUint32(4, total - 8, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  dv.setUint32(16, fmtLen, true);
  dv.setUint16(20, encoding === 'pcm16' ? 1 : 7, true);
  dv.setUint16(22, 1, true);
  dv.setUint32(24, p.rate, true);
  dv.setUint32(28, (p.rate * bits) / 8, true);
  dv.setUint16(32, bits / 8, true);
  dv.setUint16(34, bits, true);
  let at = 36;
  if (encoding === 'mulaw') {
    dv.setUint16(36, 0, true);
    put(38, 'fact');
    dv.setUint32(42, 4, true);
    dv.setUint32(46, n, true);
    at = 50;
  }
  put(at, 'data');
  dv.setUint32(at + 4, dataLen, true);
  at += 8;
  for (let i = 0; i < n; i++) {
    const v = Math.max(-1, Math.min(1, p.samples[i]!)) * 32767;
    if (encoding === 'pcm16') dv.setInt16(at + i * 2, Math.round(v), true);
    else b[at + i] = muLawEncode(v);
  }
  return b;
}

export const durationMs = (p: Pcm): number => Math.round((p.samples.length / p.rate) * 1000);
