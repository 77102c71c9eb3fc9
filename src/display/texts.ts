/**
 * The customer display's words, in Chinese and English. Each entry is shown on the page and, where it
 * has a spoken clip, synthesised into audio by speech/generate.ts (the clip's text is `say` or, if
 * absent, the display text). Changing a text here means regenerating the audio (a unit test checks
 * that the committed manifest matches this table).
 */
import type { PromptId } from '../runtime/events';

export interface Bilingual {
  zh: string;
  en: string;
}

/** Idle and instruction prompts (the runtime's PromptId). */
export const PROMPTS: Readonly<Record<PromptId, Bilingual>> = {
  'tap-card': { zh: '请刷卡', en: 'Please tap your card' },
  'tap-or-scan': { zh: '请刷卡或扫码', en: 'Please tap your card or scan your code' },
  'enter-amount': { zh: '请输入金额', en: 'Please enter the amount' },
  processing: { zh: '正在处理', en: 'Processing' },
  approved: { zh: '交易成功', en: 'Approved' },
  welcome: { zh: '欢迎', en: 'Welcome' },
  declined: { zh: '交易失败', en: 'Declined' },
  'remove-card': { zh: '请移开卡片', en: 'Please remove your card' },
  'tap-again': { zh: '请重新刷卡', en: 'Please tap again' },
  'out-of-service': { zh: '暂停服务', en: 'Out of service' },
};

/** Result headlines beyond the prompts: an identity check "verifies", an access gate "does not accept". */
export const HEADLINES = {
  verified: { zh: '核验通过', en: 'Verified' },
  'not-accepted': { zh: '未通过', en: 'Not accepted' },
  'cannot-decide': { zh: '暂时无法处理', en: 'Cannot be processed now' },
  starting: { zh: '正在启动', en: 'Starting' },
  disconnected: { zh: '暂停服务', en: 'Out of service' },
} as const satisfies Record<string, Bilingual>;

/** Labels of the detail rows and the concession words. */
export const LABELS = {
  'amount-paid': { zh: '扣款', en: 'Paid' },
  'amount-due': { zh: '应付', en: 'Amount due' },
  'full-fare': { zh: '原价', en: 'Full fare' },
  balance: { zh: '余额', en: 'Balance' },
  concession: { zh: '优惠', en: 'Concession' },
  'half-fare': { zh: '半价', en: 'Half fare' },
  free: { zh: '免费', en: 'Free' },
  'masked-id': { zh: '证件', en: 'ID' },
} as const satisfies Record<string, Bilingual>;

/** Entitlement categories (core/credential.ts) as the rider reads them. Standard has none. */
export const CONCESSIONS: Readonly<Record<string, Bilingual>> = {
  elderly: { zh: '老年卡', en: 'Elderly card' },
  'elderly-70': { zh: '七十岁以上老人', en: 'Over seventy' },
  disabled: { zh: '残疾人卡', en: 'Disability card' },
  veteran: { zh: '优抚卡', en: 'Veteran card' },
  student: { zh: '学生卡', en: 'Student card' },
  child: { zh: '儿童', en: 'Child' },
};

/**
 * Spoken explanations of a decline, one per family of reasons (reasons.ts maps each code to one).
 * Fewer clips than reason codes: what the rider must DO is what matters when listening.
 */
export const SPOKEN_REASONS = {
  'low-balance': { zh: '余额不足，请充值', en: 'Balance too low. Please top up.' },
  'card-blocked': { zh: '此卡已挂失或停用', en: 'This card is blocked.' },
  'card-not-valid': { zh: '此卡无效', en: 'This card is not valid.' },
  'not-accepted-here': { zh: '此卡不能在此使用', en: 'This card cannot be used here.' },
  'code-invalid': { zh: '此码无效，请刷新', en: 'This code is not valid. Please refresh it.' },
  'already-used': { zh: '请勿重复刷卡', en: 'Already used here.' },
  'over-limit': { zh: '超出限额', en: 'Over the limit.' },
  'tap-again': PROMPTS['tap-again'],
  'see-staff': { zh: '请联系工作人员', en: 'Please ask staff for help.' },
} as const satisfies Record<string, Bilingual>;

export type SpokenReason = keyof typeof SPOKEN_REASONS;
export type HeadlineKey = keyof typeof HEADLINES;
export type LabelKey = keyof typeof LABELS;
