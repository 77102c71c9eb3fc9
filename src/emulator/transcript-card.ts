/**
 * The transcript card: replays a captured exchange so that any kernel can be run against a real card's
 * answers. Format (fixed — others write these files):
 *
 *   # comment (from '#' to the end of the line)
 *   send: 00 A4 04 00 0F 7378312E73682EC9E7BBE1B1A3D5CF 00
 *   resp: 6F 1C ... 90 00          ← response data and SW
 *   send: 00 B2 .. 2C *            ← '..' matches any one byte; a trailing '*' any remaining bytes
 *
 * Spaces are ignored, hex is case-insensitive. A command is answered by the next unused pair (in file
 * order) whose `send:` matches it; a command that matches none is answered 6D00.
 */
import { fromHex, toHex } from '../../apdu/hex';
import type { Exchange } from '../core/errors';
import { ConfigError } from '../core/errors';
import type { EmulatedCard } from './types';

interface Pattern {
  /** byte value, or -1 for '..' */
  bytes: number[];
  /** trailing '*' */
  rest: boolean;
}

export interface TranscriptPair {
  line: number;
  send: Pattern;
  resp: Uint8Array;
}

function parsePattern(text: string, line: number): Pattern {
  let s = text.replace(/\s+/g, '');
  let rest = false;
  if (s.endsWith('*')) {
    rest = true;
    s = s.slice(0, -1);
  }
  if (s.length % 2) throw new ConfigError(`transcript line ${line}`, `send: odd number of hex digits`);
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i += 2) {
    const pair = s.slice(i, i + 2);
    if (pair === '..') bytes.push(-1);
    else if (/^[0-9A-Fa-f]{2}$/.test(pair)) bytes.push(parseInt(pair, 16));
    else throw new ConfigError(`transcript line ${line}`, `send: "${pair}" is neither hex nor '..'`);
  }
  return { bytes, rest };
}

export function parseTranscript(text: string): TranscriptPair[] {
  const pairs: TranscriptPair[] = [];
  let pending: { pattern: Pattern; line: number } | undefined;
  text.split(/\r?\n/).forEach((raw, idx) => {
    const line = idx + 1;
    const l = raw.replace(/#.*/, '').trim();
    if (!l) return;
    const m = /^(send|resp)\s*:(.*)$/i.exec(l);
    if (!m) throw new ConfigError(`transcript line ${line}`, `expected "send: <hex>" or "resp: <hex>", got "${l.slice(0, 40)}"`);
    const kind = m[1]!.toLowerCase();
    if (kind === 'send') {
      if (pending) throw new ConfigError(`transcript line ${line}`, `send: without a resp: for the send: on line ${pending.line}`);
      pending = { pattern: parsePattern(m[2]!, line), line };
    } else {
      if (!pending) throw new ConfigError(`transcript line ${line}`, 'resp: without a preceding send:');
      let resp: Uint8Array;
      try {
        resp = fromHex(m[2]!);
      } catch (e) {
        throw new ConfigError(`transcript line ${line}`, `resp: ${(e as Error).message}`);
      }
      if (resp.length < 2) throw new ConfigError(`transcript line ${line}`, 'resp: needs at least a 2-byte status word');
      pairs.push({ line: pending.line, send: pending.pattern, resp });
      pending = undefined;
    }
  });
  if (pending) throw new ConfigError(`transcript line ${pending.line}`, 'send: at the end without a resp:');
  return pairs;
}

function matches(p: Pattern, cmd: Uint8Array): boolean {
  if (p.rest ? cmd.length < p.bytes.length : cmd.length !== p.bytes.length) return false;
  for (let i = 0; i < p.bytes.length; i++) {
    const b = p.bytes[i]!;
    if (b !== -1 && b !== cmd[i]) return false;
  }
  return true;
}

export class TranscriptCard implements EmulatedCard {
  readonly protocol: 'T0' | 'T1';
  private readonly used: boolean[];
  /** Commands that matched no pair (answered 6D00), for diagnostics. */
  readonly unmatched: Uint8Array[] = [];

  constructor(
    readonly pairs: readonly TranscriptPair[],
    readonly label = 'transcript',
    readonly atr: Uint8Array = fromHex('3B88800153534320335244004F'),
    protocol: 'T0' | 'T1' = 'T1',
  ) {
    this.protocol = protocol;
    this.used = pairs.map(() => false);
  }

  static fromText(text: string, label?: string, atr?: Uint8Array): TranscriptCard {
    return new TranscriptCard(parseTranscript(text), label, atr);
  }

  powerOn(): void {}
  powerOff(): void {}

  /** Forget which pairs were used (replay from the start). */
  rewind(): void {
    this.used.fill(false);
    this.unmatched.length = 0;
  }

  transmit(command: Uint8Array): Uint8Array {
    for (let i = 0; i < this.pairs.length; i++) {
      if (!this.used[i] && matches(this.pairs[i]!.send, command)) {
        this.used[i] = true;
        return this.pairs[i]!.resp.slice();
      }
    }
    this.unmatched.push(command);
    return Uint8Array.of(0x6d, 0x00);
  }

  remaining(): number {
    return this.used.filter((u) => !u).length;
  }
}

/** Write exchanges in transcript format (to capture a real card's exchange). */
export function formatTranscript(exchanges: readonly Exchange[], comment?: string): string {
  const lines: string[] = [];
  if (comment) for (const c of comment.split('\n')) lines.push(`# ${c}`);
  for (const e of exchanges) {
    lines.push(`send: ${toHex(e.command, ' ')}`);
    lines.push(`resp: ${toHex(e.response, ' ')}`);
  }
  return lines.join('\n') + '\n';
}
