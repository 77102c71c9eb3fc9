/**
 * Stable reason codes of the e-code verifier (docs/ecode.md §5), with the plain message a person sees.
 * Three outcomes (after the EU DCC verifiers): valid, invalid (a definite "no"), cannot-decide (the
 * terminal lacks what it needs to be sure: a fresh trust list, a trustworthy clock, its own store).
 */
export type Outcome = 'valid' | 'invalid' | 'cannot-decide';

export const INVALID_REASONS = {
  malformed: 'the code is not a well-formed code of its scheme',
  truncated: 'the code is cut short (partly scanned or damaged)',
  'unsupported-version': 'the code uses a format version this terminal does not know',
  'unknown-scheme': 'this kind of code is not known here',
  'scheme-not-accepted': 'this kind of code is not accepted at this service',
  'unknown-issuer-key': 'the code was issued with a key this terminal does not trust',
  'issuer-key-not-valid': 'the certificate was issued outside its issuer key\u2019s validity period',
  'issuer-key-scope': 'the issuer key may not issue codes for this service or region',
  'bad-certificate-signature': 'the holder certificate is forged or damaged (issuer signature does not verify)',
  'bad-code-signature': 'the code is forged or damaged (phone signature does not verify)',
  'wrong-scope': 'the code was made for another service',
  'region-not-accepted': 'codes of this region are not accepted here',
  'card-status': 'the holder\u2019s card is not active (reported lost, suspended or cancelled)',
  'challenge-missing': 'this service needs a code answering the terminal\u2019s challenge',
  'challenge-mismatch': 'the code answers another challenge than the one shown by this terminal',
  'certificate-not-yet-valid': 'the holder certificate is not valid yet',
  'certificate-expired': 'the holder certificate has expired: refresh the app',
  'code-expired': 'the code is too old: show a fresh code',
  'code-future-dated': 'the code is dated in the future (phone clock wrong?)',
  revoked: 'the certificate or the holder is revoked',
  replayed: 'this code was already used',
  'anti-passback': 'the same holder passed here a moment ago',
} as const;

export const CANNOT_DECIDE_REASONS = {
  'no-trust-list': 'no e-code trust list is installed',
  'trust-list-stale': 'the e-code trust list is older than allowed',
  'no-revocation-list': 'no e-code revocation list is installed',
  'revocation-list-stale': 'the e-code revocation list is older than allowed',
  'clock-untrusted': 'the terminal clock is not trustworthy',
  'store-unavailable': 'the terminal cannot record the code durably',
} as const;

export type InvalidReason = keyof typeof INVALID_REASONS;
export type CannotDecideReason = keyof typeof CANNOT_DECIDE_REASONS;
export type EcodeReason = 'ok' | InvalidReason | CannotDecideReason;

/** Reasons that depend on the clock: with an untrusted clock they turn into cannot-decide. */
export const TIME_REASONS: ReadonlySet<EcodeReason> = new Set<EcodeReason>(['certificate-not-yet-valid', 'certificate-expired', 'code-expired', 'code-future-dated']);

export function reasonMessage(r: EcodeReason): string {
  if (r === 'ok') return 'valid code';
  return (INVALID_REASONS as Record<string, string>)[r] ?? (CANNOT_DECIDE_REASONS as Record<string, string>)[r] ?? r;
}
