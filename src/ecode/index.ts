/** src/ecode: the offline-verifiable e-code (docs/ecode.md). Public surface for the runtime and the CLI. */
export { EcodeVerifier, defaultSchemes, type VerifyContext, type VerifyResult, type ClockHealth, type EcodeVerifierOptions, type InstallResult } from './verifier';
export { ecodeConfigSchema, ecodeProfileSchema, parseEcodeConfig, ECODE_CONFIG_DEFAULTS, type EcodeConfig, type EcodeProfile, type EcodeConfigInput } from './config';
export { SqliteEcodeStore, ecodeStorePath } from './sqlite-store';
export type { EcodeStore, AdmitRequest, AdmitResult, RevocationState } from './store';
export { validateTrustList, signTrustList, TRUST_LIST_KIND, TRUST_LIST_FORMAT, type TrustList, type TrustListBody, type TrustRoot, type IssuerKey, type ValidationResult } from './trust-list';
export { validateRevocations, encodeRevocations, serialRevocationHash, holderRevocationHash, REVOCATIONS_KIND, REVOCATIONS_FORMAT, type RevocationList, type RevocationEntry } from './revocations';
export { SchemeRegistry, type CodeScheme, type SchemeEnv, type SchemeVerdict, type SchemeFields, type SignatureVerifier } from './scheme';
export { yke1Scheme, YKE1_PREFIX, YKE1_SCHEME_ID } from './scheme-yke1';
export { staticCardScheme, staticCodeText, STATIC_PREFIX, STATIC_SCHEME_ID } from './scheme-static';
export { reasonMessage, INVALID_REASONS, CANNOT_DECIDE_REASONS, type EcodeReason, type Outcome } from './reasons';
export { SCOPES, SCOPE_NAMES, CATEGORY_BITS, CARD_STATUS, type ScopeName } from './tables';
export { newKeyPair, keyPairFromPrivate, issueCertificate, makeCode, makeCodeBytes, codeText, type KeyPairRecord } from './issue';
export { base45Encode, base45Decode } from './base45';
export { trustListArtefactSpec, revocationsArtefactSpec, mergeRevocations, type EcodeArtefactSpec } from './artefacts';
