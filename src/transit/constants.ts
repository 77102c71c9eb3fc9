/**
 * Transport e-purse facts (JT/T 978 T-Union; CJ/T 166 MoHURD) as summarised in DOMAIN.md §1.3: AIDs,
 * files, transaction types, and each command's table of status words (STYLE.md §4). Values that
 * DOMAIN.md marks unconfirmed are NOT here: they are settings in config.ts.
 */
import type { SwTable } from '../../apdu/transceive';

/** T-Union e-purse application (DOMAIN.md §1.2 PPSE list, §1.3). */
export const AID_TUNION_EP = 'A000000632010105';

/** Card files by SFI (DOMAIN.md §1.3). */
export const SFI = {
  /** 0015 issuer / application information, 30 bytes (transparent). */
  ISSUER: 0x15,
  /** 0017 card management information, 60 bytes (transparent). */
  MANAGEMENT: 0x17,
  /** 0018 transaction records, 23 bytes each (cyclic, record 1 = most recent). */
  TRANSACTIONS: 0x18,
  /** 001E travel records, 48 bytes each (cyclic, written by UPDATE CAPP DATA CACHE). */
  TRAVEL: 0x1e,
  /** 001A compound (CAPP) records, one per industry, addressed by record identifier. */
  COMPOUND: 0x1a,
} as const;

export const FILE15_LENGTH = 30;
export const FILE17_MIN_LENGTH = 11;
export const TRANSACTION_RECORD_LENGTH = 23;
export const TRAVEL_RECORD_LENGTH = 48;

/** Transaction types in file 0018, INITIALIZE P1 and MAC1 (DOMAIN.md §1.3). */
export const TRANS_TYPE = {
  LOAD: 0x02,
  PURCHASE: 0x06,
  COMPOUND_PURCHASE: 0x09,
} as const;

export const TRANS_TYPE_NAME: Readonly<Record<number, string>> = {
  0x02: 'load',
  0x06: 'purchase',
  0x09: 'compound purchase',
};

/** INITIALIZE FOR PURCHASE P1: 01 purchase, 03 CAPP (compound) purchase. */
export const INIT_P1 = { PURCHASE: 0x01, CAPP: 0x03 } as const;

/** Industry codes in travel records (DOMAIN.md §1.3: 01 metro, 02 bus). */
export const INDUSTRY = { metro: 0x01, bus: 0x02 } as const;
export type Industry = keyof typeof INDUSTRY;
export const INDUSTRY_NAME: Readonly<Record<number, Industry>> = { 0x01: 'metro', 0x02: 'bus' };

/** Enable flag of file 0015. */
export const ENABLE_FLAG = { NOT_ACTIVE: 0, ACTIVE: 1, STOPPED: 2 } as const;

/** Interoperability type of file 0017: 0001 = T-Union interoperable. */
export const INTEROP_TUNION = 0x0001;

// --- status words per command -------------------------------------------------------------------

export const SW_SELECT_APP: SwTable = {
  0x9000: 'success',
  0x6a81: 'application stopped',
  0x9303: 'application permanently locked',
  0x6a82: 'application not found',
};
export const SW_READ: SwTable = { 0x9000: 'success' };
/** READ RECORD: 6A83 ends a cyclic file that holds fewer records than asked for. */
export const SW_READ_RECORD: SwTable = { 0x9000: 'success', 0x6a83: 'record not found' };
export const SW_GET_BALANCE: SwTable = { 0x9000: 'success' };
export const SW_INIT_PURCHASE: SwTable = {
  0x9000: 'success',
  0x9401: 'insufficient funds',
  0x9403: 'key index not supported',
};
export const SW_UPDATE_CAPP: SwTable = { 0x9000: 'success' };
export const SW_DEBIT: SwTable = { 0x9000: 'success', 0x9302: 'MAC1 invalid' };
export const SW_PROVE: SwTable = { 0x9000: 'success', 0x9406: 'required MAC not available', 0x6a83: 'no such transaction' };
