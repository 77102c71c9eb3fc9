/**
 * The `display` config section: the local web server for the customer display and the maintenance
 * page, how long a result stays up, and the spoken prompts. The integrator composes it into the
 * terminal's config file; `parseDisplayConfig` names the field and the reason on bad input.
 */
import { z } from 'zod';
import { parseConfigSection } from '../core/config-section';

const PROFILES = ['bus', 'metro-entry', 'metro-exit', 'metro', 'library', 'museum', 'hospital', 'canteen', 'identity'] as const;

const isLoopback = (h: string) => h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);

export const displayConfigSchema = z
  .object({
    /** Serve the display at all (a headless gate may run without one). */
    enabled: z.boolean().default(true),
    /** Address to bind. Loopback by default: the kiosk browser runs on the terminal itself. */
    host: z.string().min(1).default('127.0.0.1'),
    /** TCP port (0 = any free port, for tests). */
    port: z.number().int().min(0).max(65535).default(8480),
    /**
     * Binding beyond loopback exposes the maintenance page and metrics to the network: it must be
     * asked for explicitly, and then a maintenance token is required.
     */
    allowRemote: z.boolean().default(false),
    /** How long an approval stays on screen before the idle prompt returns, ms. */
    approvedHoldMs: z.number().int().min(500).max(60_000).default(3000),
    /** How long a decline or "cannot decide" stays on screen (longer: there is a reason to read), ms. */
    declinedHoldMs: z.number().int().min(500).max(120_000).default(6000),
    /** The page shows "out of service" when its event stream has been down this long, ms. */
    disconnectedAfterMs: z.number().int().min(1000).max(120_000).default(5000),
    /** Keep-alive comment on the event stream, ms (proxies and the page's liveness check). */
    heartbeatMs: z.number().int().min(1000).max(60_000).default(5000),
    /** Most pages connected to the event stream at once. */
    maxClients: z.number().int().min(1).max(64).default(8),
    /** Profiles whose result screen shows the masked identifier (identity checks, hospital registration). */
    showMaskedIdFor: z.array(z.enum(PROFILES)).default(['identity', 'hospital']),
    speech: z
      .object({
        /** Play spoken prompts (for elderly and visually impaired users). */
        enabled: z.boolean().default(true),
        /** Languages spoken, in order: Mandarin, then English. */
        languages: z.array(z.enum(['zh', 'en'])).min(1).max(2).default(['zh', 'en']),
        /** Also speak the routine idle prompt (请刷卡) each time the display returns to idle. */
        idlePrompt: z.boolean().default(false),
        /** Playback volume 0…1. */
        volume: z.number().min(0).max(1).default(1),
      })
      .prefault({}),
    maintenance: z
      .object({
        /**
         * Token for /maintenance data (header "Authorization: Bearer <token>" or ?token=). Unset: open
         * on loopback. Required when allowRemote is true.
         */
        token: z.string().min(16, 'at least 16 characters').max(256).optional(),
        /** Also require the token for /metrics and /status. */
        protectMetrics: z.boolean().default(false),
        /** Recent decisions kept for the maintenance page (masked). */
        recentDecisions: z.number().int().min(0).max(500).default(20),
        /** How often the maintenance page refreshes, ms. */
        refreshMs: z.number().int().min(1000).max(300_000).default(5000),
      })
      .prefault({}),
  })
  .prefault({})
  .superRefine((c, ctx) => {
    if (!isLoopback(c.host) && !c.allowRemote) ctx.addIssue({ code: 'custom', path: ['host'], message: `"${c.host}" is not a loopback address: set display.allowRemote: true (and display.maintenance.token) to serve the display to the network` });
    if (c.allowRemote && !c.maintenance.token) ctx.addIssue({ code: 'custom', path: ['maintenance', 'token'], message: 'required when allowRemote is true' });
  });

export type DisplayConfig = z.infer<typeof displayConfigSchema>;

export const displayConfigDefaults: DisplayConfig = displayConfigSchema.parse(undefined);

export function parseDisplayConfig(input: unknown, section = 'display'): DisplayConfig {
  return parseConfigSection(displayConfigSchema, input, section);
}
