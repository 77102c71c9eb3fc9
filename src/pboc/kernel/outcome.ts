/**
 * What a PBOC payment ends with: a Decision (src/core/decision.ts: outcome, reason code, plain message)
 * extended with what the screen, the receipt and the clearing backend need. The PAN never leaves the
 * kernel in clear: `panToken` (the journal's tokeniser) for matching, `panMasked` (6 + 4) for display.
 */
import type { Decision } from '../../core/decision';
import type { OdaReport } from './oda-run';
import type { CryptogramType } from './commands';

/** EMV authorisation response codes for offline outcomes (DOMAIN.md §3): Y1/Z1 offline, Y3/Z3 unable to go online. */
export type AuthorisationCode = 'Y1' | 'Z1' | 'Y3' | 'Z3';

/** The data the clearing backend needs (no PAN: its token). Hex strings for byte fields. */
export interface PbocClearing {
  /** Client transaction id (stable; the journal and the backend match on it). */
  txn: string;
  panToken: string;
  panSequence?: string;
  aid: string;
  amountFen: number;
  otherAmountFen: number;
  currency: number;
  transactionType: string;
  /** 9A YYMMDD and 9F21 hhmmss (CST), as sent to the card. */
  date: string;
  time: string;
  unpredictableNumber: string;
  atc: string;
  cryptogram: string;
  cryptogramType: CryptogramType;
  /** 9F27 (contact; qPBOC answers carry none — derived from IAD). */
  cid?: string;
  tvr: string;
  tsi: string;
  aip: string;
  iad: string;
  terminalCountry: number;
  terminalType: string;
  terminalCapabilities: string;
  cvmResults?: string;
  authorisationCode?: AuthorisationCode;
  /** 9F74 electronic cash issuer authorisation code (an6), when the card gave one. */
  ecIssuerAuthCode?: string;
  /** 9F63 card product information, when given. */
  cardProduct?: string;
  /** 9F6C CTQ (qPBOC). */
  ctq?: string;
  interface: 'contact' | 'contactless';
}

export interface PbocDecision extends Decision {
  interface: 'contact' | 'contactless';
  /** qPBOC or the full PBOC (contact, or contactless full PBOC). */
  path?: 'qpboc' | 'pboc';
  aid?: string;
  label?: string;
  amountFen: number;
  cryptogramType?: CryptogramType;
  authorisationCode?: AuthorisationCode;
  panMasked?: string;
  panToken?: string;
  /** EC balance after the transaction (9F5D from qPBOC GPO, or GET DATA 9F79), fen. */
  ecBalanceFen?: number;
  /** 9F5D available offline spending amount, where the card gave it. */
  availableOfflineFen?: number;
  oda?: OdaReport;
  /** The customer must sign (CVM signature). */
  signatureRequired?: boolean;
  /** Approved offline with the merchant's risk (Y3): counts toward the journal's offline limits until forwarded. */
  offlineStored?: boolean;
  clearing?: PbocClearing;
  /** Journal sequence numbers of the intent and of the record that closed it. */
  intentSeq?: bigint;
  resultSeq?: bigint;
}

/** Record payloads (the journal stores them as JSON; src/journal/persist.ts KernelRecord). */
export interface PbocIntentPayload {
  kind: 'pboc.intent';
  interface: 'contact' | 'contactless';
  aid: string;
  amountFen: number;
  date: string;
  time: string;
  unpredictableNumber: string;
  /** The command that may move money next: qPBOC GPO or contact GENERATE AC. */
  step: 'GPO' | 'GENERATE AC';
}
