/**
 * Personal data a service truly needs (e.g. the patient's name and ID number on a hospital
 * registration) is sealed at rest with AES-256-GCM (NIST SP 800-38D) under the terminal's data key.
 * The additional authenticated data binds the ciphertext to its record (terminal id and sequence
 * number), so a sealed blob cannot be moved to another record unnoticed.
 *
 *   blob = 0x01 (format) ‖ IV (12 random bytes) ‖ tag (16) ‖ ciphertext of UTF-8 JSON
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const FORMAT = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type PersonalData = Record<string, string>;

function aad(terminalId: string, seq: bigint): Buffer {
  return Buffer.from(`ykt-seal-v1\0${terminalId}\0${seq}`, 'utf8');
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new RangeError(`dataKey: expected Uint8Array of length 32, got ${key instanceof Uint8Array ? `length=${key.length}` : typeof key}`);
}

export function seal(dataKey: Uint8Array, terminalId: string, seq: bigint, data: PersonalData): Uint8Array {
  checkKey(dataKey);
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', dataKey, iv);
  c.setAAD(aad(terminalId, seq));
  const ct = Buffer.concat([c.update(JSON.stringify(data), 'utf8'), c.final()]);
  return new Uint8Array(Buffer.concat([Buffer.from([FORMAT]), iv, c.getAuthTag(), ct]));
}

export class UnsealError extends Error {}

/** Opens a sealed blob; throws UnsealError if the key is wrong or the blob or its record was altered. */
export function unseal(dataKey: Uint8Array, terminalId: string, seq: bigint, blob: Uint8Array): PersonalData {
  checkKey(dataKey);
  if (blob.length < 1 + IV_BYTES + TAG_BYTES || blob[0] !== FORMAT) throw new UnsealError(`sealed data of record ${seq}: unknown format or too short (${blob.length} bytes)`);
  const iv = blob.subarray(1, 1 + IV_BYTES);
  const tag = blob.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const d = createDecipheriv('aes-256-gcm', dataKey, iv);
  d.setAAD(aad(terminalId, seq));
  d.setAuthTag(tag);
  try {
    const pt = Buffer.concat([d.update(blob.subarray(1 + IV_BYTES + TAG_BYTES)), d.final()]);
    return JSON.parse(pt.toString('utf8')) as PersonalData;
  } catch (e) {
    throw new UnsealError(`sealed data of record ${seq}: authentication failed (wrong data key, or the record was altered)`, { cause: e });
  }
}
