/**
 * Acceptance checks before any service, in the order DOMAIN.md §1.1 gives: is it a social security
 * card; institution/region accepted; card type accepted; spec version accepted; within validity;
 * application supported; not hotlisted. The first failing check is the decline reason.
 */
import { z } from 'zod';
import { dateNumber, formatDate } from '../../apdu/codec';
import { cstDateNumber } from '../core/clock';
import { approve, decline, type Decision } from '../core/decision';
import type { SsseCardData } from './parse';
import type { SsseDump } from './read';

export const ssseAcceptanceSchema = z.object({
  /** Region code prefixes accepted ("41" = all of Henan, "410100" = Zhengzhou); ["*"] = all (national interoperability). */
  regions: z.array(z.string().regex(/^(\*|\d{2,6})$/)).default(['*']),
  /** Card types (EF05 tag 02) accepted. */
  cardTypes: z.array(z.string().length(1)).default(['1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C']),
  /** Spec versions (card generations) accepted. */
  specVersions: z.array(z.string().length(4)).default(['1.00', '2.00', '3.00']),
});

export type SsseAcceptance = z.infer<typeof ssseAcceptanceSchema>;

export interface AcceptInput {
  dump: SsseDump;
  /** Parsed card data, or the parse error's message. */
  card: SsseCardData | { error: string };
  nowMs: number;
  policy: SsseAcceptance;
  /** Hotlist lookup for this card (the downloads module's hotlist). */
  isHotlisted: (card: SsseCardData) => boolean;
}

export function acceptSsse(input: AcceptInput): Decision {
  const { dump, card, policy } = input;
  if (!dump.present) return decline('not-ssc', 'not a social security card (no social security application)');
  if ('error' in card) return decline('card-unreadable', `card data unreadable: ${card.error}`);
  if (!policy.regions.some((r) => r === '*' || card.region.startsWith(r))) {
    return decline('region-not-accepted', `cards issued in region ${card.region} are not accepted here`);
  }
  if (!policy.cardTypes.includes(card.cardType)) return decline('card-type-not-accepted', `card type ${card.cardType} is not accepted here`);
  if (!policy.specVersions.includes(card.specVersion)) return decline('spec-version-not-accepted', `card specification ${card.specVersion} is not accepted here`);
  const today = cstDateNumber(input.nowMs);
  if (dateNumber(card.issueDate) > today) return decline('not-yet-valid', `card not valid before ${formatDate(card.issueDate)}`);
  if (dateNumber(card.expiry) < today) return decline('expired', `card expired on ${formatDate(card.expiry)}`);
  if (input.isHotlisted(card)) return decline('hotlisted', 'card reported lost or blocked (挂失)');
  return approve('ok', 'social security card accepted');
}
