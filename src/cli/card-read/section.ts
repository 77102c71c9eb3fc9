/**
 * `ykt card read` is assembled from sections, one per card application. Each section is a read kernel
 * (no I/O) plus formatters that mask personal data. Modules add their section to sections.ts.
 */
import type { Kernel } from '../../kernel/step';

export interface CardSection<D = unknown> {
  /** 'applications', 'ssse', 'pboc', 'transit' … */
  name: string;
  title: string;
  /** Read what this application shows; undefined when the application is absent. */
  read(opts: CardReadOptions): Kernel<D | undefined>;
  /** Masked, JSON-ready view. */
  toJson(data: D): unknown;
  /** Masked, human-readable lines. */
  toText(data: D): string[];
}

export interface CardReadOptions {
  /** Read holder data where the application has it (EF06), only on explicit request. */
  holderData: boolean;
  /** EXTERNAL AUTHENTICATE for emulated cards (test key), when holderData is requested. */
  authenticate?: (challenge: Uint8Array) => Uint8Array;
  nowMs: number;
}
