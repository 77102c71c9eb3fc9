/**
 * The e-code's two downloadable artefact kinds, as plain specs the integrator registers with the
 * downloads module (`registry.register(spec)` — src/downloads/registry.ts ArtefactKindSpec; this
 * module does not import it, so the e-code does not depend on the downloads layer). validate() throws
 * an Error whose message says what is wrong, as the registry expects.
 *
 * After a new version is in force, hand its payload to the verifier:
 *   verifier.installTrustList(payload) / verifier.applyRevocations(payload)
 */
import { encodeRevocations, REVOCATIONS_KIND, validateRevocations, type RevocationList } from './revocations';
import { TRUST_LIST_KIND, TRUST_LIST_MAX_BYTES, validateTrustList, type TrustList, type TrustRoot } from './trust-list';

export interface EcodeArtefactSpec<T> {
  kind: string;
  description: string;
  maxPayloadBytes: number;
  defaultMaxAgeMs: number;
  validate(payload: Uint8Array, header?: unknown): T;
  applyDelta?(current: Uint8Array, delta: Uint8Array, header?: unknown): Uint8Array;
}

export function trustListArtefactSpec(roots: readonly TrustRoot[], maxAgeHours = 24 * 7): EcodeArtefactSpec<TrustList> {
  return {
    kind: TRUST_LIST_KIND,
    description: 'e-code trust list: issuer keys by key id, signed by an e-code root',
    maxPayloadBytes: TRUST_LIST_MAX_BYTES,
    defaultMaxAgeMs: maxAgeHours * 3_600_000,
    validate(payload) {
      const r = validateTrustList(payload, roots);
      if (!r.ok) throw new Error(`e-code trust list refused: ${r.error}`);
      return r.value;
    },
  };
}

/** A full list plus an increment on its version → the next full list (the downloads layer's applyDelta). */
export function mergeRevocations(full: RevocationList, delta: RevocationList): RevocationList {
  if (full.baseVersion !== null) throw new Error('mergeRevocations: the current list must be a full list');
  if (delta.baseVersion !== full.version) throw new Error(`revocation increment ${delta.baseVersion}→${delta.version} does not apply to version ${full.version}`);
  const m = new Map(full.add.map((e) => [e.hash, e]));
  for (const h of delta.remove) m.delete(h);
  for (const e of delta.add) m.set(e.hash, e);
  return { version: delta.version, baseVersion: null, issuedAtMs: delta.issuedAtMs, add: [...m.values()], remove: [] };
}

export function revocationsArtefactSpec(maxAgeHours = 48, maxPayloadBytes = 256 << 20): EcodeArtefactSpec<RevocationList> {
  const parse = (p: Uint8Array, what: string): RevocationList => {
    const r = validateRevocations(p);
    if (!r.ok) throw new Error(`e-code revocation ${what} refused: ${r.error}`);
    return r.value;
  };
  return {
    kind: REVOCATIONS_KIND,
    description: 'e-code revocations: hashed certificate serials and holder tokens, with expiry',
    maxPayloadBytes,
    defaultMaxAgeMs: maxAgeHours * 3_600_000,
    validate: (payload) => parse(payload, 'list'),
    applyDelta: (current, delta) => encodeRevocations(mergeRevocations(parse(current, 'list in force'), parse(delta, 'increment'))),
  };
}
