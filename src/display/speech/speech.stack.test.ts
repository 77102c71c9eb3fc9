/**
 * The clip generator with the real espeak-ng (Debian package; .ci/system-packages.txt): it runs, and
 * regenerating gives the committed bytes (so the committed clips are what the script makes).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assetsDir } from '../assets';
import { buildCatalogue } from './phrases';
import { espeakVersion, synthesise, SYNTH_DEFAULTS } from './synth';
import { parseWav } from './wav';
import type { AudioManifest } from './generate-audio';

describe('espeak-ng synthesis', () => {
  it('espeak-ng is installed (fails loudly otherwise)', () => {
    expect(espeakVersion()).toMatch(/^eSpeak NG text-to-speech: \d/);
  });

  it('reproduces committed clips byte for byte', () => {
    const manifest = JSON.parse(readFileSync(join(assetsDir(), 'audio', 'manifest.json'), 'utf8')) as AudioManifest;
    expect(manifest.generator).toBe(espeakVersion());
    const cat = new Map(buildCatalogue().map((p) => [p.id, p]));
    for (const id of ['zh.prompt.tap-card', 'en.prompt.approved', 'zh.reason.low-balance', 'zh.n7', 'en.n40']) {
      const { wav, durationMs } = synthesise(cat.get(id)!);
      expect(durationMs).toBe(manifest.clips[id]!.durationMs);
      expect(Buffer.from(wav).equals(readFileSync(join(assetsDir(), 'audio', `${id}.wav`))), id).toBe(true);
    }
  });

  it('writes 16 kHz PCM when asked', () => {
    const { wav } = synthesise({ id: 'zh.x', lang: 'zh', text: '请刷卡' }, { ...SYNTH_DEFAULTS, rate: 16_000, encoding: 'pcm16' });
    const pcm = parseWav(wav);
    expect(pcm.rate).toBe(16_000);
    expect(pcm.samples.length / pcm.rate).toBeGreaterThan(0.5);
  });
});
