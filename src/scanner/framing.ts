/**
 * Framing of a scanner's byte stream into payloads (after node-serialport's delimiter and
 * inter-byte-timeout parsers, as one small pure piece with its own tests). Scanners are configured to
 * send an optional prefix (often STX 0x02 or nothing) and a suffix (CR, CR LF, ETX…) around each code.
 *
 *  - With a suffix: bytes up to the suffix are a frame. A partial frame followed by silence longer than
 *    the inter-byte timeout is dropped ("timeout-partial": a scan cut short, line noise), so it cannot
 *    glue itself to the front of the next code.
 *  - Without a suffix: silence longer than the inter-byte timeout ends the frame.
 *  - With a prefix: bytes before the last prefix in a frame are dropped as garbage; a frame without the
 *    prefix is dropped ("no-prefix").
 *  - A frame longer than maxFrameBytes is dropped, and bytes are discarded up to the next suffix
 *    ("overflow"), so a stuck or hostile device cannot grow memory.
 * Time is passed in (monotonic ms): the driver owns the timer, tests own the clock.
 */
import { fromHex } from '../../apdu/hex';

export interface FramingOptions {
  prefix: Uint8Array;
  suffix: Uint8Array;
  /** Silence that ends (no suffix) or abandons (with suffix) a frame; 0 = never. */
  interByteTimeoutMs: number;
  maxFrameBytes: number;
  /** Strip CR, LF and NUL at both ends of a frame (CR LF scanners on a CR suffix). Never spaces: base45 uses them. */
  trimLineEnds: boolean;
}

export const DEFAULT_FRAMING: FramingOptions = {
  prefix: new Uint8Array(0),
  suffix: new Uint8Array([0x0d]),
  interByteTimeoutMs: 100,
  maxFrameBytes: 4096,
  trimLineEnds: true,
};

export type FrameEvent = { kind: 'frame'; bytes: Uint8Array } | { kind: 'dropped'; reason: 'timeout-partial' | 'no-prefix' | 'overflow' | 'garbage-before-prefix'; bytes: number };

export class Framer {
  private buf: Uint8Array;
  private len = 0;
  private lastByteMs = -Infinity;
  private discarding = false;
  readonly o: FramingOptions;

  constructor(o: Partial<FramingOptions> = {}) {
    this.o = { ...DEFAULT_FRAMING, ...o };
    if (this.o.maxFrameBytes < 1) throw new RangeError('maxFrameBytes must be >= 1');
    if (this.o.suffix.length === 0 && this.o.interByteTimeoutMs <= 0) throw new RangeError('framing needs a suffix or an inter-byte timeout');
    this.buf = new Uint8Array(Math.min(256, this.o.maxFrameBytes + this.o.suffix.length));
  }

  /** Feed bytes received at nowMs. */
  push(chunk: Uint8Array, nowMs: number): FrameEvent[] {
    const out: FrameEvent[] = [];
    this.checkTimeout(nowMs, out);
    const suf = this.o.suffix;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.discarding) {
        // Overflow: skip to the end of the next suffix.
        this.append(b);
        if (suf.length && this.endsWithSuffix()) {
          this.discarding = false;
          this.len = 0;
        } else if (this.len > suf.length) {
          this.buf.copyWithin(0, this.len - suf.length, this.len);
          this.len = suf.length;
        }
        continue;
      }
      this.append(b);
      if (suf.length && this.endsWithSuffix()) {
        this.emit(this.buf.slice(0, this.len - suf.length), out);
        this.len = 0;
      } else if (this.len > this.o.maxFrameBytes + suf.length) {
        out.push({ kind: 'dropped', reason: 'overflow', bytes: this.len });
        this.len = 0;
        this.discarding = suf.length > 0;
      }
    }
    if (chunk.length) this.lastByteMs = nowMs;
    return out;
  }

  /** The time at which flush() has work to do, if any. */
  deadline(): number | undefined {
    if (this.len === 0 || this.o.interByteTimeoutMs <= 0) return undefined;
    return this.lastByteMs + this.o.interByteTimeoutMs;
  }

  /** Called by the driver's timer: ends or abandons a frame after silence. */
  flush(nowMs: number): FrameEvent[] {
    const out: FrameEvent[] = [];
    this.checkTimeout(nowMs, out);
    return out;
  }

  /** Forget any partial frame (device reconnected). */
  reset(): void {
    this.len = 0;
    this.discarding = false;
  }

  private checkTimeout(nowMs: number, out: FrameEvent[]): void {
    if (this.len === 0 || this.o.interByteTimeoutMs <= 0) return;
    if (nowMs - this.lastByteMs <= this.o.interByteTimeoutMs) return;
    if (this.discarding) this.discarding = false;
    else if (this.o.suffix.length) out.push({ kind: 'dropped', reason: 'timeout-partial', bytes: this.len });
    else this.emit(this.buf.slice(0, this.len), out);
    this.len = 0;
  }

  private append(b: number): void {
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(Math.min(this.buf.length * 2, this.o.maxFrameBytes + this.o.suffix.length + 1));
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = b;
  }

  private endsWithSuffix(): boolean {
    const s = this.o.suffix;
    if (this.len < s.length) return false;
    for (let i = 0; i < s.length; i++) if (this.buf[this.len - s.length + i] !== s[i]) return false;
    return true;
  }

  private emit(frame: Uint8Array, out: FrameEvent[]): void {
    let f = frame;
    const p = this.o.prefix;
    if (p.length) {
      const at = lastIndexOf(f, p);
      if (at < 0) {
        if (f.length) out.push({ kind: 'dropped', reason: 'no-prefix', bytes: f.length });
        return;
      }
      if (at > 0) out.push({ kind: 'dropped', reason: 'garbage-before-prefix', bytes: at });
      f = f.subarray(at + p.length);
    }
    if (this.o.trimLineEnds) {
      let a = 0;
      let z = f.length;
      while (a < z && (f[a] === 0x0d || f[a] === 0x0a || f[a] === 0)) a++;
      while (z > a && (f[z - 1] === 0x0d || f[z - 1] === 0x0a || f[z - 1] === 0)) z--;
      f = f.subarray(a, z);
    }
    if (f.length) out.push({ kind: 'frame', bytes: f });
  }
}

function lastIndexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = hay.length - needle.length; i >= 0; i--) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Parse the framing bytes of a config string: C escapes (\r \n \t \0 \xNN) or "hex:0203".
 * "" = none. Example: "\\r\\n" (CR LF), "\\x02" (STX).
 */
export function parseFramingBytes(text: string): Uint8Array {
  if (text.startsWith('hex:')) return fromHex(text.slice(4)); // RangeError on a bad digit or an odd count (Buffer would drop them)
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      const code = c.charCodeAt(0);
      if (code > 0x7f) throw new RangeError(`framing: non-ASCII character ${JSON.stringify(c)}; use \\xNN`);
      out.push(code);
      continue;
    }
    const e = text[++i];
    if (e === 'r') out.push(0x0d);
    else if (e === 'n') out.push(0x0a);
    else if (e === 't') out.push(0x09);
    else if (e === '0') out.push(0);
    else if (e === '\\') out.push(0x5c);
    else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else throw new RangeError(`framing: bad escape "\\${e ?? ''}" in ${JSON.stringify(text)}`);
  }
  return Uint8Array.from(out);
}
