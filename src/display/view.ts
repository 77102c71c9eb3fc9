/**
 * TerminalState → what the customer display shows and says (a pure function). The page only renders
 * this: texts, rows, a tone (colour scheme) AND an icon shape, so no information is carried by colour
 * alone (WCAG 1.4.1), and the list of audio clips to play in order.
 */
import { formatYuan, type Fen } from '../core/money';
import type { DecisionEvent, ProfileName, PromptId, TerminalState } from '../runtime/events';
import { scrubText } from '../log/detect';
import type { DisplayConfig } from './config';
import { plainReason, PLAIN_REASONS } from './reasons';
import { enAmountClips, zhAmountClips } from './speech/numbers';
import type { Lang } from './speech/phrases';
import { CONCESSIONS, HEADLINES, LABELS, PROMPTS, type Bilingual, type LabelKey } from './texts';

export type ViewKind = 'idle' | 'processing' | 'approved' | 'declined' | 'cannot-decide' | 'out-of-service';
/** Colour scheme; each is paired with an icon shape and words. */
export type Tone = 'neutral' | 'busy' | 'ok' | 'bad' | 'warn' | 'off';
export type Icon = 'tap' | 'scan' | 'amount' | 'wait' | 'check' | 'cross' | 'alert' | 'stop';
export type RowKey = 'amount' | 'full-fare' | 'balance' | 'concession' | 'masked-id';

export interface DisplayRow {
  key: RowKey;
  label: Bilingual;
  /** The value as shown under both languages (amounts are the same in both). */
  value: Bilingual;
}

export interface DisplayView {
  /** Increases with every view the hub publishes (the page ignores older ones). */
  seq: number;
  atMs: number;
  kind: ViewKind;
  tone: Tone;
  icon: Icon;
  profile?: ProfileName;
  headline: Bilingual;
  rows: DisplayRow[];
  reason?: Bilingual;
  /** Clip ids to play in order ([] = silence). */
  audio: string[];
  volume: number;
  /** Return to idle after this many ms (results only), informative. */
  holdMs?: number;
}

export interface ViewContext {
  config: Pick<DisplayConfig, 'speech' | 'showMaskedIdFor' | 'approvedHoldMs' | 'declinedHoldMs'>;
  /** Clip ids that exist (the manifest); a clip not in it is left out rather than failing to play. */
  clips: ReadonlySet<string>;
}

const money = (fen: Fen): Bilingual => ({ zh: `¥${formatYuan(fen)}`, en: `¥${formatYuan(fen)}` });
const row = (key: RowKey, label: LabelKey, value: Bilingual): DisplayRow => ({ key, label: LABELS[label], value });

/** Profiles that take payment by default (a decline is "交易失败"); the others admit or identify. */
const PAYMENT_PROFILES: ReadonlySet<ProfileName> = new Set(['bus', 'canteen']);
/** Profiles whose approval without an amount is an identity check. */
const IDENTITY_PROFILES: ReadonlySet<ProfileName> = new Set(['identity', 'hospital']);
/** Idle prompts that are routine: spoken only with speech.idlePrompt. */
const ROUTINE_PROMPTS: ReadonlySet<PromptId> = new Set(['tap-card', 'tap-or-scan', 'welcome']);

const PROMPT_ICON: Record<PromptId, Icon> = {
  'tap-card': 'tap',
  'tap-or-scan': 'scan',
  'enter-amount': 'amount',
  processing: 'wait',
  approved: 'check',
  welcome: 'check',
  declined: 'cross',
  'remove-card': 'alert',
  'tap-again': 'alert',
  'out-of-service': 'stop',
};

