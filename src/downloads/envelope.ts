/**
 * The signed artefact envelope (this project's format, in the spirit of COSE_Sign with a detached
 * payload hash). Every download — hotlist, fares, CA keys, e-code trust and revocation lists — travels
 * in one.
 *
 *   offset   size
 *     0        4  magic "YKA1"
 *     4        4  H = header length, u32 big-endian, 2..16384
 *     8        H  header: UTF-8 JSON (ArtefactHeader below), exactly the signed bytes
 *     8+H      4  P = payload length, u32 big-endian (must equal header.payloadLength)
 *    12+H      P  payload (format owned by the kind's module)
 *    12+H+P    1  S = signature count, 1..8
 *     …     S·72  S × (key id 8 bytes ‖ Ed25519 signature 64 bytes)
 *   nothing after that.
 *
 * Each signature covers  "YKT-ARTEFACT-V1" ‖ 0x00 ‖ header bytes;  the header carries the payload's
 * SHA-256, so a signature is checked (≈ 0.2 ms) before hashing a large payload, and a payload damaged
 * in transit is told apart from a forged header. The parser is bounded and keeps the exact signed bytes
 * (STYLE.md §6).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ArtefactRefused } from './errors';

export const ENVELOPE_MAGIC = 'YKA1';
const MAGIC = Buffer.from(ENVELOPE_MAGIC, 'latin1');
export const MAX_HEADER_BYTES = 16 * 1024;
export const MAX_SIGNATURES = 8;
const SIG_DOMAIN = Buffer.from('YKT-ARTEFACT-V1\0', 'latin1');

const kindRe = /^[a-z][a-z0-9-]{0,31}$/;
const uint = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const artefactHeaderSchema = z
  .object({
    format: z.literal(1),
    /** Registered kind name, e.g. "hotlist", "fare-params" (registry.ts ARTEFACT_KINDS). */
    kind: z.string().regex(kindRe, 'a lowercase name of 1–32 letters, digits or dashes'),
    /** Version of the content after applying this artefact; strictly increasing per kind. */
    version: uint.min(1),
    /** Present on a delta: the version it applies to. */
    base: uint.optional(),
    /** Publisher time the content was fixed, epoch ms. Age and staleness count from here. */
    created: uint,
    /** Hard expiry, epoch ms: refused after this, and stale if still in force. */
    expires: uint,
    /** Publisher's maximum age; the terminal uses the smaller of this and its own setting. */
    maxAgeMs: uint.min(1).optional(),
    payloadLength: uint,
    payloadSha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
    /** Free text for operators (never personal data). */
    note: z.string().max(200).optional(),
  })
  .strict()
  .refine((h) => h.base === undefined || h.base < h.version, { message: 'a delta base must be lower than its version', path: ['base'] })
  .refine((h) => h.expires > h.created, { message: 'expires must be after created', path: ['expires'] });

export type ArtefactHeader = z.infer<typeof artefactHeaderSchema>;

export interface ArtefactSignature {
  /** 16 hex digits: ed25519KeyId(publicKey). */
  keyId: string;
  signature: Uint8Array;
}

export interface Envelope {
  header: ArtefactHeader;
  /** The exact header bytes that were signed. */
  headerBytes: Uint8Array;
  payload: Uint8Array;
  signatures: ArtefactSignature[];
}

