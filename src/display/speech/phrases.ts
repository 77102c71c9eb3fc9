/**
 * The catalogue of spoken clips: id → language and text. Ids are file names (audio/<id>.wav) and what
 * the page reports in data-last-audio. Built from texts.ts and numbers.ts, so the words shown and the
 * words spoken come from one table.
 */
import { CONCESSIONS, HEADLINES, LABELS, PROMPTS, SPOKEN_REASONS, type Bilingual } from '../texts';
import { EN_SMALL, EN_TENS, EN_WORDS, ZH_DIGITS, ZH_UNITS } from './numbers';

export type Lang = 'zh' | 'en';

export interface Phrase {
  id: string;
  lang: Lang;
  text: string;
}

/** Headlines and labels that are spoken (the others are only shown). */
const SPOKEN_HEADLINES = ['verified', 'not-accepted', 'cannot-decide'] as const;
const SPOKEN_LABELS = ['amount-paid', 'amount-due', 'balance', 'concession', 'half-fare', 'free'] as const;

function both(prefix: string, key: string, t: Bilingual): Phrase[] {
  return [
    { id: `zh.${prefix}.${key}`, lang: 'zh', text: t.zh },
    { id: `en.${prefix}.${key}`, lang: 'en', text: t.en },
  ];
}

export function buildCatalogue(): Phrase[] {
  const out: Phrase[] = [];
  for (const [k, t] of Object.entries(PROMPTS)) out.push(...both('prompt', k, t));
  for (const k of SPOKEN_HEADLINES) out.push(...both('headline', k, HEADLINES[k]));
  for (const k of SPOKEN_LABELS) out.push(...both('label', k, LABELS[k]));
  for (const [k, t] of Object.entries(CONCESSIONS)) out.push(...both('concession', k, t));
  for (const [k, t] of Object.entries(SPOKEN_REASONS)) out.push(...both('reason', k, t));
  ZH_DIGITS.forEach((t, i) => out.push({ id: `zh.n${i}`, lang: 'zh', text: t }));
  for (const [k, t] of Object.entries(ZH_UNITS)) out.push({ id: `zh.${k}`, lang: 'zh', text: t });
  EN_SMALL.forEach((t, i) => out.push({ id: `en.n${i}`, lang: 'en', text: t }));
  for (const [n, t] of Object.entries(EN_TENS)) out.push({ id: `en.n${n}`, lang: 'en', text: t });
  for (const [k, t] of Object.entries(EN_WORDS)) out.push({ id: `en.${k}`, lang: 'en', text: t });
  return out;
}

export const CLIP_ID_RE = /^(zh|en)\.[a-z0-9.-]+$/;
