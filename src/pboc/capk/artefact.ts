/**
 * The CAPK set as the downloads module distributes it (artefact kind "pboc-capk"): a signed envelope
 * (src/downloads) whose payload is this JSON, UTF-8:
 *
 *   {
 *     "format": "ykt-pboc-capk/1",
 *     "keys": [
 *       { "rid": "A000000333", "index": "0B", "algorithm": "rsa", "modulus": "<hex>", "exponent": "03",
 *         "hashAlgorithm": "01", "checksum": "<hex SHA-1>", "expiry": "20301231" },
 *       { "rid": "A000000333", "index": "C1", "algorithm": "sm2", "publicKey": "<hex x‖y>",
 *         "hashAlgorithm": "07", "checksum": "<hex SM3>", "expiry": "20301231" } ],
 *     "revocations": [ { "rid": "A000000333", "index": "0B", "serial": "00A1B2" } ]
 *   }
 *
 * Validation refuses the whole set on any bad key (checksum, lengths, duplicates): a terminal keeps
 * the set in force rather than half-apply a corrupted one.
 */
import { z } from 'zod';
import { fromHex } from '../../../apdu/hex';
import { ConfigError } from '../../core/errors';
import { ARTEFACT_KINDS, DAY, type ArtefactRegistry } from '../../downloads/registry';
import { CapkStore, type CapkEntry, type Revocation } from './store';

export const CAPK_FORMAT = 'ykt-pboc-capk/1';

const hex = (min: number, max: number) => z.string().regex(/^([0-9A-Fa-f]{2})+$/, 'expected hex bytes').refine((s) => s.length / 2 >= min && s.length / 2 <= max, `expected ${min}..${max} bytes`);
const byteHex = z.string().regex(/^[0-9A-Fa-f]{2}$/, 'expected one byte in hex');
const ymd = z.string().regex(/^\d{8}$/, 'expected YYYYMMDD');

export const capkKeySchema = z.discriminatedUnion('algorithm', [
  z.object({ rid: hex(5, 5), index: byteHex, algorithm: z.literal('rsa'), modulus: hex(64, 248), exponent: hex(1, 3), hashAlgorithm: byteHex.default('01'), checksum: hex(20, 20), expiry: ymd, note: z.string().max(200).optional() }),
  z.object({ rid: hex(5, 5), index: byteHex, algorithm: z.literal('sm2'), publicKey: hex(64, 64), hashAlgorithm: byteHex.default('07'), checksum: hex(32, 32), expiry: ymd, note: z.string().max(200).optional() }),
]);

export const capkPayloadSchema = z.object({
  format: z.literal(CAPK_FORMAT),
  note: z.string().max(500).optional(),
  keys: z.array(capkKeySchema).max(256),
  revocations: z.array(z.object({ rid: hex(5, 5), index: byteHex, serial: z.string().regex(/^[0-9A-Fa-f]{6}$/, 'expected a 3-byte serial in hex') })).max(100_000).default([]),
});

export type CapkPayload = z.infer<typeof capkPayloadSchema>;

export function capkEntriesOf(p: CapkPayload): { keys: CapkEntry[]; revocations: Revocation[] } {
  const keys: CapkEntry[] = p.keys.map((k) => ({
    rid: fromHex(k.rid),
    index: parseInt(k.index, 16),
    algorithm: k.algorithm,
    ...(k.algorithm === 'rsa' ? { modulus: fromHex(k.modulus), exponent: fromHex(k.exponent) } : { publicKey: fromHex(k.publicKey) }),
    hashAlgorithm: parseInt(k.hashAlgorithm, 16),
    checksum: fromHex(k.checksum),
    expiry: Number(k.expiry),
  }));
  const revocations = p.revocations.map((r) => ({ rid: fromHex(r.rid), index: parseInt(r.index, 16), serial: r.serial.toUpperCase() }));
  return { keys, revocations };
}

/** Parse a payload (bytes or already-parsed JSON) into a CapkStore; throws ConfigError saying what is wrong. */
export function parseCapkPayload(payload: Uint8Array | unknown): CapkStore {
  let json: unknown = payload;
  if (payload instanceof Uint8Array) {
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
    } catch (e) {
      throw new ConfigError('pboc-capk', `payload is not UTF-8 JSON: ${(e as Error).message}`);
    }
  }
  const r = capkPayloadSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ConfigError(`pboc-capk.${i.path.join('.')}`, i.message);
  }
  const { keys, revocations } = capkEntriesOf(r.data);
  return new CapkStore(keys, revocations);
}

/** Registers the "pboc-capk" artefact kind: store.get('pboc-capk').value is then a CapkStore. */
export function registerCapkKind(registry: ArtefactRegistry, opts: { defaultMaxAgeMs?: number } = {}): ArtefactRegistry {
  return registry.register<CapkStore>({
    kind: ARTEFACT_KINDS.capk,
    description: 'PBOC CA public keys (RSA and SM2) with checksums and the issuer-certificate revocation list',
    maxPayloadBytes: 8 << 20,
    defaultMaxAgeMs: opts.defaultMaxAgeMs ?? 90 * DAY,
    validate: (payload) => parseCapkPayload(payload),
  });
}
