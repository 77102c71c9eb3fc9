/**
 * The `firmware` config section (zod; the integrator composes it into the terminal's config file).
 * Every field an operator tunes, with its default and meaning.
 */
import { z } from 'zod';
import { parseConfigSection } from '../core/config-section';
import { HARDWARE_RE } from './metadata';
import { DEFAULT_RUNTIME_COMMAND } from './runtime-host';

export const firmwareConfigSchema = z
  .object({
    /** Firmware root: slots/a, slots/b, state.json, current, trust/. Must not contain the journal. */
    root: z.string().min(1).default('/var/lib/yikatong/firmware'),
    /** This terminal's hardware id; only images listing it are installed. */
    hardware: z.string().regex(HARDWARE_RE, 'lowercase letters, digits, . _ - (max 64)').default('generic'),
    /** The provisioned root.json (public keys and thresholds of every role): the trust anchor. */
    pinnedRootPath: z.string().min(1).default('/etc/yikatong/firmware-root.json'),
    /** Local copy of the firmware repository (metadata/ and targets/), filled by the update agent. */
    repositoryDir: z.string().min(1).default('/var/lib/yikatong/firmware-repo'),
    /** Largest image accepted, bytes (checked against the signed length before reading). */
    maxImageBytes: z.number().int().min(1024).default(256 * 1024 * 1024),
    /** All health checks of the trial slot must pass within this time, ms. */
    healthDeadlineMs: z.number().int().min(100).max(600_000).default(30_000),
    /** How long to wait for the running runtime to finish its transaction and close the journal, ms. */
    quiesceTimeoutMs: z.number().int().min(100).max(3_600_000).default(60_000),
    /**
     * Copy the journal (SQLite VACUUM INTO) before each trial, so that a trial that changed the schema
     * despite the read-only rule can be undone. Costs one journal-sized write per update.
     */
    journalSnapshot: z.boolean().default(true),
    /**
     * A node_modules installed outside the slots (OS image or package) holding the runtime's locked
     * dependencies; each slot links to it after its package-lock.json is checked against it.
     */
    sharedNodeModules: z.string().min(1).nullable().default(null),
    /** Or: a command run in the new slot to install its dependencies (e.g. npm ci --omit=dev --offline). */
    dependencyCommand: z.array(z.string().min(1)).default([]),
    /** How the installer starts a slot on trial ({node}, {slotDir}, {entry}, {slot} replaced). */
    runtimeCommand: z.array(z.string().min(1)).min(1).default([...DEFAULT_RUNTIME_COMMAND]),
    /**
     * Command that quiesces the running runtime (exit 0 = idle and journal closed); empty = the
     * runtime is not running during the install (factory or maintenance). resume/retire likewise.
     */
    quiesceCommand: z.array(z.string()).default([]),
    resumeCommand: z.array(z.string()).default([]),
    retireCommand: z.array(z.string()).default([]),
  })
  .prefault({});

export type FirmwareConfig = z.infer<typeof firmwareConfigSchema>;
export const firmwareConfigDefaults: FirmwareConfig = firmwareConfigSchema.parse(undefined);

export function parseFirmwareConfig(input: unknown, section = 'firmware'): FirmwareConfig {
  return parseConfigSection(firmwareConfigSchema, input, section);
}
