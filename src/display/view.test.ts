import { describe, expect, it } from 'vitest';
import { parseDisplayConfig } from './config';
import { loadClipIds } from './hub';
import { GENERIC_REASON_ZH, PLAIN_REASONS, plainReason } from './reasons';
import { SPOKEN_REASONS } from './texts';
import { buildView, concessionText, type ViewContext } from './view';
import { TRANSIT_REASONS } from '../transit/reasons';
import { CANNOT_DECIDE_REASONS, INVALID_REASONS } from '../ecode/reasons';
import { decision } from './testing/fixtures';

const clips = loadClipIds();
const ctx = (over: Record<string, unknown> = {}): ViewContext => ({ config: parseDisplayConfig(over), clips });


describe('result views', () => {
  it('approved bus fare with an elderly half fare: rows, words and spoken clips', () => {
    const v = buildView({ kind: 'result', decision: decision({ amountFen: 100, fullAmountFen: 200, concession: 'elderly', balanceFen: 1250 }) }, ctx(), 7, 0);
    expect(v).toMatchObject({ seq: 7, kind: 'approved', tone: 'ok', icon: 'check', headline: { zh: '交易成功', en: 'Approved' }, holdMs: 3000 });
    expect(v.rows).toEqual([
      { key: 'amount', label: { zh: '扣款', en: 'Paid' }, value: { zh: '¥1.00', en: '¥1.00' } },
      { key: 'full-fare', label: { zh: '原价', en: 'Full fare' }, value: { zh: '¥2.00', en: '¥2.00' } },
      { key: 'concession', label: { zh: '优惠', en: 'Concession' }, value: { zh: '老年卡 半价', en: 'Elderly card: half fare' } },
      { key: 'balance', label: { zh: '余额', en: 'Balance' }, value: { zh: '¥12.50', en: '¥12.50' } },
    ]);
    expect(v.audio).toEqual([
      'zh.prompt.approved', 'zh.concession.elderly', 'zh.label.half-fare', 'zh.label.amount-paid', 'zh.n1', 'zh.yuan', 'zh.label.balance', 'zh.shi', 'zh.n2', 'zh.yuan', 'zh.n5', 'zh.jiao',
      'en.prompt.approved', 'en.concession.elderly', 'en.label.half-fare', 'en.label.amount-paid', 'en.n1', 'en.yuan', 'en.label.balance', 'en.n12', 'en.yuan', 'en.n50', 'en.fen',
    ]);
  });

  it('concessions: free, tenths, other discounts, unknown categories, standard', () => {
    expect(concessionText({ concession: 'disabled', amountFen: 0, fullAmountFen: 200 })?.text).toEqual({ zh: '残疾人卡 免费', en: 'Disability card: free' });
    expect(concessionText({ concession: 'student', amountFen: 160, fullAmountFen: 200 })?.text).toEqual({ zh: '学生卡 8折', en: 'Student card: 20% off' });
    expect(concessionText({ concession: 'veteran', amountFen: 150, fullAmountFen: 210 })?.text).toEqual({ zh: '优抚卡 优惠 ¥0.60', en: 'Veteran card: ¥0.60 off' });
    expect(concessionText({ concession: 'city-employee', amountFen: 100, fullAmountFen: 200 })).toEqual({ text: { zh: '优惠 半价', en: 'Concession: half fare' }, say: ['label.half-fare'] });
    expect(concessionText({ concession: 'standard', amountFen: 200, fullAmountFen: 200 })).toBeUndefined();
  });

  it('library entry and identity check: welcome and verified, masked id only where configured', () => {
    const lib = buildView({ kind: 'result', decision: decision({ profile: 'library', source: 'ecode', maskedId: '4101**********23' }) }, ctx(), 1, 0);
    expect(lib.headline).toEqual({ zh: '欢迎', en: 'Welcome' });
    expect(lib.rows).toEqual([]);
    const id = buildView({ kind: 'result', decision: decision({ profile: 'identity', source: 'ssse-card', maskedId: '4101**********23' }) }, ctx(), 1, 0);
    expect(id.headline).toEqual({ zh: '核验通过', en: 'Verified' });
    expect(id.rows).toEqual([{ key: 'masked-id', label: { zh: '证件', en: 'ID' }, value: { zh: '4101**********23', en: '4101**********23' } }]);
  });

  it('a clear ID number or PAN that slipped into a shown field is masked anyway', () => {
    const v = buildView({ kind: 'result', decision: decision({ profile: 'identity', maskedId: '11010519491231002X', outcome: 'declined', reason: 'weird', message: 'card 6228480402564890018 refused' }) }, ctx(), 1, 0);
    const text = JSON.stringify(v);
    expect(text).not.toContain('11010519491231002X');
    expect(text).not.toContain('6228480402564890018');
    expect(text).toContain('1101************2X');
  });

  it('declines: plain reason in both languages, spoken family, payment vs access wording', () => {
    const low = buildView({ kind: 'result', decision: decision({ outcome: 'declined', reason: 'insufficient-funds', message: 'balance too low: please top up', amountFen: 200, balanceFen: 50 }) }, ctx(), 1, 0);
    expect(low).toMatchObject({ kind: 'declined', tone: 'bad', icon: 'cross', headline: { zh: '交易失败', en: 'Declined' }, reason: { zh: '余额不足，请充值', en: 'Balance too low. Please top up.' }, holdMs: 6000 });
    expect(low.rows.map((r) => r.key)).toEqual(['amount', 'balance']);
    expect(low.audio).toEqual(['zh.prompt.declined', 'zh.reason.low-balance', 'zh.label.balance', 'zh.n5', 'zh.jiao', 'en.prompt.declined', 'en.reason.low-balance', 'en.label.balance', 'en.n50', 'en.fen']);

    const gate = buildView({ kind: 'result', decision: decision({ profile: 'museum', outcome: 'declined', reason: 'anti-passback', message: 'x' }) }, ctx(), 1, 0);
    expect(gate.headline).toEqual({ zh: '未通过', en: 'Not accepted' });
    expect(gate.audio).toEqual(['zh.headline.not-accepted', 'zh.reason.already-used', 'en.headline.not-accepted', 'en.reason.already-used']);

    const torn = buildView({ kind: 'result', decision: decision({ outcome: 'declined', reason: 'torn', message: 'x' }) }, ctx(), 1, 0);
    expect(torn).toMatchObject({ tone: 'warn', icon: 'alert', headline: { zh: '请重新刷卡', en: 'Please tap again' } });
  });

  it('unknown reason: generic Chinese sentence and the event message as an English sentence', () => {
    expect(plainReason({ reason: 'brand-new-code', message: 'the moon is in the wrong phase' })).toEqual({ zh: GENERIC_REASON_ZH, en: 'The moon is in the wrong phase.', say: 'see-staff' });
    expect(plainReason({ reason: 'toString', message: '' }).en).toBe('Please ask staff for help.');
  });

  it('cannot decide: warning scheme, its own headline', () => {
    const v = buildView({ kind: 'result', decision: decision({ outcome: 'cannot-decide', source: 'ecode', reason: 'trust-list-stale', message: 'x' }) }, ctx(), 1, 0);
    expect(v).toMatchObject({ kind: 'cannot-decide', tone: 'warn', icon: 'alert', headline: { zh: '暂时无法处理', en: 'Cannot be processed now' } });
    expect(v.audio).toEqual(['zh.headline.cannot-decide', 'zh.reason.see-staff', 'en.headline.cannot-decide', 'en.reason.see-staff']);
  });

  it('every reason code of the kernels has plain words (transit, e-code)', () => {
    const codes = [...Object.keys(TRANSIT_REASONS), ...Object.keys(INVALID_REASONS), ...Object.keys(CANNOT_DECIDE_REASONS)].filter((c) => c !== 'ok' && c !== 'torn-recovered');
    for (const c of codes) expect(PLAIN_REASONS[c], c).toBeDefined();
    for (const r of Object.values(PLAIN_REASONS)) expect(SPOKEN_REASONS[r.say]).toBeDefined();
  });
});

