/**
 * The file tree of an emulated ISO/IEC 7816-4 card: MF → DF (applications, by FID and/or DF name) → EF
 * (transparent or record files, by FID and/or SFI), each EF with an access rule for reading.
 */

/** Who may read an EF: anyone, nobody, or after an authentication that set this security state. */
export type AccessRule = 'always' | 'never' | { state: string };

export interface EfNode {
  kind: 'ef';
  fid?: number;
  sfi?: number;
  structure: 'transparent' | 'records';
  /** Transparent EF content. */
  data?: Uint8Array;
  /** Record EF content (record 1 is records[0]). */
  records?: Uint8Array[];
  read: AccessRule;
  /** Cyclic files (transaction logs): record 1 is the most recent. Writes go through the app. */
  cyclic?: boolean;
}

export interface DfNode {
  kind: 'df';
  fid?: number;
  /** DF name (AID) for SELECT by name. */
  name?: Uint8Array;
  /** FCI returned on SELECT; default 6F{84 name, A5{}} */
  fci?: Uint8Array;
  children: Array<DfNode | EfNode>;
  /** GET DATA objects by tag. Functions are evaluated at each GET DATA (live values). */
  data?: Map<number, Uint8Array | (() => Uint8Array)>;
  /** Application-specific command handling for this DF and its EFs. */
  app?: CardApp;
}

import type { ParsedCommand } from '../../apdu/command';
import type { Iso7816Card } from './iso7816-card';

export interface CardReply {
  data?: Uint8Array;
  sw: number;
}

/**
 * An application's own commands (PBOC GPO / GENERATE AC, e-purse 8050/8054, EXTERNAL AUTHENTICATE keys).
 * `handle` returns undefined to let the generic 7816-4 handling answer.
 */
export interface CardApp {
  handle?(cmd: ParsedCommand, card: Iso7816Card): CardReply | undefined;
  /** Called when this DF is selected by name or FID. */
  onSelect?(card: Iso7816Card): void;
  /** Called on power-on/reset: clear session state. */
  onReset?(): void;
}

export function df(opts: Omit<DfNode, 'kind' | 'children'> & { children?: Array<DfNode | EfNode> }): DfNode {
  return { kind: 'df', children: [], ...opts };
}

export function recordEf(opts: { fid?: number; sfi?: number; records: Uint8Array[]; read?: AccessRule; cyclic?: boolean }): EfNode {
  return { kind: 'ef', structure: 'records', read: 'always', ...opts };
}

export function binaryEf(opts: { fid?: number; sfi?: number; data: Uint8Array; read?: AccessRule }): EfNode {
  return { kind: 'ef', structure: 'transparent', read: 'always', ...opts };
}