/** Concession words: "老年卡 半价" / "Elderly card: half fare", with the spoken clip keys. */
export function concessionText(ev: Pick<DecisionEvent, 'concession' | 'amountFen' | 'fullAmountFen'>): { text: Bilingual; say: string[] } | undefined {
  const cat = ev.concession;
  if (!cat || cat === 'standard') return undefined;
  const who = Object.hasOwn(CONCESSIONS, cat) ? CONCESSIONS[cat]! : LABELS.concession;
  const sayWho = Object.hasOwn(CONCESSIONS, cat) ? [`concession.${cat}`] : [];
  const full = ev.fullAmountFen;
  const paid = ev.amountFen;
  let what: Bilingual = LABELS.concession;
  let sayWhat = 'label.concession';
  if (full !== undefined && paid !== undefined && full > 0 && paid <= full) {
    if (paid === 0) {
      what = LABELS.free;
      sayWhat = 'label.free';
    } else if (paid * 2 === full) {
      what = LABELS['half-fare'];
      sayWhat = 'label.half-fare';
    } else if ((paid * 10) % full === 0) what = { zh: `${(paid * 10) / full}折`, en: `${100 - (paid * 100) / full}% off` };
    else what = { zh: `优惠 ¥${formatYuan(full - paid)}`, en: `¥${formatYuan(full - paid)} off` };
  }
  const en = what.en.toLowerCase();
  return { text: { zh: `${who.zh} ${what.zh}`, en: `${who.en}: ${en}` }, say: [...sayWho, sayWhat] };
}

/** Spoken parts per language, each part a list of clip keys without the language prefix or full ids. */
type Speech = (lang: Lang) => string[];

function speak(ctx: ViewContext, parts: Speech): string[] {
  const sp = ctx.config.speech;
  if (!sp.enabled) return [];
  const out: string[] = [];
  for (const lang of sp.languages) for (const k of parts(lang)) out.push(k.startsWith(`${lang}.`) ? k : `${lang}.${k}`);
  return out.filter((id) => ctx.clips.has(id));
}

function amountClips(lang: Lang, fen: Fen): string[] {
  return (lang === 'zh' ? zhAmountClips(fen) : enAmountClips(fen)) ?? [];
}

const scrub = (b: Bilingual): Bilingual => ({ zh: scrubText(b.zh), en: scrubText(b.en) });

function resultView(ev: DecisionEvent, ctx: ViewContext): Omit<DisplayView, 'seq' | 'atMs' | 'volume'> {
  const rows: DisplayRow[] = [];
  const conc = ev.outcome === 'approved' ? concessionText(ev) : undefined;
  if (ev.amountFen !== undefined) rows.push(row('amount', ev.outcome === 'approved' ? 'amount-paid' : 'amount-due', money(ev.amountFen)));
  if (conc && ev.fullAmountFen !== undefined && ev.fullAmountFen !== ev.amountFen) rows.push(row('full-fare', 'full-fare', money(ev.fullAmountFen)));
  if (conc) rows.push(row('concession', 'concession', conc.text));
  if (ev.balanceFen !== undefined) rows.push(row('balance', 'balance', money(ev.balanceFen)));
  if (ev.maskedId && (ctx.config.showMaskedIdFor as readonly string[]).includes(ev.profile)) rows.push(row('masked-id', 'masked-id', { zh: scrubText(ev.maskedId), en: scrubText(ev.maskedId) }));

  const balanceSpeech = (lang: Lang) => (ev.balanceFen !== undefined ? ['label.balance', ...amountClips(lang, ev.balanceFen)] : []);

  if (ev.outcome === 'approved') {
    const payment = ev.amountFen !== undefined;
    const headKey = payment ? 'prompt.approved' : IDENTITY_PROFILES.has(ev.profile) ? 'headline.verified' : 'prompt.welcome';
    const headline = payment ? PROMPTS.approved : IDENTITY_PROFILES.has(ev.profile) ? HEADLINES.verified : PROMPTS.welcome;
    const audio = speak(ctx, (lang) => [
      headKey,
      ...(conc?.say ?? []),
      ...(ev.amountFen ? ['label.amount-paid', ...amountClips(lang, ev.amountFen)] : []),
      ...balanceSpeech(lang),
    ]);
    return { kind: 'approved', tone: 'ok', icon: 'check', profile: ev.profile, headline, rows, audio, holdMs: ctx.config.approvedHoldMs };
  }

  const reason = plainReason(ev);
  const retry = reason.say === 'tap-again';
  if (ev.outcome === 'cannot-decide') {
    const audio = speak(ctx, () => ['headline.cannot-decide', `reason.${reason.say}`]);
    return { kind: 'cannot-decide', tone: 'warn', icon: 'alert', profile: ev.profile, headline: HEADLINES['cannot-decide'], rows, reason: scrub(reason), audio, holdMs: ctx.config.declinedHoldMs };
  }
  const payment = ev.amountFen !== undefined || PAYMENT_PROFILES.has(ev.profile);
  const headline = retry ? PROMPTS['tap-again'] : payment ? PROMPTS.declined : HEADLINES['not-accepted'];
  const headKey = retry ? 'prompt.tap-again' : payment ? 'prompt.declined' : 'headline.not-accepted';
  const audio = speak(ctx, (lang) => [headKey, ...(retry ? [] : [`reason.${reason.say}`]), ...(reason.say === 'low-balance' ? balanceSpeech(lang) : [])]);
  return { kind: 'declined', tone: retry ? 'warn' : 'bad', icon: retry ? 'alert' : 'cross', profile: ev.profile, headline, rows, reason: scrub(reason), audio, holdMs: ctx.config.declinedHoldMs };
}

