import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assetsDir } from '../assets';
import type { AudioManifest } from './generate-audio';
import { buildCatalogue, CLIP_ID_RE } from './phrases';
import { encodeWav, muLawDecode, muLawEncode, normalise, parseWav, resample, trimSilence, type Pcm } from './wav';

const sine = (hz: number, rate: number, ms: number, amp = 0.5): Pcm => {
  const n = Math.round((rate * ms) / 1000);
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++) s[i] = amp * Math.sin((2 * Math.PI * hz * i) / rate);
  return { rate, samples: s };
};
const rms = (s: Float32Array, from = 0, to = s.length) => {
  let a = 0;
  for (let i = from; i < to; i++) a += s[i]! * s[i]!;
  return Math.sqrt(a / (to - from));
};

describe('G.711 μ-law', () => {
  it('matches the reference end points (ITU-T G.711, bias 0x84)', () => {
    expect(muLawEncode(0)).toBe(0xff);
    expect(muLawEncode(32767)).toBe(0x80);
    expect(muLawEncode(-32768)).toBe(0x00);
    expect(muLawDecode(0xff)).toBe(0);
    expect(muLawDecode(0x80)).toBe(32124);
    expect(muLawDecode(0x00)).toBe(-32124);
  });

  it('round-trips every code, and keeps quantisation error within the segment step', () => {
    for (let b = 0; b < 256; b++) if (b !== 0x7f) expect(muLawEncode(muLawDecode(b))).toBe(b); // 0x7f and 0xff both decode to 0
    for (let v = -32000; v <= 32000; v += 37) {
      const err = Math.abs(muLawDecode(muLawEncode(v)) - v);
      expect(err).toBeLessThanOrEqual(Math.max(8, Math.abs(v) / 16));
    }
  });
});

describe('WAV files', () => {
  it('writes and parses PCM16 and μ-law mono files', () => {
    const p = sine(440, 8000, 100);
    for (const enc of ['pcm16', 'mulaw'] as const) {
      const bytes = encodeWav(p, enc);
      const back = parseWav(bytes);
      expect(back.rate).toBe(8000);
      expect(back.samples.length).toBe(p.samples.length);
      expect(rms(back.samples)).toBeCloseTo(rms(p.samples), 2);
    }
    expect(encodeWav(p, 'mulaw').length).toBe(12 + 8 + 18 + 12 + 8 + 800); // RIFF, fmt (18), fact, data
  });

  it('refuses what it cannot read, with a reason', () => {
    expect(() => parseWav(new Uint8Array(10))).toThrow(/RIFF/);
    const b = encodeWav(sine(440, 8000, 10), 'pcm16');
    b[22] = 2; // stereo
    expect(() => parseWav(b)).toThrow(/mono/);
    const c = encodeWav(sine(440, 8000, 10), 'pcm16');
    new DataView(c.buffer).setUint32(16, 1_000_000, true); // fmt chunk runs past the end
    expect(() => parseWav(c)).toThrow(/past the end/);
  });

  it('trims silence with a margin, normalises the peak, and resamples without aliasing', () => {
    const s = new Float32Array(3000);
    s.set(sine(440, 8000, 100).samples, 1000);
    const t = trimSilence({ rate: 8000, samples: s }, 0.01, 10);
    expect(t.samples.length).toBeGreaterThan(800);
    expect(t.samples.length).toBeLessThan(800 + 2 * 80 + 10);
    const n = normalise(t, 0.5);
    expect(Math.max(...n.samples.map(Math.abs))).toBeCloseTo(0.5, 2);
    // 1 kHz passes 22 050 → 8000; 6 kHz (above the new 4 kHz Nyquist) is filtered out, not folded to 2 kHz.
    const pass = resample(sine(1000, 22050, 200), 8000);
    const stop = resample(sine(6000, 22050, 200), 8000);
    expect(pass.samples.length).toBe(1600);
    expect(rms(pass.samples, 100, 1500)).toBeGreaterThan(0.3);
    expect(rms(stop.samples, 100, 1500)).toBeLessThan(0.02);
  });
});

describe('committed clips', () => {
  const dir = join(assetsDir(), 'audio');
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as AudioManifest;

  it('match the phrase catalogue exactly (regenerate with speech/generate-audio.ts after changing texts)', () => {
    const cat = buildCatalogue();
    expect(Object.keys(manifest.clips).sort()).toEqual(cat.map((p) => p.id).sort());
    for (const p of cat) {
      expect(CLIP_ID_RE.test(p.id)).toBe(true);
      expect(manifest.clips[p.id]!.text, p.id).toBe(p.text);
      expect(manifest.clips[p.id]!.lang).toBe(p.lang);
    }
  });

  it('are small, readable μ-law WAVs of the stated rate and length', () => {
    let total = 0;
    for (const [id, c] of Object.entries(manifest.clips)) {
      const bytes = readFileSync(join(dir, c.file));
      expect(statSync(join(dir, c.file)).size, id).toBe(c.bytes);
      const pcm = parseWav(bytes);
      expect(pcm.rate).toBe(manifest.rate);
      expect(Math.abs((pcm.samples.length / pcm.rate) * 1000 - c.durationMs)).toBeLessThanOrEqual(1);
      expect(c.durationMs, id).toBeGreaterThan(150);
      expect(c.durationMs, id).toBeLessThan(5000);
      total += bytes.length;
    }
    expect(total).toBe(manifest.totalBytes);
    expect(total).toBeLessThan(1.1 * 1024 * 1024);
  });
});
