/**
 * The transport card as a Credential (卡码同权): the fare engine and policies see entitlement
 * categories, a pseudonymous holder token and tokenised hotlist keys — never the serial in clear.
 */
import type { Credential, EntitlementCategory } from '../core/credential';
import { categoriesOf, type TransitConfig } from './config';
import type { IssuerFile, ManagementFile } from './records';

/** tokenise(kind, value) → token. Supplied by the journal (src/journal/tokenise.ts createTokeniser). */
export type Tokenise = (kind: string, value: string) => string;

export const TOKEN_KIND_SERIAL = 'tunion-serial';

export interface TransitCredentialInput {
  config: TransitConfig;
  issuer: IssuerFile;
  management: ManagementFile;
  tokenise: Tokenise;
  /** When another application of the same chip already gave the holder token (SSSE EF05). */
  holderToken?: string;
  /** Entitlements the host knows for this holder (registered concessions), added to the card's. */
  entitlements?: (holderToken: string) => readonly EntitlementCategory[];
  device?: string;
}

export interface TransitCredential {
  credential: Credential;
  cardToken: string;
  /** false when config.categoryMap does not list the card's category byte. */
  categoryKnown: boolean;
}

export function transitCredential(i: TransitCredentialInput): TransitCredential {
  const cardToken = i.tokenise(TOKEN_KIND_SERIAL, i.issuer.serial);
  const mapped = categoriesOf(i.config, i.management.cardCategory);
  const holderToken = i.holderToken ?? cardToken;
  const categories = [...new Set<EntitlementCategory>([...(mapped ?? ['standard']), ...(i.entitlements?.(holderToken) ?? [])])];
  const y = (n: number) => Date.UTC(Math.floor(n / 10000), (Math.floor(n / 100) % 100) - 1, n % 100) - 8 * 3600_000;
  const credential: Credential = {
    source: 'transit-card',
    holderToken,
    categories,
    validFromMs: y(i.issuer.startDate),
    validToMs: y(i.issuer.expiryDate) + 86_400_000 - 1,
    hotlistKeys: [cardToken],
    device: i.device,
  };
  return { credential, cardToken, categoryKnown: mapped !== undefined };
}
