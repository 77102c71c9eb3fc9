/**
 * Scheme "ykt-ecode-v1" (prefix "YKE1:"): the two-level signed e-code of format.ts, base45 text.
 * Check order (docs/ecode.md §5): structure → issuer key → issuer signature (cacheable) → phone
 * signature → scope, region, card status, challenge → time. Time checks come last so that, with an
 * untrusted clock, every check that does not depend on time has already had its say.
 */
import { concat, toHex } from '../../apdu/hex';
import type { Credential } from '../core/credential';
import { base45Decode, base45DecodedLength, base45EncodedLength, Base45Error, base45InvalidAt } from './base45';
import { CertCache, type CertDerived } from './cert-cache';
import { CERT_DOMAIN, CERT_LENGTH, CODE_DOMAIN, CODE_LENGTH, CODE_LENGTH_WITH_CHALLENGE, EcodeFormatError, parseCertificate, parseCode, type DynamicCode, type HolderCertificate } from './format';
import { hotlistKeyBytes } from '../hotlist/key';
import { holderRevocationHash, serialRevocationHash } from './revocations';
import type { CodeScheme, SchemeEnv, SchemeFields, SchemeVerdict } from './scheme';
import { cardStatusName, categoriesFromBits, scopeName } from './tables';
import type { IssuerKey } from './trust-list';

export const YKE1_PREFIX = 'YKE1:';
export const YKE1_SCHEME_ID = 'ykt-ecode-v1';
const MAX_TEXT = base45EncodedLength(CODE_LENGTH_WITH_CHALLENGE);
const MIN_TEXT = base45EncodedLength(CODE_LENGTH);

type Decoded = { ok: true; bytes: Uint8Array } | { ok: false; reason: 'truncated' | 'malformed'; detail: string };

function decodeText(text: string): Decoded {
  const body = text.slice(YKE1_PREFIX.length);
  if (body.length > MAX_TEXT) return { ok: false, reason: 'malformed', detail: `code text of ${body.length} characters is longer than any YKE1 code (${MAX_TEXT})` };
  const bad = base45InvalidAt(body);
  if (bad >= 0) return { ok: false, reason: 'malformed', detail: `character ${JSON.stringify(body[bad])} at ${YKE1_PREFIX.length + bad} is not base45` };
  if (body.length < MIN_TEXT || base45DecodedLength(body.length) < 0) {
    return { ok: false, reason: 'truncated', detail: `code text of ${body.length} characters is shorter than a YKE1 code (${MIN_TEXT})` };
  }
  try {
    return { ok: true, bytes: base45Decode(body) };
  } catch (e) {
    return { ok: false, reason: 'malformed', detail: e instanceof Base45Error ? e.message : String(e) };
  }
}

/** Everything the certificate alone determines, once per certificate (cached with it: cert-cache.ts). */
function deriveCert(c: HolderCertificate): CertDerived {
  const serial = toHex(c.serial);
  const categories = categoriesFromBits(c.categoryBits);
  return {
    serial,
    fields: {
      issuerKeyId: toHex(c.issuerKeyId).toLowerCase(),
      region: c.region,
      cardStatus: cardStatusName(c.cardStatus),
      categories: categories.join(',') || '-',
      certValidFrom: new Date(c.validFrom * 1000).toISOString(),
      certValidTo: new Date(c.validTo * 1000).toISOString(),
    },
    categories,
    revocationHashes: [serialRevocationHash(c.serial), holderRevocationHash(c.holderToken)],
    // The common hotlist key space (src/hotlist/key.ts): kind 'ecode-cert', id = the serial as 16 upper-case hex digits.
    hotlistKeys: [toHex(hotlistKeyBytes('ecode-cert', serial)).toLowerCase()],
  };
}

function codeInfo(code: DynamicCode, d: CertDerived = deriveCert(code.cert)): SchemeFields {
  const info: SchemeFields = {
    serial: d.serial,
    counter: code.counter,
    timestamp: new Date(code.timestamp * 1000).toISOString(),
    scope: scopeName(code.scope),
    ...d.fields,
  };
  if (code.challenge) info.challenge = toHex(code.challenge);
  return info;
}

function regionMatches(region: string, prefixes: readonly string[] | undefined): boolean {
  return !prefixes || prefixes.length === 0 || prefixes.some((p) => region.startsWith(p));
}

