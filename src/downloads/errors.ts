/**
 * Why a download was refused, or why the local copy cannot be used. Refusing is a normal outcome of a
 * lying network or a misconfigured publisher, so each reason is a stable code plus a message that
 * tells the operator what to do.
 */
import { YktError } from '../core/errors';

export type RefusalReason =
  | 'malformed' // not an artefact envelope, or a header that fails its schema
  | 'truncated' // fewer bytes than announced
  | 'too-large' // larger than the kind allows
  | 'unknown-kind' // no module registered this kind on the terminal
  | 'unknown-key' // signed only by keys the terminal does not trust
  | 'bad-signature' // a trusted key id, but the signature does not verify
  | 'key-not-valid' // a trusted key, outside its validity window or not allowed for this kind
  | 'not-enough-signatures' // fewer valid signatures than downloads.requiredSignatures
  | 'payload-hash' // the payload does not match the signed SHA-256 (corrupted in transit)
  | 'payload-invalid' // the owning module's validator refused the payload
  | 'rollback' // older than the version in force (replay of an old artefact, or a restored backend)
  | 'wrong-base' // a delta for another version than the one in force (or none usable is in force)
  | 'delta-unsupported' // a delta for a kind that only takes full artefacts
  | 'result-mismatch' // a delta applied, but the result differs from what the publisher signed
  | 'expired' // past its `expires` time
  | 'not-yet-valid' // created in the future beyond the allowed clock skew
  | 'kind-mismatch'; // the backend answered with another kind than requested

export class ArtefactRefused extends YktError {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    readonly kind?: string,
    readonly version?: number,
    options?: { cause?: unknown },
  ) {
    super(message, `download/${reason}`, options);
  }
}

/** The terminal's own download state cannot be used (corrupt database or files, I/O failure). */
export class DownloadStoreError extends YktError {
  constructor(
    readonly reason: 'corrupt' | 'io',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, `download-store/${reason}`, options);
  }
}

/** Fetching from the backend failed (network, HTTP status, oversized answer). The store is unchanged. */
export class DownloadFetchError extends YktError {
  constructor(
    readonly reason: 'network' | 'timeout' | 'http' | 'too-large',
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, `download-fetch/${reason}`, options);
  }
}