describe('idle, processing, out of service', () => {
  it('routine idle is silent unless configured; idle with an amount speaks it', () => {
    expect(buildView({ kind: 'idle', profile: 'bus', prompt: 'tap-or-scan' }, ctx(), 1, 0)).toMatchObject({ kind: 'idle', tone: 'neutral', icon: 'scan', headline: { zh: '请刷卡或扫码', en: 'Please tap your card or scan your code' }, audio: [] });
    expect(buildView({ kind: 'idle', profile: 'bus', prompt: 'tap-card' }, ctx({ speech: { idlePrompt: true, languages: ['zh'] } }), 1, 0).audio).toEqual(['zh.prompt.tap-card']);
    const due = buildView({ kind: 'idle', profile: 'canteen', prompt: 'tap-card', amountFen: 1250 }, ctx({ speech: { languages: ['zh'] } }), 1, 0);
    expect(due.rows).toEqual([{ key: 'amount', label: { zh: '应付', en: 'Amount due' }, value: { zh: '¥12.50', en: '¥12.50' } }]);
    expect(due.audio).toEqual(['zh.prompt.tap-card', 'zh.label.amount-due', 'zh.shi', 'zh.n2', 'zh.yuan', 'zh.n5', 'zh.jiao']);
    expect(buildView({ kind: 'idle', profile: 'bus', prompt: 'remove-card' }, ctx(), 1, 0)).toMatchObject({ tone: 'warn', icon: 'alert', audio: ['zh.prompt.remove-card', 'en.prompt.remove-card'] });
  });

  it('speech can be switched off; clips missing from the manifest are left out', () => {
    const d = decision({ amountFen: 100 });
    expect(buildView({ kind: 'result', decision: d }, ctx({ speech: { enabled: false } }), 1, 0).audio).toEqual([]);
    expect(buildView({ kind: 'result', decision: d }, { config: parseDisplayConfig({}), clips: new Set(['zh.prompt.approved']) }, 1, 0).audio).toEqual(['zh.prompt.approved']);
  });

  it('processing and out of service', () => {
    expect(buildView({ kind: 'processing', profile: 'bus' }, ctx(), 1, 0)).toMatchObject({ kind: 'processing', tone: 'busy', icon: 'wait', audio: [] });
    expect(buildView({ kind: 'out-of-service', reason: 'journal-failed' }, ctx(), 1, 0)).toMatchObject({ kind: 'out-of-service', tone: 'off', icon: 'stop', headline: { zh: '暂停服务', en: 'Out of service' }, reason: { zh: '本机暂时无法记录，请联系工作人员' }, audio: ['zh.prompt.out-of-service', 'en.prompt.out-of-service'] });
    // internal text is not shown to customers
    expect(buildView({ kind: 'out-of-service', reason: 'EIO at /var/lib/yikatong' }, ctx(), 1, 0).reason).toEqual({ zh: '请使用其他设备或联系工作人员', en: 'Please use another terminal or ask staff.' });
    expect(buildView({ kind: 'out-of-service', reason: 'starting' }, ctx(), 1, 0)).toMatchObject({ headline: { zh: '正在启动', en: 'Starting' }, audio: [] });
  });
});

describe('config', () => {
  it('defaults to loopback and refuses remote binding without a token', () => {
    const c = parseDisplayConfig(undefined);
    expect(c).toMatchObject({ enabled: true, host: '127.0.0.1', port: 8480, approvedHoldMs: 3000, declinedHoldMs: 6000, speech: { enabled: true, languages: ['zh', 'en'], idlePrompt: false } });
    expect(() => parseDisplayConfig({ host: '0.0.0.0' })).toThrow(/display\.host: "0\.0\.0\.0" is not a loopback address/);
    expect(() => parseDisplayConfig({ host: '0.0.0.0', allowRemote: true })).toThrow(/display\.maintenance\.token: required/);
    expect(parseDisplayConfig({ host: '0.0.0.0', allowRemote: true, maintenance: { token: 'a-long-enough-token' } }).allowRemote).toBe(true);
    expect(() => parseDisplayConfig({ port: 70000 })).toThrow(/display\.port/);
    expect(() => parseDisplayConfig({ maintenance: { token: 'short' } })).toThrow(/display\.maintenance\.token: at least 16/);
  });
});
