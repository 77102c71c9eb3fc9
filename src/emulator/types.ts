/**
 * What an emulated card is: an ATR and a synchronous APDU handler. The same card runs in-process
 * (drivers/virtual) and as the virtual ICC of vsmartcard's vpcd behind a real pcscd (drivers/pcsc's
 * bridge), so kernels are tested identically on both.
 */
export interface EmulatedCard {
  readonly atr: Uint8Array;
  /** T=0 cards answer case-2/4 commands with 61xx and need GET RESPONSE. */
  readonly protocol: 'T0' | 'T1';
  /** A short label for logs and tests ("ssse-3rd-gen-henan"). */
  readonly label: string;
  /** Cold or warm reset: volatile state (selection, security status, session) is cleared. */
  powerOn(): void;
  powerOff(): void;
  /** One command APDU in, data ‖ SW out. */
  transmit(command: Uint8Array): Uint8Array;
}
