/**
 * The backstop: personal identifiers found in free text (messages, error texts, values of fields not on
 * the deny list) are masked before a log line is written. Field policy (redact.ts) is the first line
 * of defence; this catches what slips through, e.g. an error message quoting a PAN.
 *
 * - Citizen ID numbers (GB 11643-1999): 18 characters, 17 digits and a check character (digit or X),
 *   with the birth date YYYYMMDD at positions 7–14. We mask any 18-character run with a plausible
 *   birth date, WITHOUT requiring the check character to be right: a mistyped ID is still personal.
 *   15-digit first-generation IDs (invalid since 2013) are not detected (too many false positives).
 * - PANs (ISO/IEC 7812-1): 13–19 digits passing Luhn, possibly grouped by spaces or dashes
 *   ("6228 4800 1234 5678"). Luhn keeps millisecond timestamps and sequence numbers mostly clear
 *   (90 % of random 13–19 digit numbers fail it); the 10 % that pass are masked: the safe side.
 *
 * Not detectable in free text, hence on the field deny list only: names, 9-character social security
 * card numbers, T-Union serials, hex dumps of card data (never log APDU data: redact.ts drops bytes).
 */
import { maskIdNumber, maskPan } from '../core/mask';

/** Luhn (ISO/IEC 7812-1 annex B) over a digit string. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** True when the 8 digits look like a birth date YYYYMMDD between 1900 and 2099 (calendar-loose). */
function plausibleBirthDate(yyyymmdd: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  return y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/** True for an 18-character citizen ID number shape (17 digits + digit/X) with a plausible birth date. */
export function looksLikeIdNumber(s: string): boolean {
  return /^\d{17}[\dXx]$/.test(s) && plausibleBirthDate(s.slice(6, 14));
}

const ID_RE = /(?<!\d)\d{17}[\dXx](?!\d)/g;
// A run of digits, optionally grouped by single spaces or dashes. A run of more than 19 digits with
// no separator is not a PAN (hex dumps, long serials): only spans of whole groups are considered.
const DIGIT_RUN_RE = /(?<!\d)\d+(?:[ -]\d+)*(?!\d)/g;

function maskPansInRun(run: string): string {
  const parts = run.split(/([ -])/); // digits, sep, digits, sep, …
  const groups: string[] = [];
  for (let i = 0; i < parts.length; i += 2) groups.push(parts[i]!);
  // Candidate spans of whole groups holding 13–19 digits and passing Luhn; longest first, so
  // "6228 4800 1234 5678 2024" masks the 16 digits and leaves the year. O(groups × 19).
  const spans: { start: number; end: number; digits: string }[] = [];
  for (let start = 0; start < groups.length; start++) {
    let digits = '';
    for (let end = start; end < groups.length; end++) {
      digits += groups[end]!;
      if (digits.length > 19) break;
      if (digits.length >= 13 && luhnValid(digits)) spans.push({ start, end, digits });
    }
  }
  spans.sort((a, b) => b.digits.length - a.digits.length || a.start - b.start);
  const done = new Array<boolean>(groups.length).fill(false);
  for (const sp of spans) {
    if (done.slice(sp.start, sp.end + 1).some(Boolean)) continue;
    let m = maskPan(sp.digits);
    for (let g = sp.start; g <= sp.end; g++) {
      const n = groups[g]!.length;
      groups[g] = m.slice(0, n);
      m = m.slice(n);
      done[g] = true;
    }
  }
  let out = '';
  for (let i = 0; i < parts.length; i++) out += i % 2 === 0 ? groups[i / 2]! : parts[i]!;
  return out;
}

/** Mask ID numbers and Luhn-valid PANs in free text. Idempotent; leaves other text untouched. */
export function scrubText(text: string): string {
  if (!/\d{13}|\d[ -]\d/.test(text)) return text; // fast path: no long digit run at all
  let out = text.replace(ID_RE, (m) => (looksLikeIdNumber(m) ? maskIdNumber(m) : m));
  out = out.replace(DIGIT_RUN_RE, (run) => {
    if (run.replace(/[ -]/g, '').length < 13) return run;
    return maskPansInRun(run);
  });
  return out;
}
