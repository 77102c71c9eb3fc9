/** A social security card as a Credential (卡码同权: the same shape an e-code yields). */
import type { CardDate } from '../../apdu/codec';
import type { Credential } from '../core/credential';
import { holderTokenFromCardId } from '../core/holder-token';
import type { SsseCardData } from './parse';

/** Start of a CST calendar day in epoch ms. */
function cstDayStartMs(d: CardDate): number {
  return Date.UTC(d.y, d.m - 1, d.d) - 8 * 3600_000;
}

export function ssseCredential(card: SsseCardData, opts: { holderTokenKey: Uint8Array; hotlistKeys: string[]; device?: string }): Credential {
  return {
    source: 'ssse-card',
    holderToken: holderTokenFromCardId(opts.holderTokenKey, card.cardIdCode),
    region: card.region,
    categories: ['standard'],
    validFromMs: cstDayStartMs(card.issueDate),
    validToMs: cstDayStartMs(card.expiry) + 86_400_000 - 1,
    hotlistKeys: opts.hotlistKeys,
    device: opts.device,
  };
}