export const yke1Scheme: CodeScheme = {
  id: YKE1_SCHEME_ID,
  prefix: YKE1_PREFIX,
  description: 'yikatong offline e-code v1 (two-level Ed25519, base45)',

  describe(text) {
    const d = decodeText(text);
    if (!d.ok) return d;
    try {
      return { ok: true, fields: codeInfo(parseCode(d.bytes)) };
    } catch (e) {
      if (e instanceof EcodeFormatError) return { ok: false, reason: e.fault, detail: e.message };
      throw e;
    }
  },

  verify(text: string, env: SchemeEnv): SchemeVerdict {
    const d = decodeText(text);
    if (!d.ok) return d;
    const bytes = d.bytes; // ≥ CODE_LENGTH bytes: decodeText refused anything shorter as truncated

    // 1. Certificate: from the cache when these exact bytes were verified before, else verify now.
    const cacheKey = CertCache.keyOf(bytes.subarray(0, CERT_LENGTH));
    let cert: HolderCertificate;
    let key: IssuerKey;
    let derived: CertDerived;
    let cached = env.certCache.get(cacheKey);
    if (cached && env.trustList?.keys.get(cached.key.keyId) !== cached.key) cached = undefined; // belt and braces: the list changed
    if (cached) {
      ({ cert, key, derived } = cached);
    } else {
      try {
        cert = parseCertificate(bytes);
      } catch (e) {
        if (e instanceof EcodeFormatError) return { ok: false, reason: e.fault, detail: e.message };
        throw e;
      }
      if (!env.trustList) return { ok: false, reason: 'no-trust-list' };
      const keyId = toHex(cert.issuerKeyId).toLowerCase();
      const k = env.trustList.keys.get(keyId);
      if (!k) {
        // With a stale list the key may simply be newer than our list: we cannot decide.
        return env.trustListStale
          ? { ok: false, reason: 'trust-list-stale', detail: `issuer key ${keyId} not in the (stale) trust list v${env.trustList.version}` }
          : { ok: false, reason: 'unknown-issuer-key', detail: `issuer key ${keyId} is not in trust list v${env.trustList.version}` };
      }
      if (!env.verifySignature(k.publicKey, concat(CERT_DOMAIN, cert.body), cert.signature)) {
        return { ok: false, reason: 'bad-certificate-signature', detail: `issuer key ${keyId}` };
      }
      key = k;
      derived = deriveCert(cert);
      env.certCache.set(cacheKey, { cert, key, derived });
    }

    // 2. The code around the certificate, and the phone's signature over it.
    let code: DynamicCode;
    try {
      code = parseCode(bytes, cert);
    } catch (e) {
      if (e instanceof EcodeFormatError) return { ok: false, reason: e.fault, detail: e.message };
      throw e;
    }
    const info = codeInfo(code, derived);
    info.certCached = cached !== undefined;
    if (!env.verifySignature(cert.devicePublicKey, concat(CODE_DOMAIN, code.signed), code.signature)) {
      return { ok: false, reason: 'bad-code-signature', info };
    }

    // 3. Issuer key's own limits, then the service's.
    const skew = env.skewMs;
    const certFromMs = cert.validFrom * 1000;
    const certToMs = cert.validTo * 1000;
    if (certFromMs < key.validFromMs - skew || certFromMs > key.validToMs) {
      return { ok: false, reason: 'issuer-key-not-valid', detail: `certificate issued ${new Date(certFromMs).toISOString()}, key ${key.keyId} valid ${new Date(key.validFromMs).toISOString()}..${new Date(key.validToMs).toISOString()}`, info };
    }
    const scope = scopeName(code.scope);
    if (key.scopes && !key.scopes.includes(scope)) return { ok: false, reason: 'issuer-key-scope', detail: `key ${key.keyId} may not issue "${scope}" codes`, info };
    if (!regionMatches(cert.region, key.regions)) return { ok: false, reason: 'issuer-key-scope', detail: `key ${key.keyId} may not issue for region ${cert.region}`, info };
    if (!env.profile.scopes.includes(scope)) return { ok: false, reason: 'wrong-scope', detail: `code for "${scope}", profile ${env.profileName} accepts ${env.profile.scopes.join(', ')}`, info };
    if (!regionMatches(cert.region, env.profile.acceptedRegions)) return { ok: false, reason: 'region-not-accepted', detail: `region ${cert.region}`, info };
    if (cert.cardStatus !== 0) return { ok: false, reason: 'card-status', detail: cardStatusName(cert.cardStatus), info };
    if (code.challenge) {
      const c = env.challenge;
      if (!c || c.length !== code.challenge.length || !code.challenge.every((b, i) => b === c[i])) return { ok: false, reason: 'challenge-mismatch', info };
    } else if (env.profile.challenge === 'required') return { ok: false, reason: 'challenge-missing', info };

    // 4. Time, last (see the header).
    const now = env.nowMs;
    if (now < certFromMs - skew) return { ok: false, reason: 'certificate-not-yet-valid', info };
    if (now > certToMs + skew) return { ok: false, reason: 'certificate-expired', info };
    const tsMs = code.timestamp * 1000;
    if (tsMs > now + skew) return { ok: false, reason: 'code-future-dated', detail: `${Math.round((tsMs - now) / 1000)} s ahead`, info };
    if (now - tsMs > env.codeMaxAgeMs + skew) return { ok: false, reason: 'code-expired', detail: `${Math.round((now - tsMs) / 1000)} s old`, info };

    const credential: Credential = {
      source: 'ecode',
      holderToken: cert.holderToken,
      region: cert.region,
      // Copies: the cached values are shared by every code of this certificate.
      categories: [...derived.categories],
      validFromMs: certFromMs,
      validToMs: certToMs,
      hotlistKeys: [...derived.hotlistKeys],
      device: env.device,
    };
    return {
      ok: true,
      credential,
      replayKey: `yke1:${derived.serial}:${code.counter}`,
      replayExpiresAtMs: tsMs + env.replayRetentionMs + 1000,
      revocationHashes: derived.revocationHashes,
      doubt: env.trustListStale ? 'trust-list-stale' : undefined,
      info,
    };
  },
};
