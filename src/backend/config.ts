/**
 * The clearing backend's configuration (its own file, not the terminal's): where it listens, which
 * store it uses (SQLite by default, PostgreSQL for scale), the admin token, and input bounds.
 */
import { z } from 'zod';
import { parseConfigSection } from '../core/config-section';

export const backendConfigSchema = z
  .object({
    listen: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8380),
      })
      .prefault({}),
    store: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('sqlite'), path: z.string().min(1).default('/var/lib/yikatong-backend/backend.sqlite') }),
        z.object({ kind: z.literal('postgres'), url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// connection URL') }),
      ])
      .default({ kind: 'sqlite', path: '/var/lib/yikatong-backend/backend.sqlite' }),
    /** Bearer token for /v1/admin/* (enrolment codes, reports). Unset: the admin API is disabled. */
    adminToken: z.string().min(16, 'at least 16 characters').optional(),
    /** Largest batch accepted (records). */
    maxBatchRecords: z.number().int().min(1).max(100_000).default(5000),
    /** Largest request body, bytes. */
    bodyLimitBytes: z.number().int().min(1024).default(64 * 1024 * 1024),
    /** How long an enrolment code stays valid, ms. */
    enrolmentCodeTtlMs: z.number().int().min(1000).default(24 * 3600_000),
  })
  .prefault({});

export type BackendConfig = z.infer<typeof backendConfigSchema>;

export function parseBackendConfig(input: unknown, section = 'backend'): BackendConfig {
  return parseConfigSection(backendConfigSchema, input, section);
}