/** Out-of-service reasons are codes; unknown ones are not shown to customers (they go to the logs). */
function outOfServiceView(reason: string, ctx: ViewContext): Omit<DisplayView, 'seq' | 'atMs' | 'volume'> {
  if (reason === 'starting') return { kind: 'out-of-service', tone: 'off', icon: 'wait', headline: HEADLINES.starting, rows: [], audio: [] };
  const known = Object.hasOwn(PLAIN_REASONS, reason) ? PLAIN_REASONS[reason] : undefined;
  const text: Bilingual = known ?? { zh: '请使用其他设备或联系工作人员', en: 'Please use another terminal or ask staff.' };
  return { kind: 'out-of-service', tone: 'off', icon: 'stop', headline: PROMPTS['out-of-service'], rows: [], reason: scrub(text), audio: speak(ctx, () => ['prompt.out-of-service']) };
}

export function buildView(state: TerminalState, ctx: ViewContext, seq: number, atMs: number): DisplayView {
  const volume = ctx.config.speech.volume;
  switch (state.kind) {
    case 'idle': {
      const rows = state.amountFen !== undefined ? [row('amount', 'amount-due', money(state.amountFen))] : [];
      const routine = ROUTINE_PROMPTS.has(state.prompt) && state.amountFen === undefined;
      const audio = routine && !ctx.config.speech.idlePrompt ? [] : speak(ctx, (lang) => [`prompt.${state.prompt}`, ...(state.amountFen !== undefined ? ['label.amount-due', ...amountClips(lang, state.amountFen)] : [])]);
      const warn = state.prompt === 'tap-again' || state.prompt === 'remove-card';
      return { seq, atMs, volume, kind: 'idle', tone: warn ? 'warn' : state.prompt === 'out-of-service' ? 'off' : 'neutral', icon: PROMPT_ICON[state.prompt], profile: state.profile, headline: PROMPTS[state.prompt], rows, audio };
    }
    case 'processing':
      return { seq, atMs, volume, kind: 'processing', tone: 'busy', icon: 'wait', profile: state.profile, headline: PROMPTS.processing, rows: [], audio: [] };
    case 'result':
      return { seq, atMs, volume, ...resultView(state.decision, ctx) };
    case 'out-of-service':
      return { seq, atMs, volume, ...outOfServiceView(state.reason, ctx) };
  }
}
