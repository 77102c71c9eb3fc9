/**
 * Decline and cannot-decide reason codes (stable codes from ssse/accept.ts, transit/reasons.ts,
 * ecode/reasons.ts, journal offline limits, fares) in plain words for the person at the gate, in
 * Chinese and English, and the spoken clip family for each. Unknown codes fall back to a generic
 * Chinese sentence and the event's own plain message in English (DecisionEvent.message).
 */
import type { DecisionEvent } from '../runtime/events';
import { SPOKEN_REASONS, type Bilingual, type SpokenReason } from './texts';

export interface PlainReason extends Bilingual {
  say: SpokenReason;
}

const r = (zh: string, en: string, say: SpokenReason): PlainReason => ({ zh, en, say });

export const PLAIN_REASONS: Readonly<Record<string, PlainReason>> = {
  // Money
  'insufficient-funds': r('余额不足，请充值', 'Balance too low. Please top up.', 'low-balance'),
  'ec-balance-low': r('余额不足，请充值', 'Balance too low. Please top up.', 'low-balance'),
  'debit-refused': r('卡片拒绝扣款，请联系工作人员', 'The card refused the payment. Please ask staff.', 'see-staff'),
  'offline-per-transaction-limit': r('金额超出离线限额，请使用其他方式支付', 'Amount over the offline limit. Please pay another way.', 'over-limit'),
  'offline-count-limit': r('本机离线交易已满，请联系工作人员', 'This terminal cannot take more offline payments. Please ask staff.', 'see-staff'),
  'offline-amount-limit': r('本机离线交易已满，请联系工作人员', 'This terminal cannot take more offline payments. Please ask staff.', 'see-staff'),
  'offline-age-limit': r('本机需要联网，请联系工作人员', 'This terminal must go online. Please ask staff.', 'see-staff'),
  'daily-limit': r('超出每日限额', 'Over the daily limit.', 'over-limit'),
  'quota-exceeded': r('今日名额已满', 'No places left today.', 'over-limit'),
  // Card status
  hotlisted: r('此卡已挂失或停用', 'This card has been reported lost or is blocked.', 'card-blocked'),
  'reported-lost': r('此卡已挂失', 'This card has been reported lost.', 'card-blocked'),
  'app-stopped': r('此卡交通功能已停用', 'The transport function of this card is stopped.', 'card-blocked'),
  'app-locked': r('此卡交通功能已锁定', 'The transport function of this card is locked.', 'card-blocked'),
  'app-not-active': r('此卡交通功能未启用', 'The transport function of this card is not activated.', 'card-not-valid'),
  expired: r('此卡已过期', 'This card has expired.', 'card-not-valid'),
  'not-yet-valid': r('此卡尚未启用', 'This card is not valid yet.', 'card-not-valid'),
  'card-data-invalid': r('卡片数据无效，请联系工作人员', 'The card data is not valid. Please ask staff.', 'see-staff'),
  'card-unreadable': r('无法读卡，请重新刷卡', 'The card could not be read. Please tap again.', 'tap-again'),
  'card-error': r('无法读卡，请重新刷卡', 'The card could not be read. Please tap again.', 'tap-again'),
  torn: r('刷卡中断，请用同一张卡重新刷卡', 'The card was moved away too soon. Please tap the same card again.', 'tap-again'),
  // Not accepted here
  'not-ssc': r('不是社会保障卡', 'This is not a social security card.', 'not-accepted-here'),
  'no-transit-app': r('此卡没有交通功能', 'This card has no transport function.', 'not-accepted-here'),
  'not-accepted-here': r('此卡不能在本市使用', 'This card cannot be used in this city.', 'not-accepted-here'),
  'issuer-not-accepted': r('此卡不能在此使用', 'This card cannot be used here.', 'not-accepted-here'),
  'region-not-accepted': r('此地区的卡不能在此使用', 'Cards from this region cannot be used here.', 'not-accepted-here'),
  'card-type-not-accepted': r('此类卡不能在此使用', 'This type of card cannot be used here.', 'not-accepted-here'),
  'spec-version-not-accepted': r('此类卡不能在此使用', 'This type of card cannot be used here.', 'not-accepted-here'),
  'category-unknown': r('此类卡不能在此使用', 'This type of card cannot be used here.', 'not-accepted-here'),
  'no-metro-record': r('此卡未开通地铁功能', 'This card is not set up for the metro.', 'not-accepted-here'),
  'key-index-unsupported': r('本机不支持此卡，请联系工作人员', 'This terminal cannot use this card. Please ask staff.', 'see-staff'),
  'algorithm-unsupported': r('本机不支持此卡，请联系工作人员', 'This terminal cannot use this card. Please ask staff.', 'see-staff'),
  // Journeys and gates
  'anti-passback': r('刚刚已通过，请勿重复刷卡', 'You passed here a moment ago.', 'already-used'),
  replayed: r('此码已使用，请刷新', 'This code was already used. Please refresh it.', 'code-invalid'),
  'missing-entry': r('没有进站记录，请联系工作人员', 'No entry record found. Please ask staff.', 'see-staff'),
  'missing-exit': r('上次行程没有出站记录，请联系工作人员', 'Your last trip has no exit record. Please ask staff.', 'see-staff'),
  overstay: r('超过停留时间，请联系工作人员', 'Time limit in the station exceeded. Please ask staff.', 'see-staff'),
  'no-reservation': r('没有预约记录', 'No reservation found.', 'see-staff'),
  'fare-refused': r('无法计算票价，请联系工作人员', 'The fare cannot be computed here. Please ask staff.', 'see-staff'),
  'unknown-station': r('无法计算票价，请联系工作人员', 'The fare cannot be computed here. Please ask staff.', 'see-staff'),
  'station-required': r('无法计算票价，请联系工作人员', 'The fare cannot be computed here. Please ask staff.', 'see-staff'),
  'kind-not-allowed': r('无法计算票价，请联系工作人员', 'The fare cannot be computed here. Please ask staff.', 'see-staff'),
  'unknown-profile': r('无法计算票价，请联系工作人员', 'The fare cannot be computed here. Please ask staff.', 'see-staff'),
  // E-code
  malformed: r('无法识别此码，请重新扫码', 'The code could not be read. Please scan again.', 'code-invalid'),
  truncated: r('无法识别此码，请重新扫码', 'The code could not be read. Please scan again.', 'code-invalid'),
  'unsupported-version': r('此码版本不支持', 'This code version is not supported here.', 'code-invalid'),
  'unknown-scheme': r('此码不能在此使用', 'This kind of code cannot be used here.', 'code-invalid'),
  'scheme-not-accepted': r('此码不能在此使用', 'This kind of code cannot be used here.', 'code-invalid'),
  'wrong-scope': r('此码不能在此使用', 'This code was made for another service.', 'code-invalid'),
  'unknown-issuer-key': r('此码无效', 'This code is not valid.', 'code-invalid'),
  'issuer-key-not-valid': r('此码无效', 'This code is not valid.', 'code-invalid'),
  'issuer-key-scope': r('此码无效', 'This code is not valid.', 'code-invalid'),
  'bad-certificate-signature': r('此码无效', 'This code is not valid.', 'code-invalid'),
  'bad-code-signature': r('此码无效', 'This code is not valid.', 'code-invalid'),
  'card-status': r('此卡已挂失或停用', 'The card behind this code is blocked.', 'card-blocked'),
  revoked: r('此码已停用', 'This code has been cancelled.', 'card-blocked'),
  'challenge-missing': r('请刷新后再扫码', 'Please refresh your code and scan again.', 'code-invalid'),
  'challenge-mismatch': r('请刷新后再扫码', 'Please refresh your code and scan again.', 'code-invalid'),
  'certificate-not-yet-valid': r('此码尚未生效', 'This code is not valid yet.', 'code-invalid'),
  'certificate-expired': r('此码已过期，请更新应用', 'This code has expired. Please update the app.', 'code-invalid'),
  'code-expired': r('此码已过期，请刷新', 'This code is too old. Please refresh it.', 'code-invalid'),
  'code-future-dated': r('此码时间有误，请检查手机时间', 'The code time is wrong. Please check your phone clock.', 'code-invalid'),
  // Terminal faults (cannot decide / out of service)
  'no-trust-list': r('本机暂时无法验码，请联系工作人员', 'This terminal cannot check codes now. Please ask staff.', 'see-staff'),
  'trust-list-stale': r('本机暂时无法验码，请联系工作人员', 'This terminal cannot check codes now. Please ask staff.', 'see-staff'),
  'no-revocation-list': r('本机暂时无法验码，请联系工作人员', 'This terminal cannot check codes now. Please ask staff.', 'see-staff'),
  'revocation-list-stale': r('本机暂时无法验码，请联系工作人员', 'This terminal cannot check codes now. Please ask staff.', 'see-staff'),
  'clock-untrusted': r('本机时间有误，请联系工作人员', 'This terminal clock is wrong. Please ask staff.', 'see-staff'),
  'store-unavailable': r('本机暂时无法记录，请联系工作人员', 'This terminal cannot record now. Please ask staff.', 'see-staff'),
  'journal-failed': r('本机暂时无法记录，请联系工作人员', 'This terminal cannot record now. Please ask staff.', 'see-staff'),
  'disk-full': r('本机存储已满，请联系工作人员', 'This terminal storage is full. Please ask staff.', 'see-staff'),
  'sam-failed': r('本机安全模块故障，请联系工作人员', 'Terminal security module fault. Please ask staff.', 'see-staff'),
  'sam-expired': r('本机安全模块过期，请联系工作人员', 'Terminal security module expired. Please ask staff.', 'see-staff'),
  'mac1-rejected': r('卡片安全校验失败，请联系工作人员', 'The card failed a security check. Please ask staff.', 'see-staff'),
  'mac2-invalid': r('卡片安全校验失败，请联系工作人员', 'The card failed a security check. Please ask staff.', 'see-staff'),
  'mac2-unverified': r('扣款未确认，请联系工作人员', 'Payment taken but not confirmed. Please ask staff.', 'see-staff'),
  // Payment application (PBOC / QuickPass / EC)
  'card-declined': r('卡片拒绝交易', 'The card declined the payment.', 'see-staff'),
  'no-payment-app': r('此卡没有支付功能', 'This card has no payment function.', 'not-accepted-here'),
  'gpo-refused': r('卡片拒绝交易', 'The card declined the payment.', 'see-staff'),
  'service-not-allowed': r('此卡不能用于此交易', 'This card cannot be used for this payment.', 'not-accepted-here'),
  'version-mismatch': r('此卡不能在此使用', 'This card cannot be used here.', 'not-accepted-here'),
  'card-expired': r('此卡已过期', 'This card has expired.', 'card-not-valid'),
  'card-not-yet-effective': r('此卡尚未启用', 'This card is not valid yet.', 'card-not-valid'),
  'issuer-cert-revoked': r('此卡已停用，请联系发卡银行', 'This card is blocked. Please contact your bank.', 'card-blocked'),
  'icc-cert-expired': r('卡片证书已过期，请联系发卡银行', 'The card certificate has expired. Please contact your bank.', 'card-not-valid'),
  'sda-failed': r('卡片校验失败，请联系工作人员', 'The card failed a security check. Please ask staff.', 'see-staff'),
  'dda-failed': r('卡片校验失败，请联系工作人员', 'The card failed a security check. Please ask staff.', 'see-staff'),
  'fdda-failed': r('卡片校验失败，请联系工作人员', 'The card failed a security check. Please ask staff.', 'see-staff'),
  'cda-failed': r('卡片校验失败，请联系工作人员', 'The card failed a security check. Please ask staff.', 'see-staff'),
  'oda-not-performed': r('卡片校验失败，请联系工作人员', 'The card could not be checked. Please ask staff.', 'see-staff'),
  'icc-data-missing': r('卡片数据不全，请联系工作人员', 'The card data is incomplete. Please ask staff.', 'see-staff'),
  'capk-unavailable': r('本机暂时无法受理银行卡，请联系工作人员', 'This terminal cannot take bank cards now. Please ask staff.', 'see-staff'),
  'contactless-limit': r('金额超出非接限额，请插卡支付', 'Amount over the contactless limit. Please insert the card.', 'over-limit'),
  'cvm-required': r('此金额需要签名或密码，请联系工作人员', 'This amount needs a signature or PIN. Please ask staff.', 'see-staff'),
  'cvm-failed': r('持卡人验证失败', 'Cardholder verification failed.', 'see-staff'),
  'cvm-online-pin': r('需要联机输入密码，本机暂不支持', 'An online PIN is needed, which this terminal cannot take.', 'see-staff'),
  'cvm-signature-unavailable': r('需要签名，本机暂不支持', 'A signature is needed, which this terminal cannot take.', 'see-staff'),
  'cvm-unrecognised': r('持卡人验证失败', 'Cardholder verification failed.', 'see-staff'),
  'online-pin': r('需要输入密码，本机暂不支持', 'A PIN is needed, which this terminal cannot take.', 'see-staff'),
  'pin-not-entered': r('未输入密码', 'No PIN was entered.', 'see-staff'),
  'pin-pad-missing': r('本机无密码键盘，请联系工作人员', 'This terminal has no PIN pad. Please ask staff.', 'see-staff'),
  'pin-try-limit': r('密码错误次数过多', 'Too many wrong PINs.', 'card-blocked'),
  'online-required': r('此交易需要联网，本机暂时离线', 'This payment needs the network, which is down. Please pay another way.', 'see-staff'),
  'online-unavailable': r('此交易需要联网，本机暂时离线', 'This payment needs the network, which is down. Please pay another way.', 'see-staff'),
  'offline-limits-unavailable': r('本机暂时无法记录，请联系工作人员', 'This terminal cannot record now. Please ask staff.', 'see-staff'),
  'debit-not-applied': r('扣款未完成，请重新刷卡', 'The payment did not complete. Please tap again.', 'tap-again'),
  inconclusive: r('交易结果未知，请联系工作人员', 'The result is not known. Please ask staff.', 'see-staff'),
  interrupted: r('交易中断，请联系工作人员', 'The payment was interrupted. Please ask staff.', 'see-staff'),
  'not-recorded': r('本机暂时无法记录，请联系工作人员', 'This terminal cannot record now. Please ask staff.', 'see-staff'),
  // Cashier (canteen, hospital)
  'no-amount': r('请先由工作人员输入金额', 'Please wait for the cashier to enter the amount.', 'see-staff'),
  'bad-amount': r('金额有误，请联系工作人员', 'The amount is not valid. Please ask staff.', 'see-staff'),
  'payment-in-progress': r('正在处理上一笔交易，请稍候', 'The previous payment is still in progress. Please wait.', 'see-staff'),
  'registration-needs-ssc': r('挂号请使用社会保障卡', 'Please use your social security card to register.', 'not-accepted-here'),
  'holder-data-unavailable': r('无法读取身份信息，请联系工作人员', 'Your identity could not be read. Please ask staff.', 'see-staff'),
  'nothing-to-refund': r('没有可退款的交易', 'There is no sale to refund.', 'see-staff'),
  'already-refunded': r('此笔交易已退款', 'This sale was already refunded.', 'see-staff'),
  'refund-window-passed': r('已超过退款时限，请联系工作人员', 'Too late to refund here. Please ask staff.', 'see-staff'),
  // Venues and codes
  'daily-quota-reached': r('今日入场次数已满', 'You have reached today\'s entry limit.', 'over-limit'),
  'venue-full': r('今日入场人数已满', 'The venue is full today.', 'over-limit'),
  'code-not-accepted': r('此处不受理电子码，请刷卡', 'Codes are not accepted here. Please tap your card.', 'not-accepted-here'),
  'code-unverified': r('此码无法验证，请刷卡', 'This code could not be checked. Please tap your card.', 'code-invalid'),
  'ecode-replayed': r('此码已使用，请刷新', 'This code was already used. Please refresh it.', 'code-invalid'),
  'fares-unavailable': r('本机暂时无法计算票价，请联系工作人员', 'This terminal cannot compute fares now. Please ask staff.', 'see-staff'),
  'fare-profile-unknown': r('无法计算票价，请联系工作人员', 'The fare cannot be computed here. Please ask staff.', 'see-staff'),
  // Reader and terminal
  'card-removed': r('刷卡中断，请重新刷卡', 'The card was moved away too soon. Please tap again.', 'tap-again'),
  'reader-error': r('读卡器故障，请重新刷卡或联系工作人员', 'Reader fault. Please tap again or ask staff.', 'tap-again'),
  'internal-error': r('系统故障，请联系工作人员', 'Something went wrong. Please ask staff.', 'see-staff'),
  'out-of-service': r('暂停服务', 'Out of service.', 'see-staff'),
};

/** Fallback Chinese sentence when the code is unknown (the English line is the event's own message). */
export const GENERIC_REASON_ZH = '无法完成，请联系工作人员';

/** Sentence case and a full stop, so a kernel message "balance too low" reads as a sentence. */
function sentence(s: string): string {
  const t = s.trim();
  if (!t) return 'Please ask staff for help.';
  const first = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?。！？]$/.test(first) ? first : first + '.';
}

/** The plain reason for a decision (approved decisions have none). */
export function plainReason(ev: Pick<DecisionEvent, 'reason' | 'message'>): PlainReason {
  // The e-code verifier prefixes its reasons ("ecode-code-expired"); its codes are listed unprefixed.
  const code = Object.hasOwn(PLAIN_REASONS, ev.reason) ? ev.reason : ev.reason.startsWith('ecode-') ? ev.reason.slice('ecode-'.length) : ev.reason;
  const known = Object.hasOwn(PLAIN_REASONS, code) ? PLAIN_REASONS[code] : undefined;
  if (known) return known;
  return { zh: GENERIC_REASON_ZH, en: sentence(ev.message), say: 'see-staff' };
}

export { SPOKEN_REASONS };
