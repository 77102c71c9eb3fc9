/**
 * `ykt config check FILE` — validate a terminal config file and print EVERY problem, each with its
 * field and why (not only the first, as `ykt start` does), plus warnings about the machine it would
 * run on (a keystore that is missing, no e-code trust roots). Exit 3 when there are problems.
 */
import { existsSync } from 'node:fs';
import { EXIT, parseArgs, UsageError, type Command } from '../command';

export interface ConfigFinding {
  field: string;
  why: string;
}

export interface ConfigReport {
  ok: boolean;
  problems: ConfigFinding[];
  warnings: ConfigFinding[];
  /** What the config says, in one line per item (only when ok). */
  summary: string[];
}

/** zod's wording for a missing field is "expected X, received undefined": say it plainly. */
function plain(why: string): string {
  const m = /^Invalid input: expected (.+), received undefined$/.exec(why);
  if (m) return `required (${m[1]}), missing`;
  if (why === 'Too small: expected string to have >=1 characters') return 'must not be empty';
  return why;
}

/** Schema problems, then the cross-field rules `ykt start` would trip over, then machine warnings. */
export async function checkConfigFile(path: string): Promise<ConfigReport> {
  const { readConfigFile, checkTerminalConfig, parseTerminalConfig } = await import('../../runtime/config');
  let raw: unknown;
  try {
    raw = readConfigFile(path);
  } catch (e) {
    const why = e instanceof Error && 'why' in e ? String((e as { why: unknown }).why) : (e as Error).message;
    return { ok: false, problems: [{ field: '(file)', why }], warnings: [], summary: [] };
  }
  const r = checkTerminalConfig(raw);
  const problems = r.problems.map((p) => ({ field: p.field, why: plain(p.why) }));
  const warnings: ConfigFinding[] = [];
  const summary: string[] = [];
  if (r.ok) {
    const c = parseTerminalConfig(raw, path);
    if (!c.holderTokenKey) problems.push({ field: 'holderTokenKey', why: 'required to start: the scheme key (hex) that makes card and e-code yield the same holder token' });
    if (c.profile.acceptCode && !c.ecode.profiles[c.profile.ecodeProfile]) {
      problems.push({ field: 'profile.ecodeProfile', why: `"${c.profile.ecodeProfile}" is not in ecode.profiles (${Object.keys(c.ecode.profiles).join(', ') || 'none'})` });
    }
    if (c.downloads.backendUrl && c.downloads.publisherKeys.length === 0) {
      problems.push({ field: 'downloads.publisherKeys', why: 'empty while downloads.backendUrl is set: every download would be refused (no trusted publisher key)' });
    }
    if (c.downloads.requiredSignatures > c.downloads.publisherKeys.length && c.downloads.publisherKeys.length > 0) {
      problems.push({ field: 'downloads.requiredSignatures', why: `${c.downloads.requiredSignatures} signatures required but only ${c.downloads.publisherKeys.length} publisher keys pinned` });
    }
    if (c.profile.acceptCode && c.ecode.trustRoots.length === 0) warnings.push({ field: 'ecode.trustRoots', why: 'empty: no e-code can be verified (every code is "cannot decide")' });
    if (!c.downloads.backendUrl) warnings.push({ field: 'downloads.backendUrl', why: 'unset: hotlist, fares and e-code lists are never fetched (import them with ykt hotlist import …)' });
    if (!existsSync(c.journal.keystorePath) && !c.terminal.createKeystore) {
      warnings.push({ field: 'journal.keystorePath', why: `${c.journal.keystorePath} does not exist on this machine and terminal.createKeystore is off: ykt start would fail` });
    }
    if (c.terminal.createKeystore) warnings.push({ field: 'terminal.createKeystore', why: 'on: a development keystore is created when none exists (never in production)' });
    summary.push(
      `profile ${c.profile.kind}, terminal ${c.terminal.id}, data in ${c.terminal.dataDir}`,
      `reader driver ${c.reader.driver}${c.reader.driver === 'virtual' ? ` (${c.reader.virtual.readers.length} emulated readers)` : ''}, ${c.scanners.length} scanner(s)${c.scanners.length ? ': ' + c.scanners.map((s) => `${s.name} (${s.driver})`).join(', ') : ''}`,
      `sync to ${c.sync.backendUrl}; downloads ${c.downloads.backendUrl ? `from ${c.downloads.backendUrl} (${c.downloads.publisherKeys.length} publisher key(s))` : 'not fetched'}`,
      c.display.enabled ? `display on http://${c.display.host}:${c.display.port}/` : 'display disabled',
    );
  }
  return { ok: problems.length === 0, problems, warnings, summary };
}

export const configCheckCommand: Command = {
  path: ['config', 'check'],
  summary: 'validate a terminal config file: every problem with its field and why',
  help: `usage: ykt config check FILE [--json]

Validates FILE against the terminal's config schema (every field: docs/config.md) and the rules
\`ykt start\` needs (holderTokenKey set, the profile's e-code profile defined, publisher keys pinned when
downloads are fetched). Prints every problem as "field: why", then warnings about this machine
(e.g. the keystore file is missing).

  --json   one JSON object: { ok, problems: [{field, why}], warnings: [...], summary: [...] }

exit codes: 0 valid (warnings may remain), 2 usage, 3 the file is unreadable, not JSON, or has problems`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['json'] });
    const file = a.positional[0];
    if (!file || a.positional.length > 1) throw new UsageError('give exactly one config file: ykt config check FILE');
    const rep = await checkConfigFile(file);
    if (a.flags.has('json')) io.out(JSON.stringify({ file, ...rep }));
    else {
      if (rep.ok) {
        io.out(`${file}: valid`);
        for (const l of rep.summary) io.out(`  ${l}`);
      } else {
        io.out(`${file}: ${rep.problems.length} problem${rep.problems.length === 1 ? '' : 's'}`);
        for (const p of rep.problems) io.out(`  ${p.field}: ${p.why}`);
      }
      for (const w of rep.warnings) io.out(`  warning: ${w.field}: ${w.why}`);
    }
    return rep.ok ? EXIT.OK : EXIT.CONFIG;
  },
};