/** The bytes a signature covers. */
export function signedMessage(headerBytes: Uint8Array): Uint8Array {
  const m = new Uint8Array(SIG_DOMAIN.length + headerBytes.length);
  m.set(SIG_DOMAIN);
  m.set(headerBytes, SIG_DOMAIN.length);
  return m;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function isEnvelope(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Parse an envelope: structure, bounds and header schema only. Signatures and the payload hash are
 * checked by the store (store.ts, trust.ts), which knows the trusted keys. `maxPayload` bounds P before any copy.
 */
export function parseEnvelope(bytes: Uint8Array, maxPayload = 0xffff_ffff): Envelope {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('envelope: expected Uint8Array');
  if (bytes.length < 8) throw new ArtefactRefused('truncated', `artefact: ${bytes.length} bytes is shorter than an envelope header`);
  if (!isEnvelope(bytes)) throw new ArtefactRefused('malformed', 'artefact: not a yikatong artefact (expected magic "YKA1")');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const h = dv.getUint32(4, false);
  if (h < 2 || h > MAX_HEADER_BYTES) throw new ArtefactRefused('malformed', `artefact: header length ${h} outside 2..${MAX_HEADER_BYTES}`);
  if (bytes.length < 12 + h) throw new ArtefactRefused('truncated', `artefact: truncated inside the header (${bytes.length} bytes, header needs ${12 + h})`);
  const headerBytes = bytes.subarray(8, 8 + h);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new ArtefactRefused('malformed', 'artefact: header is not UTF-8 JSON', undefined, undefined, { cause: e });
  }
  const parsed = artefactHeaderSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ArtefactRefused('malformed', `artefact: header field ${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}`);
  }
  const header = parsed.data;
  const p = dv.getUint32(8 + h, false);
  if (p !== header.payloadLength) throw new ArtefactRefused('malformed', `artefact ${header.kind} v${header.version}: payload length ${p} differs from the signed header's ${header.payloadLength}`, header.kind, header.version);
  if (p > maxPayload) throw new ArtefactRefused('too-large', `artefact ${header.kind} v${header.version}: payload of ${p} bytes exceeds the ${maxPayload} bytes allowed for this kind`, header.kind, header.version);
  const payloadStart = 12 + h;
  const sigStart = payloadStart + p;
  if (bytes.length < sigStart + 1) {
    throw new ArtefactRefused('truncated', `artefact ${header.kind} v${header.version}: truncated: ${bytes.length} bytes received, the payload alone needs ${sigStart}`, header.kind, header.version);
  }
  const s = bytes[sigStart]!;
  if (s < 1 || s > MAX_SIGNATURES) throw new ArtefactRefused('malformed', `artefact ${header.kind} v${header.version}: ${s} signatures, expected 1..${MAX_SIGNATURES}`, header.kind, header.version);
  const end = sigStart + 1 + 72 * s;
  if (bytes.length < end) throw new ArtefactRefused('truncated', `artefact ${header.kind} v${header.version}: truncated inside the signatures (${bytes.length} of ${end} bytes)`, header.kind, header.version);
  if (bytes.length > end) throw new ArtefactRefused('malformed', `artefact ${header.kind} v${header.version}: ${bytes.length - end} unexpected bytes after the signatures`, header.kind, header.version);
  const signatures: ArtefactSignature[] = [];
  for (let i = 0; i < s; i++) {
    const o = sigStart + 1 + 72 * i;
    signatures.push({ keyId: Buffer.from(bytes.subarray(o, o + 8)).toString('hex'), signature: bytes.subarray(o + 8, o + 72) });
  }
  return { header, headerBytes, payload: bytes.subarray(payloadStart, sigStart), signatures };
}

/** Serialise an envelope (publisher side: publisher.ts signs, then calls this). */
export function encodeEnvelope(headerBytes: Uint8Array, payload: Uint8Array, signatures: ArtefactSignature[]): Uint8Array {
  if (signatures.length < 1 || signatures.length > MAX_SIGNATURES) throw new RangeError(`envelope: expected 1..${MAX_SIGNATURES} signatures, got ${signatures.length}`);
  const h = headerBytes.length;
  const out = new Uint8Array(12 + h + payload.length + 1 + 72 * signatures.length);
  const dv = new DataView(out.buffer);
  out.set(MAGIC);
  dv.setUint32(4, h, false);
  out.set(headerBytes, 8);
  dv.setUint32(8 + h, payload.length, false);
  out.set(payload, 12 + h);
  let o = 12 + h + payload.length;
  out[o++] = signatures.length;
  for (const s of signatures) {
    if (!/^[0-9a-f]{16}$/.test(s.keyId)) throw new RangeError(`envelope: key id must be 16 hex digits, got "${s.keyId}"`);
    if (s.signature.length !== 64) throw new RangeError(`envelope: expected a 64-byte signature, got length=${s.signature.length}`);
    out.set(Buffer.from(s.keyId, 'hex'), o);
    out.set(s.signature, o + 8);
    o += 72;
  }
  return out;
}
