/**
 * Regenerate the spoken clips and their manifest:
 *   npx tsx src/display/speech/generate-audio.ts [--out DIR] [--encoding mulaw|pcm16] [--rate HZ] [--wpm N]
 * Writes DIR/<clip id>.wav and DIR/manifest.json (no time stamps: the same espeak-ng gives the same
 * bytes), and removes clips no longer in the catalogue. Default DIR: src/display/assets/audio.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../core/paths';
import { buildCatalogue, CLIP_ID_RE } from './phrases';
import { espeakVersion, synthesise, SYNTH_DEFAULTS, type SynthOptions } from './synth';

export interface ManifestClip {
  lang: 'zh' | 'en';
  text: string;
  file: string;
  bytes: number;
  durationMs: number;
}
export interface AudioManifest {
  generator: string;
  voices: Record<'zh' | 'en', string>;
  wpm: Record<'zh' | 'en', number>;
  rate: number;
  encoding: string;
  totalBytes: number;
  clips: Record<string, ManifestClip>;
}

export function generateAudio(outDir: string, opts: SynthOptions = SYNTH_DEFAULTS, log: (s: string) => void = () => {}): AudioManifest {
  const generator = espeakVersion(opts.espeak);
  mkdirSync(outDir, { recursive: true });
  const clips: Record<string, ManifestClip> = {};
  let totalBytes = 0;
  const phrases = buildCatalogue().sort((a, b) => a.id.localeCompare(b.id));
  for (const p of phrases) {
    if (!CLIP_ID_RE.test(p.id)) throw new Error(`clip id "${p.id}" is not a safe file name`);
    const { wav, durationMs } = synthesise(p, opts);
    const file = `${p.id}.wav`;
    writeFileSync(join(outDir, file), wav);
    clips[p.id] = { lang: p.lang, text: p.text, file, bytes: wav.length, durationMs };
    totalBytes += wav.length;
    log(`${file.padEnd(32)} ${String(wav.length).padStart(6)} B ${String(durationMs).padStart(5)} ms  ${p.text}`);
  }
  for (const f of readdirSync(outDir)) if (f.endsWith('.wav') && !clips[f.slice(0, -4)]) rmSync(join(outDir, f));
  const manifest: AudioManifest = { generator, voices: opts.voices, wpm: opts.wpm, rate: opts.rate, encoding: opts.encoding, totalBytes, clips };
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}

function main(argv: string[]): void {
  const opts = { ...SYNTH_DEFAULTS };
  let out = join(projectRoot(), 'src/display/assets/audio');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--out' && v) out = v;
    else if (a === '--encoding' && (v === 'mulaw' || v === 'pcm16')) opts.encoding = v;
    else if (a === '--rate' && v) opts.rate = Number(v);
    else if (a === '--wpm' && v) opts.wpm = { zh: Number(v), en: Number(v) };
    else throw new Error(`unknown or incomplete option ${a}: usage generate-audio.ts [--out DIR] [--encoding mulaw|pcm16] [--rate HZ] [--wpm N]`);
    i++; // the option's value
  }
  const m = generateAudio(out, opts, (s) => console.log(s));
  console.log(`${Object.keys(m.clips).length} clips, ${m.totalBytes} bytes, ${m.encoding} ${m.rate} Hz → ${out}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
