/**
 * Terminal enrolment: bind this terminal's Ed25519 public key to its id at the backend, once, with a
 * one-time code an operator obtained from the backend's admin API (POST
 * /v1/admin/terminals/:id/enrolment-code). The terminal proves possession of the private key by
 * signing "ykt-enrol-v1" ‖ terminal id ‖ public key ‖ code. Re-keying needs a new code.
 */
import { ed25519Sign } from '../core/ed25519';
import type { Keystore } from '../journal/keystore';
import { enrolmentMessage } from './batch';

export interface EnrolRequest {
  terminalId: string;
  publicKey: string;
  code: string;
  proof: string;
}

export function enrolmentRequest(terminalId: string, keystore: Pick<Keystore, 'signingKey' | 'publicKey'>, code: string): EnrolRequest {
  const publicKey = Buffer.from(keystore.publicKey).toString('hex');
  const proof = Buffer.from(ed25519Sign(keystore.signingKey, enrolmentMessage(terminalId, publicKey, code))).toString('hex');
  return { terminalId, publicKey, code, proof };
}

export type EnrolResult = { ok: true; keyId: string } | { ok: false; status: number; reason: string; message: string };

export async function enrolTerminal(backendUrl: string, terminalId: string, keystore: Pick<Keystore, 'signingKey' | 'publicKey'>, code: string, timeoutMs = 15_000): Promise<EnrolResult> {
  const res = await fetch(new URL('/v1/enrol', backendUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(enrolmentRequest(terminalId, keystore, code)),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status === 200 && body.status === 'ok' && typeof body.keyId === 'string') return { ok: true, keyId: body.keyId };
  return { ok: false, status: res.status, reason: String(body.reason ?? 'unknown'), message: String(body.message ?? `HTTP ${res.status}`) };
}
