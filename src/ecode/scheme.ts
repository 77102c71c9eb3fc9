/**
 * A registry of code schemes (一码通城: the city's other codes can join). A scheme owns a text prefix
 * that names it and its version, parses its own format and runs its own cryptographic and validity
 * checks; the verifier does what is common to all: profile policy (accepted schemes, fail-open/closed),
 * revocation, the durable replay set and anti-passback.
 */
import type { Credential } from '../core/credential';
import type { CertCache } from './cert-cache';
import type { EcodeProfile } from './config';
import type { CannotDecideReason, InvalidReason } from './reasons';
import type { TrustList } from './trust-list';

export interface SchemeEnv {
  nowMs: number;
  skewMs: number;
  /** Max code age at this profile. */
  codeMaxAgeMs: number;
  /** How long a seen code must be remembered (the longest max age of any profile + skew). */
  replayRetentionMs: number;
  profileName: string;
  profile: EcodeProfile;
  /** The challenge this terminal currently shows, if any. */
  challenge?: Uint8Array;
  device?: string;
  trustList?: TrustList;
  trustListStale: boolean;
  certCache: CertCache;
  /** Ed25519 verification (node:crypto by default; injectable for a benchmark baseline or another provider). */
  verifySignature: SignatureVerifier;
}

export type SignatureVerifier = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

/** Fields of a code for display (`ykt scan`, `ykt ecode show`): nothing personal, nothing verified. */
export type SchemeFields = Record<string, string | number | boolean>;

export type SchemeVerdict =
  | { ok: false; reason: InvalidReason | CannotDecideReason; detail?: string; info?: SchemeFields }
  | {
      ok: true;
      credential: Credential;
      /** Identity of this presentation for the replay set (absent: a static code, nothing to replay-check). */
      replayKey?: string;
      replayExpiresAtMs: number;
      /** Revocation hashes to look up (certificate serial, holder token). */
      revocationHashes: readonly string[];
      /** Everything checked out, but on a basis the terminal cannot fully trust (a stale trust list). */
      doubt?: CannotDecideReason;
      info: SchemeFields;
    };

export interface CodeScheme {
  /** Stable id, used in profiles' acceptedSchemes: "ykt-ecode-v1". */
  readonly id: string;
  /** Text prefix naming the scheme and version: "YKE1:". */
  readonly prefix: string;
  readonly description: string;
  /** Parse without verifying, for display. */
  describe(text: string): { ok: true; fields: SchemeFields } | { ok: false; reason: InvalidReason; detail: string };
  verify(text: string, env: SchemeEnv): SchemeVerdict;
}

export class SchemeRegistry {
  private readonly schemes: CodeScheme[] = [];

  register(s: CodeScheme): this {
    if (this.schemes.some((x) => x.id === s.id)) throw new Error(`scheme ${s.id} is already registered`);
    const clash = this.schemes.find((x) => x.prefix.startsWith(s.prefix) || s.prefix.startsWith(x.prefix));
    if (clash) throw new Error(`scheme ${s.id}: prefix "${s.prefix}" overlaps "${clash.prefix}" of ${clash.id}`);
    this.schemes.push(s);
    return this;
  }

  match(text: string): CodeScheme | undefined {
    return this.schemes.find((s) => text.startsWith(s.prefix));
  }

  get(id: string): CodeScheme | undefined {
    return this.schemes.find((s) => s.id === id);
  }

  list(): readonly CodeScheme[] {
    return this.schemes;
  }
}
