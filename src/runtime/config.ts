/**
 * The terminal's one config file (JSON): every section an operator tunes, validated together, with
 * errors that name the field and say why. Paths default under `terminal.dataDir`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readerConfigSchema } from '../../drivers/config';
import { ConfigError } from '../core/errors';
import { displayConfigSchema } from '../display/config';
import { downloadsConfigSchema } from '../downloads/config';
import { ecodeConfigSchema } from '../ecode/config';
import { firmwareConfigSchema } from '../firmware/config';
import { journalConfigSchema } from '../journal/config';
import { logConfigSchema } from '../log/config';
import { pbocConfigSchema } from '../pboc/config';
import { scannersConfigSchema } from '../scanner/config';
import { syncConfigSchema } from '../sync/config';
import { transitConfigSchema } from '../transit/config';
import { profileConfigSchema } from './profiles/config';
import { ssseAcceptanceSchema } from '../ssse/accept';

export const terminalSectionSchema = z
  .object({
    /** The terminal's id at the clearing backend (bound into every journal record). */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'letters, digits, _ and -, at most 32').default('T-DEMO-0001'),
    /** Where the journal, keystore, downloads and e-code state live. */
    dataDir: z.string().min(1).default('/var/lib/yikatong'),
    /** Create a keystore (signing, token and data keys) when none exists: development only. */
    createKeystore: z.boolean().default(false),
    /** Fixture cards and keys for the embedded default are looked up here (default: the project's fixtures/). */
    fixturesDir: z.string().min(1).optional(),
  })
  .strict()
  .prefault({});

export const outputsConfigSchema = z
  .object({
    /** Gate relay: none (display only), log (write "gate open" to the log), or a command run per opening. */
    gate: z
      .object({
        kind: z.enum(['none', 'log', 'command']).default('log'),
        command: z.array(z.string()).optional(),
        openMs: z.number().int().min(100).max(30_000).default(1500),
      })
      .strict()
      .prefault({}),
    /** Buzzer: a short beep on approval, a double beep on decline (terminal bell on the console for now). */
    buzzer: z.enum(['none', 'bell']).default('none'),
  })
  .strict()
  .prefault({});

export const terminalConfigSchema = z
  .object({
    terminal: terminalSectionSchema,
    profile: profileConfigSchema,
    /** Which social security cards are accepted (regions, card types, generations). */
    ssse: ssseAcceptanceSchema.prefault({}),
    reader: readerConfigSchema.prefault({}),
    scanners: scannersConfigSchema,
    journal: journalConfigSchema,
    sync: syncConfigSchema,
    downloads: downloadsConfigSchema.prefault({}),
    ecode: ecodeConfigSchema.prefault({}),
    transit: transitConfigSchema.prefault({}),
    pboc: pbocConfigSchema,
    display: displayConfigSchema,
    log: logConfigSchema,
    firmware: firmwareConfigSchema,
    outputs: outputsConfigSchema,
    /** Holder-token key (hex, ≥ 16 bytes): a scheme parameter shared with the e-code issuing platform. */
    holderTokenKey: z.string().regex(/^([0-9A-Fa-f]{2}){16,64}$/, 'hex, 16 to 64 bytes').optional(),
  })
  .strict();

export type TerminalConfig = z.infer<typeof terminalConfigSchema>;

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Fill path fields the file leaves out from terminal.dataDir. Commands that read only some sections of
 * the config file (journal, sync, hotlist import, image) go through this too, so they find the same files.
 */
export function withDataDirDefaults(raw: Json): Json {
  const t = isObj(raw.terminal) ? raw.terminal : {};
  const dataDir = typeof t.dataDir === 'string' ? t.dataDir : '/var/lib/yikatong';
  const section = (k: string): Json => (isObj(raw[k]) ? { ...(raw[k] as Json) } : {});
  const journal = section('journal');
  journal.path ??= join(dataDir, 'journal.sqlite');
  journal.keystorePath ??= join(dataDir, 'keystore.json');
  const downloads = section('downloads');
  downloads.dataDir ??= join(dataDir, 'downloads');
  const ecode = section('ecode');
  ecode.dataDir ??= join(dataDir, 'ecode');
  const firmware = section('firmware');
  firmware.root ??= join(dataDir, 'firmware');
  return { ...raw, journal, downloads, ecode, firmware };
}

/** Validate a parsed config object; a ConfigError names the first bad field and why. */
export function parseTerminalConfig(raw: unknown, source?: string): TerminalConfig {
  if (!isObj(raw)) throw new ConfigError(source ?? '(top level)', 'expected a JSON object at the top level');
  const r = terminalConfigSchema.safeParse(withDataDirDefaults(raw));
  if (!r.success) {
    const i = r.error.issues[0]!;
    const path = i.path.map(String).join('.') || '(top level)';
    throw new ConfigError(source ? `${source} › ${path}` : path, i.message);
  }
  return r.data;
}

/** Every problem, for `ykt config check` (not just the first). */
export function checkTerminalConfig(raw: unknown): { ok: boolean; problems: { field: string; why: string }[] } {
  if (!isObj(raw)) return { ok: false, problems: [{ field: '(top level)', why: 'expected a JSON object' }] };
  const r = terminalConfigSchema.safeParse(withDataDirDefaults(raw));
  if (r.success) return { ok: true, problems: [] };
  return { ok: false, problems: r.error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(top level)', why: i.message })) };
}

export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, `cannot read the config file: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, `not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * The config file for a command that reads only some of its sections (journal, sync, downloads,
 * firmware, pboc…), with the path defaults of terminal.dataDir applied; {} without a file. Each
 * command validates the sections it uses.
 */
export function readConfigSections(path: string | undefined): Json {
  if (path === undefined) return {};
  const raw = readConfigFile(path);
  if (!isObj(raw)) throw new ConfigError(path, 'expected a JSON object at the top level');
  return withDataDirDefaults(raw);
}

export function loadTerminalConfig(path: string): TerminalConfig {
  return parseTerminalConfig(readConfigFile(path), path);
}
