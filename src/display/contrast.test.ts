/**
 * WCAG 2.x contrast (1.4.6 Contrast (Enhanced), level AAA: at least 7:1) of every colour pair the
 * pages use, read from the CSS variables: in each scheme "--<scheme>-bg", every other
 * "--<scheme>-<role>" colour is text drawn on that background.
 * Relative luminance and contrast ratio: WCAG 2.2, "relative luminance" and "contrast ratio" definitions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assetsDir } from './assets';
import type { Tone } from './view';

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function luminance(hex: string): number {
  const m = /^#([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(hex.trim());
  if (!m) throw new Error(`not a #rgb/#rrggbb colour: ${hex}`);
  const h = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join('') : m[1]!;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

function cssVars(file: string): Map<string, string> {
  const css = readFileSync(join(assetsDir(), file), 'utf8');
  const root = /:root\s*\{([^}]*)\}/.exec(css)?.[1] ?? '';
  return new Map([...root.matchAll(/--([a-z0-9-]+)\s*:\s*([^;]+);/g)].map((m) => [m[1]!, m[2]!.trim()]));
}

function pairs(vars: Map<string, string>): { scheme: string; role: string; fg: string; bg: string }[] {
  const out: { scheme: string; role: string; fg: string; bg: string }[] = [];
  for (const [name, bg] of vars) {
    if (!name.endsWith('-bg')) continue;
    const scheme = name.slice(0, -3);
    for (const [n, fg] of vars) if (n.startsWith(`${scheme}-`) && n !== name) out.push({ scheme, role: n.slice(scheme.length + 1), fg, bg });
  }
  return out;
}

describe('WCAG contrast formula', () => {
  it('gives the reference values', () => {
    expect(contrast('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(contrast('#fff', '#fff')).toBe(1);
  });
});

describe.each(['display.css', 'maintenance.css'])('%s', (file) => {
  const vars = cssVars(file);
  const ps = pairs(vars);

  it('has colour pairs to check', () => {
    expect(ps.length).toBeGreaterThanOrEqual(3);
  });

  it.each(ps.map((p) => [`${p.scheme}-${p.role} on ${p.scheme}-bg`, p] as const))('%s is at least 7:1', (_name, p) => {
    expect(contrast(p.fg, p.bg)).toBeGreaterThanOrEqual(7);
  });
});

describe('display schemes', () => {
  it('every tone the view can produce has a bg/fg pair and a body rule using them', () => {
    const css = readFileSync(join(assetsDir(), 'display.css'), 'utf8');
    const vars = cssVars('display.css');
    const tones: Tone[] = ['neutral', 'busy', 'ok', 'bad', 'warn', 'off'];
    for (const t of tones) {
      expect(vars.has(`${t}-bg`) && vars.has(`${t}-fg`), t).toBe(true);
      expect(css).toContain(`body.tone-${t} { background: var(--${t}-bg); color: var(--${t}-fg); }`);
    }
  });
});
