/**
 * HID Usage Tables 1.4 §10, Keyboard/Keypad page (0x07): the usages a keyboard-wedge scanner sends,
 * and the characters they type on a US layout (unshifted, shifted). Chinese PCs use the same physical
 * layout; what differs on a "CN" scanner setting is how non-ASCII text is typed (Alt + keypad GBK
 * codes, see keyboard.ts).
 */

/** usage → [unshifted, shifted] for keys that type a character. */
export const US_KEYS: ReadonlyMap<number, readonly [string, string]> = (() => {
  const m = new Map<number, readonly [string, string]>();
  for (let i = 0; i < 26; i++) m.set(0x04 + i, [String.fromCharCode(0x61 + i), String.fromCharCode(0x41 + i)]);
  const digits = '1234567890';
  const shifted = '!@#$%^&*()';
  for (let i = 0; i < 10; i++) m.set(0x1e + i, [digits[i]!, shifted[i]!]);
  const rest: [number, string, string][] = [
    [0x2c, ' ', ' '],
    [0x2d, '-', '_'],
    [0x2e, '=', '+'],
    [0x2f, '[', '{'],
    [0x30, ']', '}'],
    [0x31, '\\', '|'],
    [0x32, '#', '~'], // Non-US # and ~ (ISO keyboards); a US-mode scanner does not send it
    [0x33, ';', ':'],
    [0x34, "'", '"'],
    [0x35, '`', '~'],
    [0x36, ',', '<'],
    [0x37, '.', '>'],
    [0x38, '/', '?'],
  ];
  for (const [u, a, b] of rest) m.set(u, [a, b]);
  return m;
})();

export const KEY = {
  errorRollOver: 0x01,
  enter: 0x28,
  escape: 0x29,
  backspace: 0x2a,
  tab: 0x2b,
  capsLock: 0x39,
  kpSlash: 0x54,
  kpStar: 0x55,
  kpMinus: 0x56,
  kpPlus: 0x57,
  kpEnter: 0x58,
  kp1: 0x59, // … kp9 = 0x61
  kp0: 0x62,
  kpDot: 0x63,
} as const;

/** Keypad usages → character (Num Lock on, as scanners assume). */
export function keypadChar(usage: number): string | undefined {
  if (usage >= KEY.kp1 && usage <= KEY.kp1 + 8) return String(usage - KEY.kp1 + 1);
  switch (usage) {
    case KEY.kp0:
      return '0';
    case KEY.kpDot:
      return '.';
    case KEY.kpSlash:
      return '/';
    case KEY.kpStar:
      return '*';
    case KEY.kpMinus:
      return '-';
    case KEY.kpPlus:
      return '+';
  }
  return undefined;
}

/** Modifier byte of a boot keyboard report (HID 1.11 Appendix B.1). */
export const MOD = {
  lCtrl: 0x01,
  lShift: 0x02,
  lAlt: 0x04,
  lGui: 0x08,
  rCtrl: 0x10,
  rShift: 0x20,
  rAlt: 0x40,
  rGui: 0x80,
  ctrl: 0x11,
  shift: 0x22,
  alt: 0x44,
} as const;

/** Reverse map for synthesising reports (tests, recordings): character → [usage, shift]. */
export function usageForChar(ch: string): [number, boolean] | undefined {
  for (const [u, [a, b]] of US_KEYS) {
    if (u === 0x32) continue;
    if (a === ch) return [u, false];
    if (b === ch) return [u, true];
  }
  if (ch === '\r') return [KEY.enter, false];
  if (ch === '\t') return [KEY.tab, false];
  return undefined;
}
