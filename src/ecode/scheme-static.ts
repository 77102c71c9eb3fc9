/**
 * Scheme "ykt-static-v1" (prefix "YKS1:"): a static card code — the card identification code (SSSE
 * EF05 tag 01, 16 bytes, DOMAIN.md §1.1) printed as 32 hex digits plus a 2-digit check (ISO 7064
 * MOD 97-10 over the hex value, as IBAN does). It carries no signature and no time: anyone can copy
 * it. It exists for the city services that print such codes (一码通城), and a profile accepts it only
 * where a copy does no harm (acceptedSchemes). It yields the same holder token as the card, so
 * anti-passback and revocation by holder apply to it too.
 */
import { fromHex, toHex } from '../../apdu/hex';
import type { Credential } from '../core/credential';
import { holderTokenFromCardId } from '../core/holder-token';
import { holderRevocationHash } from './revocations';
import type { CodeScheme, SchemeVerdict } from './scheme';

export const STATIC_PREFIX = 'YKS1:';
export const STATIC_SCHEME_ID = 'ykt-static-v1';
const MOHRSS_RID = 'D156000005';

export function staticCheckDigits(hex32: string): string {
  const r = (BigInt('0x' + hex32) * 100n) % 97n;
  return String(98n - r).padStart(2, '0');
}

/** The static code text of a card identification code. */
export function staticCodeText(cardIdentificationCode: Uint8Array): string {
  if (cardIdentificationCode.length !== 16) throw new RangeError(`card identification code: expected 16 bytes, got ${cardIdentificationCode.length}`);
  const hex = toHex(cardIdentificationCode);
  return STATIC_PREFIX + hex + staticCheckDigits(hex);
}

type Parsed = { ok: true; cid: Uint8Array; region: string } | { ok: false; reason: 'truncated' | 'malformed'; detail: string };

function parse(text: string): Parsed {
  const body = text.slice(STATIC_PREFIX.length);
  if (body.length < 34) return { ok: false, reason: 'truncated', detail: `${body.length} characters, expected 34` };
  if (body.length > 34 || !/^[0-9A-F]{32}\d{2}$/.test(body)) return { ok: false, reason: 'malformed', detail: 'expected 32 upper-case hex digits and 2 check digits' };
  const hex = body.slice(0, 32);
  if (staticCheckDigits(hex) !== body.slice(32)) return { ok: false, reason: 'malformed', detail: 'check digits do not match (misread?)' };
  if (hex.slice(6, 16) !== MOHRSS_RID) return { ok: false, reason: 'malformed', detail: 'not a social security card identification code (RID D156000005)' };
  const region = hex.slice(0, 6);
  if (!/^\d{6}$/.test(region)) return { ok: false, reason: 'malformed', detail: 'region is not BCD' };
  return { ok: true, cid: fromHex(hex), region };
}

/** The static scheme needs the holder-token key (a scheme parameter) to give the card's holder token. */
export function staticCardScheme(holderTokenKey: Uint8Array): CodeScheme {
  return {
    id: STATIC_SCHEME_ID,
    prefix: STATIC_PREFIX,
    description: 'static card code (card identification code, unsigned: accepted only where a profile allows)',
    describe(text) {
      const p = parse(text);
      return p.ok ? { ok: true, fields: { region: p.region, signed: false } } : p;
    },
    verify(text, env): SchemeVerdict {
      const p = parse(text);
      if (!p.ok) return p;
      if (p.region && env.profile.acceptedRegions.length && !env.profile.acceptedRegions.some((r) => p.region.startsWith(r))) {
        return { ok: false, reason: 'region-not-accepted', detail: `region ${p.region}` };
      }
      const holderToken = holderTokenFromCardId(holderTokenKey, p.cid);
      const credential: Credential = { source: 'static-code', holderToken, region: p.region, categories: ['standard'], hotlistKeys: [], device: env.device };
      return { ok: true, credential, replayExpiresAtMs: 0, revocationHashes: [holderRevocationHash(holderToken)], info: { region: p.region, signed: false } };
    },
  };
}
