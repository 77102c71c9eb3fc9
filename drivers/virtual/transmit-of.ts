/** transmitOf lives with the emulated cards (src/emulator/transmit-of.ts); re-exported for the drivers' users. */
export { transmitOf } from '../../src/emulator/transmit-of';
