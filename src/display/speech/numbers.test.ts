import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCatalogue } from './phrases';
import { enAmountClips, enInteger, zhAmountClips, zhInteger } from './numbers';

const ZH: Record<string, string> = { n0: '零', n1: '一', n2: '二', n3: '三', n4: '四', n5: '五', n6: '六', n7: '七', n8: '八', n9: '九', liang: '两', shi: '十', bai: '百', qian: '千', wan: '万', yuan: '元', jiao: '角', fen: '分' };
const zhText = (ids: string[]) => ids.map((id) => ZH[id.replace(/^zh\./, '')] ?? `?${id}`).join('');
const catalogue = new Set(buildCatalogue().map((p) => p.id));

describe('Mandarin amounts', () => {
  it.each([
    [0, '零'],
    [1, '一'],
    [10, '十'],
    [15, '十五'],
    [20, '二十'],
    [101, '一百零一'],
    [110, '一百一十'],
    [1001, '一千零一'],
    [1010, '一千零一十'],
    [10000, '一万'],
    [10010, '一万零一十'],
    [100000, '十万'],
    [123456, '十二万三千四百五十六'],
    [1000001, '一百万零一'],
    [20002000, '二千万二千'],
    [99999999, '九千九百九十九万九千九百九十九'],
  ])('%i reads %s', (n, text) => expect(zhText(zhInteger(n))).toBe(text));

  it.each([
    [0, '零元'],
    [5, '五分'],
    [50, '五角'],
    [100, '一元'],
    [200, '两元'],
    [20, '两角'],
    [2, '两分'],
    [105, '一元零五分'],
    [150, '一元五角'],
    [1250, '十二元五角'],
    [2222, '二十二元两角两分'],
    [100000, '一千元'],
  ])('%i fen reads %s', (fen, text) => expect(zhText(zhAmountClips(fen)!)).toBe(text));

  it('does not speak amounts beyond the range, refuses non-fen', () => {
    expect(zhAmountClips(100_000_000 * 100)).toBeNull();
    expect(() => zhAmountClips(1.5)).toThrow(/whole fen/);
    expect(() => zhAmountClips(-1)).toThrow(/whole fen/);
  });
});

describe('English amounts', () => {
  it.each([
    [0, 'zero'],
    [13, 'thirteen'],
    [40, 'forty'],
    [42, 'forty two'],
    [100, 'one hundred'],
    [305, 'three hundred five'],
    [1000, 'one thousand'],
    [12345, 'twelve thousand three hundred forty five'],
    [999999, 'nine hundred ninety nine thousand nine hundred ninety nine'],
  ])('%i reads %s', (n, text) => {
    const words: Record<string, string> = Object.fromEntries(buildCatalogue().filter((p) => p.lang === 'en').map((p) => [p.id.slice(3), p.text]));
    expect(enInteger(n).map((k) => words[k]).join(' ')).toBe(text);
  });

  it('reads yuan and fen', () => {
    expect(enAmountClips(1250)).toEqual(['en.n12', 'en.yuan', 'en.n50', 'en.fen']);
    expect(enAmountClips(5)).toEqual(['en.n5', 'en.fen']);
    expect(enAmountClips(0)).toEqual(['en.n0', 'en.yuan']);
    expect(enAmountClips(1_000_000 * 100)).toBeNull();
  });
});

describe('every amount clip exists in the catalogue', () => {
  it('property: any amount in range uses only catalogued clips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999 * 100 + 99 }), (fen) => {
        for (const id of zhAmountClips(fen)!) expect(catalogue.has(id)).toBe(true);
        for (const id of enAmountClips(fen) ?? []) expect(catalogue.has(id)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('property: zero appears only between digits, never twice in a row, never at the end of the integer', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999_999 }), (n) => {
        const t = zhText(zhInteger(n));
        expect(t).not.toMatch(/零零/);
        expect(t).not.toMatch(/零$/);
        expect(t).not.toMatch(/^零/);
      }),
      { numRuns: 5000 },
    );
  });
});
