/**
 * Firmware errors (STYLE.md §5). A refused image or metadata file is a FirmwareError with a kind that
 * says which rule it broke; the installer turns every refusal into "nothing changed" — the running slot
 * keeps running. Messages tell the operator what to do.
 */
import { YktError } from '../core/errors';

export type FirmwareErrorKind =
  | 'malformed' // metadata or state file is not what the format says
  | 'signature' // fewer valid signatures than the role's threshold
  | 'expired' // metadata expired against trusted time (or a freeze attack)
  | 'rollback' // a metadata version went down
  | 'mismatch' // metadata that does not belong together (mix-and-match), or a gap in the root chain
  | 'no-target' // the repository offers nothing for this hardware
  | 'version' // the image is not newer than the installed one
  | 'image-size' // archive length differs from the signed length, or exceeds the limit
  | 'image-hash' // archive SHA-256 differs from the signed hash
  | 'archive' // unsafe or malformed archive (traversal, links, devices, duplicates, oversize)
  | 'manifest' // manifest disagrees with the signed target or with the files
  | 'busy' // the runtime did not quiesce in time
  | 'health' // the new slot failed its health check
  | 'state' // slot state does not allow the operation
  | 'io'; // the file system failed

export class FirmwareError extends YktError {
  constructor(
    readonly kind: FirmwareErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, `firmware/${kind}`, options);
  }
}
