/**
 * Synthesis of the spoken clips with espeak-ng (Debian package espeak-ng; .ci/system-packages.txt).
 * Only the generator script and its stack test use this: the committed clips make `npm start` work on
 * machines without espeak-ng.
 *
 * Format: 8 kHz G.711 μ-law WAV, the telephone voice-prompt format (IVR systems), ≈ 8 KB per second
 * of speech: the whole set (≈ 120 clips, two languages) stays near 1 MB. 16 kHz 16-bit PCM would be
 * four times larger; `generate-audio.ts --encoding pcm16 --rate 16000` makes that if wanted.
 */
import { execFileSync } from 'node:child_process';
import type { Lang, Phrase } from './phrases';
import { durationMs, encodeWav, normalise, parseWav, resample, trimSilence, type WavEncoding } from './wav';

export interface SynthOptions {
  /** espeak-ng voice per language. */
  voices: Record<Lang, string>;
  /** Words per minute (espeak-ng -s) per language: a little slower than the default 175 for elderly listeners. */
  wpm: Record<Lang, number>;
  rate: number;
  encoding: WavEncoding;
  espeak: string;
}

export const SYNTH_DEFAULTS: SynthOptions = { voices: { zh: 'cmn', en: 'en-us' }, wpm: { zh: 165, en: 160 }, rate: 8000, encoding: 'mulaw', espeak: 'espeak-ng' };

export function espeakVersion(espeak = SYNTH_DEFAULTS.espeak): string {
  try {
    return execFileSync(espeak, ['--version'], { encoding: 'utf8' }).trim().split('\n')[0]!.replace(/\s+Data at:.*$/, '');
  } catch (e) {
    throw new Error(`${espeak} is not installed or does not run (apt-get install espeak-ng): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** One clip: espeak-ng to stdout, trimmed, normalised, resampled and encoded. */
export function synthesise(p: Phrase, opts: SynthOptions = SYNTH_DEFAULTS): { wav: Uint8Array; durationMs: number } {
  const raw = execFileSync(opts.espeak, ['-v', opts.voices[p.lang], '-s', String(opts.wpm[p.lang]), '--stdout', p.text], { maxBuffer: 16 * 1024 * 1024 });
  const pcm = resample(normalise(trimSilence(parseWav(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)))), opts.rate);
  if (pcm.samples.length === 0) throw new Error(`espeak-ng produced silence for ${p.id} ("${p.text}")`);
  return { wav: encodeWav(pcm, opts.encoding), durationMs: durationMs(pcm) };
}
