/**
 * Status words (ISO/IEC 7816-4 §5.1.3 and the payment/transport additions seen on PBOC, JT/T 978 and
 * CJ/T 166 cards). One dictionary for meanings; each command carries its own table of what it accepts
 * (see SwTable and expectSw in transceive.ts).
 */

export type SwCategory = 'ok' | 'more-data' | 'warning' | 'execution-error' | 'checking-error' | 'wrong-le' | 'proprietary';

export interface SwInfo {
  sw: number;
  hex: string;
  category: SwCategory;
  meaning: string;
}

const EXACT: Record<number, string> = {
  0x9000: 'success',
  0x6200: 'warning: state of non-volatile memory unchanged',
  0x6281: 'warning: part of returned data may be corrupted',
  0x6282: 'warning: end of file or record reached before reading Ne bytes',
  0x6283: 'warning: selected file deactivated (invalidated)',
  0x6284: 'warning: file control information not formatted correctly',
  0x6285: 'warning: selected file in termination state',
  0x6300: 'warning: verification failed / no information given',
  0x6381: 'warning: file filled up by the last write',
  0x6400: 'execution error: state of non-volatile memory unchanged',
  0x6500: 'execution error: state of non-volatile memory changed',
  0x6581: 'execution error: memory failure',
  0x6700: 'wrong length (Lc or Le)',
  0x6800: 'functions in CLA not supported',
  0x6881: 'logical channel not supported',
  0x6882: 'secure messaging not supported',
  0x6900: 'command not allowed',
  0x6981: 'command incompatible with file structure',
  0x6982: 'security status not satisfied',
  0x6983: 'authentication method blocked',
  0x6984: 'reference data not usable (invalidated)',
  0x6985: 'conditions of use not satisfied',
  0x6986: 'command not allowed (no current EF)',
  0x6987: 'expected secure messaging data objects missing',
  0x6988: 'incorrect secure messaging data objects',
  0x6A80: 'incorrect parameters in the data field',
  0x6A81: 'function not supported (application blocked or stopped)',
  0x6A82: 'file or application not found',
  0x6A83: 'record not found',
  0x6A84: 'not enough memory space in the file',
  0x6A85: 'Nc inconsistent with TLV structure',
  0x6A86: 'incorrect parameters P1-P2',
  0x6A87: 'Nc inconsistent with parameters P1-P2',
  0x6A88: 'referenced data or reference data not found',
  0x6B00: 'wrong parameters P1-P2 (offset outside the EF)',
  0x6D00: 'instruction code not supported or invalid',
  0x6E00: 'class not supported',
  0x6F00: 'no precise diagnosis',
  // Payment and transport e-purse (PBOC, JT/T 978, CJ/T 166)
  0x9302: 'MAC invalid',
  0x9303: 'application permanently locked',
  0x9401: 'insufficient funds',
  0x9403: 'key index not supported',
  0x9406: 'required MAC not available',
};

export function describeSw(sw: number): SwInfo {
  const hex = sw.toString(16).toUpperCase().padStart(4, '0');
  const sw1 = sw >> 8;
  const sw2 = sw & 0xff;
  const exact = EXACT[sw];
  const category = categoryOf(sw1);
  if (exact) return { sw, hex, category, meaning: exact };
  if (sw1 === 0x61) return { sw, hex, category, meaning: `${sw2 || 256} more bytes available (GET RESPONSE)` };
  if (sw1 === 0x6c) return { sw, hex, category, meaning: `wrong Le: resend with Le=${sw2 || 256}` };
  if (sw1 === 0x63 && (sw2 & 0xf0) === 0xc0) return { sw, hex, category, meaning: `verification failed, ${sw2 & 0x0f} tries left` };
  return { sw, hex, category, meaning: `${categoryText[category]} (${hex})` };
}

const categoryText: Record<SwCategory, string> = {
  ok: 'success',
  'more-data': 'more data',
  warning: 'warning',
  'execution-error': 'execution error',
  'checking-error': 'checking error',
  'wrong-le': 'wrong Le',
  proprietary: 'proprietary status',
};

function categoryOf(sw1: number): SwCategory {
  if (sw1 === 0x90) return 'ok';
  if (sw1 === 0x61) return 'more-data';
  if (sw1 === 0x62 || sw1 === 0x63) return 'warning';
  if (sw1 >= 0x64 && sw1 <= 0x66) return 'execution-error';
  if (sw1 === 0x6c) return 'wrong-le';
  if (sw1 >= 0x67 && sw1 <= 0x6f) return 'checking-error';
  return 'proprietary';
}

export function swHex(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}
