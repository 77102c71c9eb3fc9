/**
 * What a profile (the rules of one place of use) implements. The terminal loop (terminal.ts) hands it
 * a card on a reader or a scanned code and shows what it returns. A profile returns only decisions that
 * are already durable in the journal (`seq`): the loop refuses to show anything else.
 */
import type { Transmit } from '../../../apdu/transceive';
import type { CredentialSource, EntitlementCategory } from '../../core/credential';
import type { Decision } from '../../core/decision';
import type { Fen } from '../../core/money';
import type { ProfileName, PromptId } from '../events';
import type { Services } from '../services';

export interface CardTap {
  reader: string;
  atr: Uint8Array;
  transmit: Transmit;
  /** The transport-application PSAM (transit profiles), when the terminal has one. */
  sam?: Transmit;
}

export interface CodeScan {
  text: string;
  /** Scanner name. */
  source: string;
}

export interface ProfileResult {
  decision: Decision;
  /** Journal sequence number of the durable record of this decision. */
  seq: bigint;
  source: CredentialSource;
  amountFen?: Fen;
  fullAmountFen?: Fen;
  concession?: EntitlementCategory;
  balanceFen?: Fen;
  maskedId?: string;
  /** Per-stage ms measured inside the profile (read, kernel, journal…). */
  latency?: Record<string, number>;
}

export interface IdleState {
  prompt: PromptId;
  amountFen?: Fen;
}

export interface Profile {
  readonly name: ProfileName;
  idle(): IdleState;
  onCard(tap: CardTap): Promise<ProfileResult>;
  onCode(scan: CodeScan): Promise<ProfileResult>;
  /** Background upkeep (torn-transaction sweeps…), called every few seconds. */
  tick?(): Promise<void>;
  close?(): Promise<void>;
}

export interface ProfileContext {
  services: Services;
  /** The PSAM slot's transmit (transit), when configured. */
  sam?: () => Transmit | undefined;
}

export type ProfileFactory = (ctx: ProfileContext) => Profile;
