/**
 * Steps every profile shares: read and accept a social security card, verify an e-code, check the
 * hotlist and anti-passback for either credential, and make a decision durable before it is shown.
 */
import { formatDate } from '../../../apdu/codec';
import { fromHex } from '../../../apdu/hex';
import type { Credential } from '../../core/credential';
import { decline, type Decision } from '../../core/decision';
import { maskCardNumber, maskIdNumber, maskName } from '../../core/mask';
import { formatHotlistKey, hotlistKey } from '../../hotlist/key';
import type { RecordInput } from '../../journal';
import type { PersonalData } from '../../journal/seal';
import { runKernel } from '../../kernel/runner';
import { acceptSsse } from '../../ssse/accept';
import { ssseCredential } from '../../ssse/credential';
import { parseSsseDump, type SsseCardData, type SsseHolderData } from '../../ssse/parse';
import { readSsse } from '../../ssse/read';
import { testSsseAuthenticator } from '../../ssse/test-sam';
import type { Services } from '../services';
import type { CardTap, CodeScan } from './types';

export interface SsseTapResult {
  decision: Decision;
  card?: SsseCardData;
  holder?: SsseHolderData;
  holderRefused?: string;
  credential?: Credential;
  maskedId?: string;
  readMs: number;
}

export type SsseAuthenticate = (challenge: Uint8Array) => Uint8Array;

/** The EF06 authenticator of a profile's `ssseTestAuthKey` (emulated cards only), built once at profile start. */
export function ssseAuthenticatorOf(testAuthKey: string | undefined): SsseAuthenticate | undefined {
  return testAuthKey ? testSsseAuthenticator(fromHex(testAuthKey)) : undefined;
}

/** Read the SSSE application, parse it, run the acceptance checks (including the hotlist). */
export async function readAndAcceptSsse(s: Services, tap: CardTap, opts: { holderData?: boolean; authenticate?: SsseAuthenticate } = {}): Promise<SsseTapResult> {
  const t0 = s.clock.monotonic();
  const authenticate = opts.holderData ? opts.authenticate : undefined;
  const run = await runKernel(readSsse({ holderData: opts.holderData, authenticate }), { card: tap.transmit, monotonic: () => s.clock.monotonic() });
  const dump = run.outcome;
  const { card, error = '', holder, holderRefused } = parseSsseDump(dump);
  const decision = acceptSsse({ dump, card: card ?? { error }, nowMs: s.clock.now(), policy: s.config.ssse, isHotlisted: (c) => s.isHotlisted('ssc', c.cardNumber) });
  const out: SsseTapResult = { decision, card, readMs: s.clock.monotonic() - t0 };
  if (card) {
    out.maskedId = maskCardNumber(card.cardNumber);
    out.credential = ssseCredential(card, { holderTokenKey: s.holderTokenKey, hotlistKeys: [formatHotlistKey(hotlistKey('ssc', card.cardNumber))], device: tap.reader });
  }
  if (holder) out.holder = holder;
  if (holderRefused) out.holderRefused = holderRefused;
  return out;
}

/**
 * The holder's identity from EF06, for a registration or an identity check: the personal data (the
 * journal stores it only sealed) and its masked form for the display, or why it could not be read.
 */
export function holderIdentity(r: SsseTapResult): { personal: PersonalData; maskedId: string } | { refused: Decision } {
  const h = r.holder;
  if (!h?.idNumber || !h.name) return { refused: decline('holder-data-unavailable', `identity could not be read from the card (${r.holderRefused ?? 'no holder data'})`) };
  return {
    personal: { name: h.name, idNumber: h.idNumber, ...(h.birthDate ? { birthDate: formatDate(h.birthDate) } : {}) },
    maskedId: `${maskName(h.name)} ${maskIdNumber(h.idNumber)}`,
  };
}

/** What a screen may show of an e-code holder: the region and the first characters of the pseudonymous token. */
export function codeMaskedId(c: Credential): string {
  return `${c.region ?? ''} ${c.holderToken.slice(0, 4)}…`.trim();
}

export interface CodeResult {
  decision: Decision;
  credential?: Credential;
  verifyMs: number;
  /** Non-personal fields of the code (serial, scope…) for the journal. */
  info?: Record<string, unknown>;
}

/** Verify an e-code for this profile; a valid code's credential is then checked against the hotlist. */
export function verifyCode(s: Services, scan: CodeScan, ecodeProfile: string): CodeResult {
  const t0 = s.clock.monotonic();
  const r = s.ecode.verify(scan.text, { profile: ecodeProfile, device: scan.source });
  let decision = r.decision;
  if (decision.outcome === 'approved' && r.credential && r.credential.hotlistKeys.some((k) => s.isHotlistedKey(k))) {
    decision = decline('hotlisted', 'card or code reported lost or blocked (挂失)');
  }
  const info = r.info ? Object.fromEntries(Object.entries(r.info).filter(([, v]) => typeof v !== 'object' || v === null)) : undefined;
  return { decision, credential: r.credential, verifyMs: s.clock.monotonic() - t0, info };
}

/** Anti-passback for a card holder, sharing the e-code store's memory (the same holder by card or code). */
export function passbackDecision(s: Services, credential: Credential, windowSeconds: number): Decision | undefined {
  if (windowSeconds <= 0) return undefined;
  return s.passback(credential.holderToken, windowSeconds, true) ? undefined : decline('anti-passback', 'already passed here a moment ago');
}

/** Make a one-step decision durable. Returns the journal sequence number. */
export function recordDecision(
  s: Services,
  input: { type?: RecordInput['type']; decision: Decision; credential?: Credential; amountFen?: number; payload?: unknown; personal?: PersonalData; txn?: string; offline?: boolean },
): bigint {
  const tokens: Record<string, string> = {};
  if (input.credential) tokens.holder = input.credential.holderToken;
  const r = s.journal.append({
    type: input.type ?? 'decision',
    service: s.config.profile.kind,
    outcome: input.decision.outcome,
    reason: input.decision.reason,
    amountFen: input.amountFen,
    offline: input.offline,
    txn: input.txn,
    tokens,
    payload: { source: input.credential?.source, region: input.credential?.region, categories: input.credential?.categories, ...(input.payload as object | undefined) },
    personal: input.personal,
  });
  return r.seq;
}
