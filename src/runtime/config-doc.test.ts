// docs/config.md lists every field of the terminal's config, with its type, default and what it does,
// exactly as the schema and its source comments say today (regenerate: npx tsx src/runtime/config-doc.ts --write).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../core/paths';
import { renderConfigDoc } from './config-doc';

const doc = readFileSync(join(projectRoot(), 'docs', 'config.md'), 'utf8');

describe('docs/config.md', () => {
  it('is current with the schema (else run: npx tsx src/runtime/config-doc.ts --write)', () => {
    expect(renderConfigDoc(doc) === doc, 'docs/config.md is out of date: run `npx tsx src/runtime/config-doc.ts --write` and commit it').toBe(true);
  });

  it('describes every field (a field without a comment in its schema source needs one)', () => {
    const rows = doc.split('\n').filter((l) => /^\| `[^`]+` \|/.test(l));
    expect(rows.length).toBeGreaterThan(250);
    const undescribed = rows.filter((l) => /\|\s*\|$/.test(l)).map((l) => l.split('|')[1]!.trim());
    expect(undescribed).toEqual([]);
  });

  it('covers every top-level section and every profile kind', () => {
    for (const s of ['terminal', 'profile', 'ssse', 'reader', 'scanners', 'journal', 'sync', 'downloads', 'ecode', 'transit', 'pboc', 'display', 'log', 'firmware', 'outputs', 'holderTokenKey']) expect(doc).toContain(`### \`${s}\``);
    for (const k of ['"bus"', '"metro"', '"library" | "museum"', '"hospital"', '"canteen"', '"identity"']) expect(doc).toContain(`#### \`kind: ${k}\``);
    expect(doc).toMatch(/\| `journal\.path` \| .* \| `<terminal\.dataDir>\/journal\.sqlite` \|/);
  });
});
