/**
 * The page's static files (src/display/assets): found from sources (tsx, vitest) and from the tsup
 * bundle in dist/ alike, through projectRoot(). Loaded once into memory (≈ 1 MB, mostly audio) from a
 * fixed list, so no request path ever reaches the file system.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../core/paths';

/** YKT_DISPLAY_ASSETS overrides (a packaged install with assets elsewhere). */
export function assetsDir(): string {
  return process.env.YKT_DISPLAY_ASSETS ?? join(projectRoot(), 'src', 'display', 'assets');
}

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
  /** Cache-Control value. */
  cache: string;
}

const PAGE_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'display.css': 'text/css; charset=utf-8',
  'display.js': 'text/javascript; charset=utf-8',
  'maintenance.html': 'text/html; charset=utf-8',
  'maintenance.css': 'text/css; charset=utf-8',
  'maintenance.js': 'text/javascript; charset=utf-8',
};

/** URL path ("/display.css", "/audio/zh.prompt.tap-card.wav") → asset. */
export function loadAssets(dir = assetsDir()): Map<string, Asset> {
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`display assets not found in ${dir} (set YKT_DISPLAY_ASSETS to the folder holding index.html)`);
  const out = new Map<string, Asset>();
  const add = (url: string, file: string, contentType: string, cache: string) => {
    const body = readFileSync(file);
    out.set(url, { body, contentType, cache, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  };
  for (const [name, type] of Object.entries(PAGE_FILES)) add(`/${name}`, join(dir, name), type, 'no-cache');
  const audio = join(dir, 'audio');
  if (existsSync(audio)) {
    for (const f of readdirSync(audio)) {
      if (/^[a-z0-9.-]+\.wav$/.test(f)) add(`/audio/${f}`, join(audio, f), 'audio/wav', 'public, max-age=86400');
      else if (f === 'manifest.json') add('/audio/manifest.json', join(audio, f), 'application/json; charset=utf-8', 'no-cache');
    }
  }
  return out;
}
