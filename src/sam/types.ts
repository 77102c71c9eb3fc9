/**
 * The SAM interface (after Keyple: the SAM sits behind one narrow interface). Everything a purchase
 * needs from the terminal's secure access module: who the terminal is (terminal number, key index),
 * MAC1 (with the key diversification done inside the SAM from the factors given), MAC2 verification,
 * and the terminal sequence number the SAM assigns.
 *
 * Methods are kernel steps (generators): an implementation yields SAM APDUs through `toSam` and the
 * one runner performs them on whatever channel the SAM is on (a second PC/SC slot, the emulated PSAM
 * in-process or through vpcd). Kernels stay pure and the SAM's exchanges appear in the same
 * transcript and timing breakdown as the card's.
 */
import type { KernelReply, KernelRequest } from '../kernel/step';

export type Step<T> = Generator<KernelRequest, T, KernelReply>;

export interface SamIdentity {
  /** Terminal number (终端机编号), 6 bytes: PSAM file 0016. */
  terminalId: Uint8Array;
  /** Purchase key index (消费密钥索引) to announce in INITIALIZE FOR PURCHASE: PSAM file 0017. */
  keyIndex: number;
  /** PSAM issuer and receiver ids (8 bytes each, hex), validity YYYYMMDD: PSAM file 0017. */
  issuerId: string;
  receiverId: string;
  validFrom: number;
  validTo: number;
}

export interface Mac1Request {
  /** The card's 4-byte random from INITIALIZE FOR PURCHASE. */
  random: Uint8Array;
  /** The card's EP offline sequence number (2 bytes). */
  epSeq: number;
  amountFen: number;
  /** Transaction type: 06 purchase, 09 compound purchase. */
  transType: number;
  /** Transaction date-time, 7 BCD bytes (CST). */
  dateTime7: Uint8Array;
  keyVersion: number;
  algorithmId: number;
  /** Diversification factors, 8 bytes each, in the order the SAM expects (config.diversificationFactors). */
  factors: readonly Uint8Array[];
}

export interface Mac1Result {
  /** Terminal transaction sequence number (终端交易序号), as assigned by the SAM. */
  terminalSeq: number;
  terminalSeq4: Uint8Array;
  mac1: Uint8Array;
}

/** MAC2 check: a decline-like value, not an exception (the card already answered). */
export type Mac2Check = 'valid' | 'invalid' | 'no-session';

export interface PurchaseSam {
  /** Where the SAM is, for logs ("PSAM in 'Virtual PCD 01'"). */
  readonly label: string;
  /** Read the SAM's identity and select its purchase application. Once after each SAM power-up. */
  identify(): Step<SamIdentity>;
  /**
   * Compute MAC1 for a purchase (the SAM derives the card's purchase key from its master key and
   * the factors, then the session key) and assign the terminal sequence number.
   */
  mac1(request: Mac1Request): Step<Mac1Result>;
  /** Verify the card's MAC2 with the session of the last MAC1. */
  verifyMac2(mac2: Uint8Array): Step<Mac2Check>;
  /**
   * The terminal sequence number of the MAC1 whose session the SAM holds, as far as this object has
   * seen (undefined: none, or unknown — after a reset or a failed exchange). Lets a torn-debit
   * recovery check MAC2 only against its own session: another transaction's session would call a
   * genuine MAC2 "invalid".
   */
  currentSession(): number | undefined;
}
