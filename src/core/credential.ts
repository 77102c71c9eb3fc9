/**
 * 卡码同权 — one card, one code, equal rights. Whatever was presented (the social security card's SSSE,
 * its transport e-purse, its UnionPay application, or an e-code on a phone), policies and fares see
 * one Credential shape. Personal data never travels in it: the holder is a pseudonymous token.
 */

/** Entitlement categories that concessions and access rules key on. Extendable by configuration. */
export type EntitlementCategory = 'standard' | 'elderly' | 'elderly-70' | 'disabled' | 'veteran' | 'student' | 'child' | (string & {});

export type CredentialSource = 'ssse-card' | 'transit-card' | 'pboc-card' | 'ecode' | 'static-code';

export interface Credential {
  source: CredentialSource;
  /**
   * Pseudonymous holder token: the same person gets the same token from the card and from the e-code,
   * so anti-passback, transfers and caps apply across both. Never an ID number.
   */
  holderToken: string;
  /** 6-digit administrative region code of the issuer (e.g. "410100" Zhengzhou), when known. */
  region?: string;
  categories: EntitlementCategory[];
  /** Validity as YYYYMMDD numbers (cards) or epoch ms bounds (codes): whichever the source gives. */
  validFromMs?: number;
  validToMs?: number;
  /**
   * Keys to check against the hotlist: tokenised card numbers, PAN tokens, T-Union serials, e-code
   * certificate serial hashes. Already in the hotlist's key space (see the downloads module).
   */
  hotlistKeys: string[];
  /** Where the credential came from, for the journal: reader or scanner name. */
  device?: string;
}
