/**
 * The `journal` config section: where the journal lives, how hard it checks itself at start-up, and
 * the offline limits (named security policy, STYLE.md §8). The integrator composes this section into
 * the terminal's config file; `parseJournalConfig` names the field and the reason on bad input.
 */
import { z } from 'zod';
import { parseConfigSection } from '../core/config-section';

const fen = (what: string) => z.number().int(`${what}: whole fen`).min(0, `${what}: >= 0`).max(Number.MAX_SAFE_INTEGER);

export const offlineLimitsSchema = z
  .object({
    /** Maximum number of offline approvals not yet acknowledged by the backend (Adyen "max count"). */
    maxCount: z.number().int().min(0).default(2000),
    /** Maximum total amount of those approvals, fen (Stripe "total stored amount"). 500 000 fen = 5 000 CNY. */
    maxTotalFen: fen('maxTotalFen').default(500_000),
    /** Maximum age of the oldest unacknowledged offline approval, ms (Square: 24 h). */
    maxOldestAgeMs: z.number().int().min(0).default(24 * 3600_000),
    /** Maximum amount of one transaction approved offline, fen (per-transaction floor). 10 000 fen = 100 CNY. */
    perTransactionFen: fen('perTransactionFen').default(10_000),
  })
  .prefault({});

export type OfflineLimits = z.infer<typeof offlineLimitsSchema>;

export const journalConfigSchema = z
  .object({
    /** SQLite database file. */
    path: z.string().min(1).default('/var/lib/yikatong/journal.sqlite'),
    /**
     * Keystore file (JSON, mode 0600) with the terminal signing key, the token key and the data key.
     * See keystore.ts. In production it is provisioned; `ykt journal keys --create` makes a dev one.
     */
    keystorePath: z.string().min(1).default('/var/lib/yikatong/keystore.json'),
    /** SQLite integrity check when the journal opens: quick (default), full, or off. */
    integrityCheck: z.enum(['quick', 'full', 'off']).default('quick'),
    /** How many of the newest records have their hash chain recomputed when the journal opens. */
    verifyTailOnOpen: z.number().int().min(0).default(1000),
    /**
     * Storage cap, MiB: appends beyond it fail as "disk full" (out of service) before the real medium
     * fills, leaving room for the OS and logs. 0 = no cap (the medium's size).
     */
    maxSizeMiB: z.number().int().min(0).default(0),
    /** Refuse payload fields named like personal data (pan, idNumber, name, …) unless they hold tokens. */
    refusePersonalFields: z.boolean().default(true),
    offline: offlineLimitsSchema,
  })
  .prefault({});

export type JournalConfig = z.infer<typeof journalConfigSchema>;

export const journalConfigDefaults: JournalConfig = journalConfigSchema.parse(undefined);

export function parseJournalConfig(input: unknown, section = 'journal'): JournalConfig {
  return parseConfigSection(journalConfigSchema, input, section);
}
