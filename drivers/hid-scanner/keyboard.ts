/**
 * Keyboard-wedge decoding: boot keyboard input reports (HID 1.11 Appendix B.1: modifiers, reserved,
 * six key usages) → the bytes the scanner typed, UTF-8. A key is typed when its usage appears in a
 * report and was not in the previous one (press, in array order); Shift and Caps Lock choose the case;
 * Ctrl + key gives control characters (GS1 scanners type GS 0x1D as Ctrl+]); Enter types CR, the usual
 * frame suffix.
 *
 * Layouts: "us" (also what Chinese PCs use physically) and "cn": the same keys, plus Alt + keypad
 * decimal codes read as GBK (code page 936), which is how scanners set to a Chinese Windows keyboard
 * type Chinese characters (e.g. Alt+45217 → 0xB0A1 → 啊). On "us", Alt codes below 256 are read as
 * Windows-1252 (a simplification of Windows' OEM/ANSI split, noted as such).
 */
import { TextDecoder } from 'node:util';
import { KEY, keypadChar, MOD, US_KEYS } from './usage-keyboard';

export type KeyboardLayout = 'us' | 'cn';

export interface KeyboardDecoderOptions {
  layout?: KeyboardLayout;
  /** Report ID byte that precedes each report on composite devices (absent on boot keyboards). */
  reportId?: number;
  capsLockInitially?: boolean;
}

const gbk = new TextDecoder('gbk', { fatal: true });
const cp1252 = new TextDecoder('windows-1252');
const utf8 = new TextEncoder();

export class KeyboardDecoder {
  private prev = new Set<number>();
  private caps: boolean;
  private altDigits = '';
  private altHeld = false;
  /** Reports that could not be decoded (wrong size or report id), alt codes that are not characters. */
  bad = 0;

  constructor(private readonly o: KeyboardDecoderOptions = {}) {
    this.caps = o.capsLockInitially ?? false;
  }

  /** One input report → the bytes typed (often empty: key releases). */
  push(report: Uint8Array): Uint8Array {
    let r = report;
    if (this.o.reportId !== undefined) {
      if (r[0] !== this.o.reportId) {
        this.bad++;
        return new Uint8Array(0);
      }
      r = r.subarray(1);
    }
    if (r.length < 3 || r.length > 64) {
      this.bad++;
      return new Uint8Array(0);
    }
    const mods = r[0]!;
    const keys = r.subarray(2, Math.min(r.length, 8));
    // Phantom state (too many keys): every slot ErrorRollOver; keep the previous state.
    if (keys.length && keys.every((k) => k === KEY.errorRollOver)) return new Uint8Array(0);

    let out = '';
    const alt = (mods & MOD.alt) !== 0;
    const shift = (mods & MOD.shift) !== 0;
    const ctrl = (mods & MOD.ctrl) !== 0;
    if (this.altHeld && !alt) out += this.endAltCode();
    this.altHeld = alt;

    const now = new Set<number>();
    for (const k of keys) {
      if (k === 0) continue;
      now.add(k);
      if (this.prev.has(k)) continue; // still held: not a new press
      out += this.press(k, shift, ctrl, alt);
    }
    this.prev = now;
    return out ? utf8.encode(out) : new Uint8Array(0);
  }

  private press(k: number, shift: boolean, ctrl: boolean, alt: boolean): string {
    if (alt) {
      const d = keypadChar(k);
      if (d !== undefined && /\d/.test(d)) this.altDigits += d;
      return ''; // Alt + other keys are shortcuts, not text
    }
    if (k === KEY.capsLock) {
      this.caps = !this.caps;
      return '';
    }
    if (k === KEY.enter || k === KEY.kpEnter) return '\r';
    if (k === KEY.tab) return '\t';
    if (k === KEY.escape) return '\x1b';
    const kp = keypadChar(k);
    if (kp !== undefined) return kp;
    const pair = US_KEYS.get(k);
    if (!pair) return '';
    if (ctrl) return controlChar(pair[0]);
    const letter = k >= 0x04 && k <= 0x1d;
    const upper = letter ? shift !== this.caps : shift;
    return upper ? pair[1] : pair[0];
  }

  private endAltCode(): string {
    const digits = this.altDigits;
    this.altDigits = '';
    if (!digits) return '';
    const n = Number(digits);
    if (!Number.isSafeInteger(n) || n <= 0 || n > 0xffff) {
      this.bad++;
      return '';
    }
    if (n < 0x80) return String.fromCharCode(n);
    if (this.o.layout === 'cn') {
      try {
        return gbk.decode(n > 0xff ? Uint8Array.of(n >> 8, n & 0xff) : Uint8Array.of(n));
      } catch {
        this.bad++;
        return '';
      }
    }
    if (n <= 0xff) return cp1252.decode(Uint8Array.of(n));
    this.bad++;
    return '';
  }
}

function controlChar(base: string): string {
  const c = base.toUpperCase().charCodeAt(0);
  if (c >= 0x41 && c <= 0x5a) return String.fromCharCode(c - 0x40); // Ctrl+A..Z → 0x01..0x1A
  const map: Record<string, number> = { '[': 0x1b, '\\': 0x1c, ']': 0x1d, '6': 0x1e, '-': 0x1f, '2': 0x00 };
  const v = map[base];
  return v === undefined ? '' : String.fromCharCode(v);
}
