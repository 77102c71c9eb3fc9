/**
 * Terminal Verification Results (95) and Transaction Status Information (9B), EMV Book 3 Annex C5/C6.
 * Bits are data: one table, named, so flows read as words and reason codes can be derived from them.
 */
export const TVR = {
  odaNotPerformed: [0, 0x80],
  sdaFailed: [0, 0x40],
  iccDataMissing: [0, 0x20],
  exceptionFile: [0, 0x10],
  ddaFailed: [0, 0x08],
  cdaFailed: [0, 0x04],
  sdaSelected: [0, 0x02],
  versionMismatch: [1, 0x80],
  expired: [1, 0x40],
  notYetEffective: [1, 0x20],
  serviceNotAllowed: [1, 0x10],
  newCard: [1, 0x08],
  cvmFailed: [2, 0x80],
  unrecognisedCvm: [2, 0x40],
  pinTryLimitExceeded: [2, 0x20],
  pinPadMissing: [2, 0x10],
  pinNotEntered: [2, 0x08],
  onlinePinEntered: [2, 0x04],
  floorLimitExceeded: [3, 0x80],
  lcolExceeded: [3, 0x40],
  ucolExceeded: [3, 0x20],
  randomlySelected: [3, 0x10],
  merchantForcedOnline: [3, 0x08],
  defaultTdolUsed: [4, 0x80],
  issuerAuthFailed: [4, 0x40],
} as const satisfies Record<string, readonly [number, number]>;

export type TvrBit = keyof typeof TVR;

export const TSI = {
  odaPerformed: [0, 0x80],
  cvmPerformed: [0, 0x40],
  cardRiskManagementPerformed: [0, 0x20],
  issuerAuthPerformed: [0, 0x10],
  terminalRiskManagementPerformed: [0, 0x08],
  scriptPerformed: [0, 0x04],
} as const satisfies Record<string, readonly [number, number]>;

export type TsiBit = keyof typeof TSI;

export function setBit(bytes: Uint8Array, bit: readonly [number, number]): void {
  bytes[bit[0]]! |= bit[1];
}

export function hasBit(bytes: Uint8Array, bit: readonly [number, number]): boolean {
  return (bytes[bit[0]]! & bit[1]) !== 0;
}

/** The TVR bits set in both the TVR and an action code (TAC | IAC), most significant first. */
export function matchingBits(tvr: Uint8Array, code: Uint8Array): TvrBit[] {
  const out: TvrBit[] = [];
  for (const [name, bit] of Object.entries(TVR) as [TvrBit, readonly [number, number]][]) {
    if ((tvr[bit[0]]! & bit[1] & code[bit[0]]!) !== 0) out.push(name);
  }
  return out;
}

/** Reason code and sentence for the TVR bit that caused a decline (the first in TVR order). */
export const TVR_REASONS: Record<TvrBit, { reason: string; message: string }> = {
  odaNotPerformed: { reason: 'oda-not-performed', message: 'offline data authentication was not performed' },
  sdaFailed: { reason: 'sda-failed', message: 'static data authentication failed' },
  iccDataMissing: { reason: 'icc-data-missing', message: 'card data needed for authentication is missing' },
  exceptionFile: { reason: 'hotlisted', message: 'card is on the hotlist (reported lost or blocked)' },
  ddaFailed: { reason: 'dda-failed', message: 'dynamic data authentication failed' },
  cdaFailed: { reason: 'cda-failed', message: 'combined data authentication failed' },
  sdaSelected: { reason: 'sda-selected', message: 'SDA selected' },
  versionMismatch: { reason: 'version-mismatch', message: 'card and terminal application versions differ' },
  expired: { reason: 'card-expired', message: 'card application expired' },
  notYetEffective: { reason: 'card-not-yet-effective', message: 'card application not yet effective' },
  serviceNotAllowed: { reason: 'service-not-allowed', message: 'service not allowed for this card' },
  newCard: { reason: 'new-card', message: 'new card (never used online)' },
  cvmFailed: { reason: 'cvm-failed', message: 'cardholder verification failed or not possible here' },
  unrecognisedCvm: { reason: 'cvm-unrecognised', message: 'card asks for an unknown cardholder verification method' },
  pinTryLimitExceeded: { reason: 'pin-try-limit', message: 'PIN try limit exceeded' },
  pinPadMissing: { reason: 'pin-pad-missing', message: 'card requires a PIN and this terminal has no PIN pad' },
  pinNotEntered: { reason: 'pin-not-entered', message: 'PIN not entered' },
  onlinePinEntered: { reason: 'online-pin', message: 'online PIN entered' },
  floorLimitExceeded: { reason: 'floor-limit', message: 'amount at or above the offline floor limit' },
  lcolExceeded: { reason: 'offline-count-low', message: "card's lower consecutive offline limit exceeded" },
  ucolExceeded: { reason: 'offline-count-high', message: "card's upper consecutive offline limit exceeded" },
  randomlySelected: { reason: 'random-online', message: 'randomly selected for online processing' },
  merchantForcedOnline: { reason: 'forced-online', message: 'merchant forced online' },
  defaultTdolUsed: { reason: 'default-tdol', message: 'default TDOL used' },
  issuerAuthFailed: { reason: 'issuer-auth-failed', message: 'issuer authentication failed' },
};
