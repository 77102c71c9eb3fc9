/**
 * What the runtime tells its outputs (customer display, maintenance page, gate relay, buzzer, metrics,
 * logs). Personal data never appears here: only masked identifiers and tokens.
 */
import type { CredentialSource, EntitlementCategory } from '../core/credential';
import type { Outcome } from '../core/decision';
import type { Fen } from '../core/money';

export type ProfileName = 'bus' | 'metro-entry' | 'metro-exit' | 'metro' | 'library' | 'museum' | 'hospital' | 'canteen' | 'identity';

/** The terminal's state for the display: idle prompt, working, result, out of service. */
export type TerminalState =
  | { kind: 'idle'; profile: ProfileName; prompt: PromptId; amountFen?: Fen }
  | { kind: 'processing'; profile: ProfileName }
  | { kind: 'result'; decision: DecisionEvent }
  | { kind: 'out-of-service'; reason: string };

/** Prompt identifiers; the display maps each to bilingual text and a spoken audio file. */
export type PromptId =
  | 'tap-card' // 请刷卡 / Please tap your card
  | 'tap-or-scan' // 请刷卡或扫码 / Please tap your card or scan your code
  | 'enter-amount' // 请输入金额 / Enter the amount
  | 'processing' // 正在处理 / Processing
  | 'approved' // 交易成功 / Approved
  | 'welcome' // 欢迎 / Welcome
  | 'declined' // 交易失败 / Declined
  | 'remove-card' // 请移开卡片 / Please remove your card
  | 'tap-again' // 请重新刷卡 / Please tap again
  | 'out-of-service'; // 暂停服务 / Out of service

export interface DecisionEvent {
  /** Journal sequence number of the durable record (decimal string: 64-bit). */
  seq: string;
  atMs: number;
  profile: ProfileName;
  device: string;
  source: CredentialSource;
  outcome: Outcome;
  /** Stable reason code and its plain-words message for the customer. */
  reason: string;
  message: string;
  amountFen?: Fen;
  /** Fare or price before the concession, when a concession applied. */
  fullAmountFen?: Fen;
  concession?: EntitlementCategory;
  balanceFen?: Fen;
  /** Masked identifier for the maintenance page ("A******01", "6228 48** **** 8901"). */
  maskedId?: string;
  /** Per-stage latency in ms: read, decide, journal, total. */
  latency: Record<string, number>;
}
