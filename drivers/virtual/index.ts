export { VirtualReaderDriver, type VirtualDriverOptions, type AddReaderOptions } from './virtual-driver';
export type { VirtualFault } from './faults';
export { transmitOf } from './transmit-of';
export { VirtualScanner } from './virtual-scanner';
