/**
 * The `sync` config section: where the backend is and how the terminal talks to it.
 */
import { z } from 'zod';
import { parseConfigSection } from '../core/config-section';

export const syncConfigSchema = z
  .object({
    /** Base URL of the clearing backend (POST {backendUrl}/v1/batches). */
    backendUrl: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8380'),
    /** Records per upload batch (the backend accepts at most its maxBatchRecords, 5000 by default). */
    batchRecords: z.number().int().min(1).max(5000).default(1000),
    /** A request without an answer after this long is an UNKNOWN outcome: retried with the same ids. */
    requestTimeoutMs: z.number().int().min(100).default(15_000),
    /** Backoff after a failure: full jitter between 0 and min(backoffMaxMs, backoffBaseMs × 2^attempt). */
    backoffBaseMs: z.number().int().min(1).default(1_000),
    backoffMaxMs: z.number().int().min(1).default(300_000),
    /** When everything is sent, look again after this long (new records also wake the syncer). */
    idlePollMs: z.number().int().min(10).default(30_000),
  })
  .prefault({});

export type SyncConfig = z.infer<typeof syncConfigSchema>;

export const syncConfigDefaults: SyncConfig = syncConfigSchema.parse(undefined);

export function parseSyncConfig(input: unknown, section = 'sync'): SyncConfig {
  return parseConfigSection(syncConfigSchema, input, section);
}
