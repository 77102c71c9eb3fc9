/**
 * `ykt image …` — firmware images: pack, sign (repository side), verify, install, rollback, status,
 * and the two the service manager and the installer call: boot (recover before start) and selftest
 * (the trial runtime's health report). See docs/firmware.md.
 *
 * Exit codes: 0 done (installed, up to date, verified); 1 refused or rolled back (the message says
 * which rule); 2 usage; 3 config; 70 internal.
 */
import { readConfigSections } from '../../runtime/config';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { systemClock, type Clock } from '../../core/clock';
import { ConfigError } from '../../core/errors';
import { parseJournalConfig } from '../../journal/config';
import { readJournalTerminalId } from '../../journal/index';
import { journalCheck } from '../../firmware/checks';
import { parseFirmwareConfig, type FirmwareConfig } from '../../firmware/config';
import { FirmwareError } from '../../firmware/errors';
import { parseImage, packImage } from '../../firmware/image';
import { installUpdate } from '../../firmware/installer';
import { sqliteJournalGuard, type JournalGuard } from '../../firmware/journal-guard';
import { keyFileJson, loadKeyFile, newKeyPair, type KeyPair } from '../../firmware/keys';
import { commandQuiesce, runtimeStopped } from '../../firmware/quiesce';
import { linkSharedDependencies } from '../../firmware/dependencies';
import { addTargets, DAY_MS, DEFAULT_EXPIRY_MS, initRepository, publishTimestamp, rotateRoot } from '../../firmware/repository';
import { commandRuntime, HEALTH_LINE_PREFIX } from '../../firmware/runtime-host';
import { recoverAtBoot, rollbackToOther } from '../../firmware/boot';
import { runHealthChecks, type HealthCheck } from '../../firmware/health';
import { readState } from '../../firmware/slots';
import { dirSource } from '../../firmware/source';
import { loadTrust } from '../../firmware/trust-store';
import { trustPinnedRoot } from '../../firmware/trust';
import { checkUpdate } from '../../firmware/update-check';
import { EXIT, parseArgs, UsageError, type CliIo, type Command } from '../command';
import { checkConfigFile } from './config-check';
import { DEFAULT_CONFIG_PATH } from './start';

const CONFIG_HELP = `  --config FILE        terminal config (JSON with "firmware", "journal", "terminal" sections)
  --root DIR           firmware root (slots, state, trust)           [firmware.root]`;

interface Loaded {
  fw: FirmwareConfig;
  journalPath: string;
  terminalId?: string;
}

function loadConfig(options: Map<string, string>): Loaded {
  const file = readConfigSections(options.get('config'));
  const over: Record<string, unknown> = {};
  if (options.has('root')) over.root = options.get('root');
  if (options.has('repo')) over.repositoryDir = options.get('repo');
  if (options.has('pinned-root')) over.pinnedRootPath = options.get('pinned-root');
  if (options.has('hardware')) over.hardware = options.get('hardware');
  const fw = parseFirmwareConfig({ ...((file.firmware as object) ?? {}), ...over });
  const journal = parseJournalConfig({ ...((file.journal as object) ?? {}), ...(options.has('journal') ? { path: options.get('journal') } : {}) });
  const tid = options.get('terminal-id') ?? (file.terminal as { id?: unknown } | undefined)?.id;
  return { fw, journalPath: journal.path, ...(typeof tid === 'string' ? { terminalId: tid } : {}) };
}

function guardFor(l: Loaded): JournalGuard | undefined {
  if (!existsSync(l.journalPath)) return undefined;
  return sqliteJournalGuard({ path: l.journalPath, terminalId: l.terminalId ?? readJournalTerminalId(l.journalPath) });
}

function readPinned(fw: FirmwareConfig): Uint8Array {
  try {
    return new Uint8Array(readFileSync(fw.pinnedRootPath));
  } catch (e) {
    throw new ConfigError('firmware.pinnedRootPath', `cannot read the pinned root ${fw.pinnedRootPath}: ${(e as Error).message}`);
  }
}

function clockFrom(options: Map<string, string>): Clock {
  const at = options.get('now');
  if (!at) return systemClock;
  const t = Date.parse(at);
  if (!Number.isFinite(t)) throw new UsageError(`--now ${at}: expected an ISO time like 2026-11-22T08:00:00Z`);
  return { now: () => t, monotonic: () => performance.now() };
}

const list = (v: string | undefined): string[] => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);
const keys = (v: string | undefined, what: string): KeyPair[] => {
  const files = list(v);
  if (files.length === 0) throw new UsageError(`${what}: give at least one key file (comma-separated for several)`);
  return files.map(loadKeyFile);
};
const int = (v: string | undefined, def: number, what: string): number => {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what}: expected a positive integer, got ${v}`);
  return n;
};

/** A refusal is a normal "no" (exit 1) with the rule that failed. */
async function refusals(io: CliIo, f: () => Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof FirmwareError && e.kind !== 'io') {
      io.err(`ykt: refused (${e.kind}): ${e.message}`);
      return EXIT.NEGATIVE;
    }
    throw e;
  }
}

const packCommand: Command = {
  path: ['image', 'pack'],
  summary: 'pack the built runtime (dist/, package.json, package-lock.json) into a firmware image',
  help: `usage: ykt image pack --hardware ID[,ID…] [--project DIR] [--version X.Y.Z] [--entry dist/ykt.js] [--out FILE] [--source-maps]

Builds a deterministic ustar image: manifest.json (version, hardware, per-file size and SHA-256)
then the files. Writes FILE and FILE.json (length and SHA-256 of the archive). Run \`npm run build\` first.
  --project DIR    project with dist/ (default: current directory)
  --version        default: the project's package.json version`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['source-maps'], options: ['hardware', 'project', 'version', 'entry', 'out'] });
    const project = a.options.get('project') ?? process.cwd();
    const hardware = list(a.options.get('hardware'));
    if (hardware.length === 0) throw new UsageError('--hardware is required (e.g. --hardware metro-gate-v2)');
    let version = a.options.get('version');
    if (!version) {
      try {
        version = String((JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { version?: unknown }).version);
      } catch (e) {
        throw new UsageError(`--version not given and ${join(project, 'package.json')} unreadable: ${(e as Error).message}`);
      }
    }
    return refusals(io, async () => {
      const img = packImage({ projectDir: project, version: version!, hardware, entry: a.options.get('entry'), includeSourceMaps: a.flags.has('source-maps') });
      const out = a.options.get('out') ?? `yikatong-${version}.tar`;
      writeFileSync(out, img.bytes);
      const side = { name: basename(out), length: img.length, sha256: img.sha256, version, hardware, files: img.manifest.files.length };
      writeFileSync(out + '.json', JSON.stringify(side, null, 2) + '\n');
      io.out(`${out}: version ${version} for [${hardware.join(', ')}], ${img.manifest.files.length} files, ${img.length} bytes, SHA-256 ${img.sha256}`);
      return EXIT.OK;
    });
  },
};

const keygenCommand: Command = {
  path: ['image', 'keygen'],
  summary: 'make an Ed25519 signing key file for a repository role',
  help: `usage: ykt image keygen --out FILE [--note TEXT]

Writes a new key file (mode 0600). Keep root keys offline; terminals never hold private keys.`,
  async run(args, io) {
    const a = parseArgs(args, { options: ['out', 'note'] });
    const out = a.options.get('out');
    if (!out) throw new UsageError('--out FILE is required');
    if (existsSync(out)) throw new UsageError(`${out} exists; not overwriting a key`);
    const k = newKeyPair(a.options.get('note'));
    writeFileSync(out, keyFileJson(k), { mode: 0o600 });
    chmodSync(out, 0o600);
    io.out(`${out}: key id ${k.keyid}`);
    return EXIT.OK;
  },
};

const signCommand: Command = {
  path: ['image', 'sign'],
  summary: 'repository side: create the root, add images to targets, publish a timestamp, rotate the root',
  help: `usage:
  ykt image sign init      --repo DIR --root-key F,F,F --root-threshold N --targets-key F[,F] [--targets-threshold N]
                           --timestamp-key F [--timestamp-threshold N] [--expires-days 365]
  ykt image sign targets   --repo DIR --key F[,F] --add IMAGE[,IMAGE] [--expires-days 90]
  ykt image sign timestamp --repo DIR --key F[,F] [--expires-days 1]
  ykt image sign root      --repo DIR --key OLD,…,NEW,… --root-key … --root-threshold N --targets-key … --timestamp-key …

Key files come from \`ykt image keygen\`. "init" signs root v1 with the --root-key keys; "root" writes
version N+1, which terminals accept only when --key includes a threshold of the OLD root keys AND of
the NEW ones. After "targets", publish a timestamp.`,
  async run(args, io) {
    const a = parseArgs(args, {
      options: ['repo', 'key', 'add', 'expires-days', 'root-key', 'root-threshold', 'targets-key', 'targets-threshold', 'timestamp-key', 'timestamp-threshold', 'now'],
    });
    const action = a.positional[0];
    const repo = a.options.get('repo');
    if (!repo) throw new UsageError('--repo DIR is required');
    const now = clockFrom(a.options).now();
    const days = (def: number) => now + int(a.options.get('expires-days'), def / DAY_MS, '--expires-days') * DAY_MS;
    const roles = () => ({
      root: { keys: keys(a.options.get('root-key'), '--root-key'), threshold: int(a.options.get('root-threshold'), 1, '--root-threshold') },
      targets: { keys: keys(a.options.get('targets-key'), '--targets-key'), threshold: int(a.options.get('targets-threshold'), 1, '--targets-threshold') },
      timestamp: { keys: keys(a.options.get('timestamp-key'), '--timestamp-key'), threshold: int(a.options.get('timestamp-threshold'), 1, '--timestamp-threshold') },
    });
    return refusals(io, async () => {
      switch (action) {
        case 'init': {
          const r = roles();
          initRepository(repo, r, r.root.keys, now, days(DEFAULT_EXPIRY_MS.root));
          io.out(`${join(repo, 'metadata', '1.root.json')}: root v1 (${r.root.threshold} of ${r.root.keys.length} root keys). Provision it on terminals as firmware.pinnedRootPath.`);
          return EXIT.OK;
        }
        case 'targets': {
          const images = list(a.options.get('add')).map((p) => ({ name: basename(p), bytes: new Uint8Array(readFileSync(p)) }));
          if (images.length === 0) throw new UsageError('--add IMAGE is required');
          const t = addTargets(repo, images, keys(a.options.get('key'), '--key'), days(DEFAULT_EXPIRY_MS.targets));
          io.out(`targets.json v${t.version}: ${Object.keys(t.targets).length} image(s), expires ${t.expires}. Now run \`ykt image sign timestamp\`.`);
          return EXIT.OK;
        }
        case 'timestamp': {
          const t = publishTimestamp(repo, keys(a.options.get('key'), '--key'), days(DEFAULT_EXPIRY_MS.timestamp));
          io.out(`timestamp.json v${t.version} → targets.json v${t.meta['targets.json'].version}, expires ${t.expires}`);
          return EXIT.OK;
        }
        case 'root': {
          rotateRoot(repo, roles(), keys(a.options.get('key'), '--key'), days(DEFAULT_EXPIRY_MS.root));
          io.out(`root rotated; terminals walk the chain on their next update`);
          return EXIT.OK;
        }
        default:
          throw new UsageError('sign: say init, targets, timestamp or root');
      }
    });
  },
};

const verifyCommand: Command = {
  path: ['image', 'verify'],
  summary: 'check a repository (signatures, versions, expiry, image hash and contents) without installing',
  help: `usage: ykt image verify [--config FILE] [--repo DIR] [--pinned-root FILE] [--hardware ID] [--target NAME] [--root DIR] [--now ISO] [--json]
       ykt image verify --image FILE     (archive and manifest only: no signatures)

Runs every check the installer runs before unpacking, against the terminal's trusted metadata when
--root has one (else the pinned root), and changes nothing. Exit 0 = would install, 1 = refused.`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['json'], options: ['config', 'repo', 'pinned-root', 'hardware', 'target', 'root', 'now', 'image'] });
    return refusals(io, async () => {
      const imagePath = a.options.get('image');
      if (imagePath) {
        const img = parseImage(new Uint8Array(readFileSync(imagePath)));
        const m = img.manifest;
        if (a.flags.has('json')) io.out(JSON.stringify(m));
        else io.out(`${imagePath}: ${m.format} version ${m.version} for [${m.hardware.join(', ')}], ${m.files.length} files, entry ${m.entry} — archive and manifest OK (signatures not checked)`);
        return EXIT.OK;
      }
      const l = loadConfig(a.options);
      const clock = clockFrom(a.options);
      const pinned = readPinned(l.fw);
      const trusted = a.options.has('root') || a.options.has('config') ? loadTrust(l.fw.root, pinned, clock.now()) : trustPinnedRoot(pinned, clock.now());
      const c = await checkUpdate({ source: dirSource(l.fw.repositoryDir), trusted, clockNow: clock.now(), hardware: l.fw.hardware, targetName: a.options.get('target'), maxImageBytes: l.fw.maxImageBytes });
      const r = {
        target: c.name,
        version: c.target.custom.version,
        hardware: c.target.custom.hardware,
        length: c.target.length,
        sha256: c.sha256,
        files: c.image.manifest.files.length,
        root: c.trusted.root.signed.version,
        targets: c.trusted.targets!.signed.version,
        timestamp: c.trusted.timestamp!.signed.version,
        timestampExpires: c.trusted.timestamp!.signed.expires,
      };
      if (a.flags.has('json')) io.out(JSON.stringify(r));
      else {
        io.out(`OK ${r.target}: version ${r.version} for [${r.hardware.join(', ')}], ${r.length} bytes, ${r.files} files, SHA-256 ${r.sha256}`);
        io.out(`   metadata: root v${r.root}, targets v${r.targets}, timestamp v${r.timestamp} (expires ${r.timestampExpires})`);
      }
      return EXIT.OK;
    });
  },
};

async function prepareSlot(fw: FirmwareConfig, dir: string): Promise<void> {
  if (fw.sharedNodeModules) linkSharedDependencies(dir, fw.sharedNodeModules);
  if (fw.dependencyCommand.length) {
    const { execFileSync } = await import('node:child_process');
    try {
      execFileSync(fw.dependencyCommand[0]!, fw.dependencyCommand.slice(1), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 });
    } catch (e) {
      throw new FirmwareError('manifest', `installing the new slot's dependencies (${fw.dependencyCommand.join(' ')}) failed: ${String((e as { stderr?: unknown }).stderr ?? (e as Error).message).trim().slice(0, 500)}`);
    }
  }
}

const installCommand: Command = {
  path: ['image', 'install'],
  summary: 'verify and install the newest image into the inactive slot, health-check it, commit or roll back',
  help: `usage: ykt image install [--config FILE] [--root DIR] [--repo DIR] [--pinned-root FILE] [--hardware ID] [--target NAME]
                         [--journal PATH] [--terminal-id ID] [--runtime-stopped]
${CONFIG_HELP}
  --repo DIR           local repository copy (metadata/, targets/)      [firmware.repositoryDir]
  --pinned-root FILE   provisioned root.json                             [firmware.pinnedRootPath]
  --journal PATH       the journal (checked before and after the trial)  [journal.path]
  --runtime-stopped    the runtime is not running: skip the quiesce commands

The running runtime is quiesced with firmware.quiesceCommand (resumed or retired after); the new slot
is started on trial with firmware.runtimeCommand and must report healthy within
firmware.healthDeadlineMs. Exit 0 = installed or up to date; 1 = refused or rolled back.`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['runtime-stopped', 'json'], options: ['config', 'root', 'repo', 'pinned-root', 'hardware', 'target', 'journal', 'terminal-id', 'now'] });
    const l = loadConfig(a.options);
    const fw = l.fw;
    return refusals(io, async () => {
      const guard = guardFor(l);
      const r = await installUpdate({
        root: fw.root,
        hardware: fw.hardware,
        pinnedRoot: readPinned(fw),
        source: dirSource(fw.repositoryDir),
        clock: clockFrom(a.options),
        quiesce: a.flags.has('runtime-stopped') ? runtimeStopped : commandQuiesce({ drain: fw.quiesceCommand, resume: fw.resumeCommand, retire: fw.retireCommand }),
        runtime: commandRuntime({ command: fw.runtimeCommand, env: { YKT_JOURNAL_PATH: l.journalPath, ...(l.terminalId ? { YKT_TERMINAL_ID: l.terminalId } : {}) } }),
        journal: guard,
        healthDeadlineMs: fw.healthDeadlineMs,
        quiesceTimeoutMs: fw.quiesceTimeoutMs,
        journalSnapshot: fw.journalSnapshot,
        maxImageBytes: fw.maxImageBytes,
        targetName: a.options.get('target'),
        prepareSlot: (dir) => prepareSlot(fw, dir),
        log: (line) => io.err(line),
      });
      if (a.flags.has('json')) io.out(JSON.stringify(r));
      else if (r.result === 'up-to-date') io.out(`up to date: ${r.version}`);
      else if (r.result === 'installed') io.out(`installed ${r.version} in slot ${r.slot} and committed`);
      else io.out(`ROLLED BACK: ${r.version} in slot ${r.slot} failed its trial: ${r.reason}`);
      return r.result === 'rolled-back' ? EXIT.NEGATIVE : EXIT.OK;
    });
  },
};

const rollbackCommand: Command = {
  path: ['image', 'rollback'],
  summary: 'switch back to the other slot (if it holds a committed image); restart the runtime after',
  help: `usage: ykt image rollback [--config FILE] [--root DIR] [--reason TEXT]

Marks the active slot bad and activates the other one. The version floor stays: the repository must
publish a newer image to update again.`,
  async run(args, io) {
    const a = parseArgs(args, { options: ['config', 'root', 'reason'] });
    const l = loadConfig(a.options);
    return refusals(io, async () => {
      const s = rollbackToOther({ root: l.fw.root, clock: systemClock, reason: a.options.get('reason') });
      io.out(`active: slot ${s.active} (${s.active ? (s.slots[s.active].version ?? '?') : '-'}); restart the runtime to use it`);
      return EXIT.OK;
    });
  },
};

const statusCommand: Command = {
  path: ['image', 'status'],
  summary: 'show the slots, the active and committed versions, trusted metadata and recent events',
  help: `usage: ykt image status [--config FILE] [--root DIR] [--json]`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['json'], options: ['config', 'root'] });
    const l = loadConfig(a.options);
    return refusals(io, async () => {
      const s = readState(l.fw.root);
      if (a.flags.has('json')) {
        io.out(JSON.stringify(s));
        return EXIT.OK;
      }
      io.out(`firmware root ${l.fw.root}: active ${s.active ? `slot ${s.active}` : 'none'}${s.trial ? ` (ON TRIAL since ${new Date(s.trial.startedAt).toISOString()})` : ''}; highest committed ${s.highestCommitted ?? '-'}`);
      for (const n of ['a', 'b'] as const) {
        const x = s.slots[n];
        io.out(`  slot ${n}: ${x.status.padEnd(9)} ${x.version ?? '-'}${x.target ? `  ${x.target}` : ''}${x.note ? `  (${x.note})` : ''}`);
      }
      for (const e of s.history.slice(-8)) io.out(`  ${new Date(e.at).toISOString()} ${e.event}: ${e.detail}`);
      return EXIT.OK;
    });
  },
};

const bootCommand: Command = {
  path: ['image', 'boot'],
  summary: 'before the runtime starts: roll back an uncommitted trial, check the active slot, print its entry',
  help: `usage: ykt image boot [--config FILE] [--root DIR] [--journal PATH] [--terminal-id ID] [--json]

Run it before starting the runtime (e.g. systemd ExecStartPre). Prints the entry point to start
(<root>/current/<entry>). Exit 1 if no slot can be started.`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['json'], options: ['config', 'root', 'journal', 'terminal-id'] });
    const l = loadConfig(a.options);
    return refusals(io, async () => {
      const r = recoverAtBoot({ root: l.fw.root, clock: systemClock, journal: guardFor(l) });
      for (const x of r.actions) io.err(`boot: ${x}`);
      if (a.flags.has('json')) io.out(JSON.stringify(r));
      else if (r.dir && r.entry) io.out(join(l.fw.root, 'current', r.entry));
      return r.dir && r.entry ? EXIT.OK : EXIT.NEGATIVE;
    });
  },
};

const selftestCommand: Command = {
  path: ['image', 'selftest'],
  summary: "the runtime's health report (journal, readers, PSAM, scanners, backend or offline policy) as a YKT-HEALTH line",
  help: `usage: ykt image selftest [--config FILE] [--journal PATH] [--terminal-id ID] [--deadline-ms N]

What the installer runs from the new slot (firmware.runtimeCommand), and an operator's check of a
terminal. Opens the journal READ-ONLY (never migrates it before commit) and prints:
${HEALTH_LINE_PREFIX}{"ok":…,"checks":[…]}. With the terminal's config (--config FILE, else $YKT_CONFIG, else
${DEFAULT_CONFIG_PATH} when it exists) it also checks, with that config: the config itself is valid;
readers are present (reader.include/exclude applied) and the transport PSAM is in its slot
(transit.samReader); every scanner opens; the backend answers GET /health — or, when it does not, the
journal's offline limits still allow working offline. No card is touched, nothing is written.

exit codes: 0 healthy, 1 a check failed, 2 usage, 3 config`,
  async run(args, io) {
    const a = parseArgs(args, { options: ['config', 'journal', 'terminal-id', 'deadline-ms'] });
    if (!a.options.has('journal') && process.env.YKT_JOURNAL_PATH) a.options.set('journal', process.env.YKT_JOURNAL_PATH);
    if (!a.options.has('terminal-id') && process.env.YKT_TERMINAL_ID) a.options.set('terminal-id', process.env.YKT_TERMINAL_ID);
    // The runtime's own config (the one `ykt start` runs with), when there is one.
    const runtimePath = a.options.get('config') ?? process.env.YKT_CONFIG ?? (existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined);
    const extra: HealthCheck[] = [];
    if (runtimePath) {
      const rep = await checkConfigFile(runtimePath);
      if (!rep.ok) extra.push({ name: 'config', run: async () => ({ ok: false, detail: `${runtimePath}: ${rep.problems.map((p) => `${p.field}: ${p.why}`).join('; ')}` }) });
      else {
        const { loadTerminalConfig } = await import('../../runtime/config');
        const { runtimeHealthChecks } = await import('../../runtime/selftest');
        const config = loadTerminalConfig(runtimePath);
        if (!a.options.has('journal')) a.options.set('journal', config.journal.path);
        if (!a.options.has('terminal-id')) a.options.set('terminal-id', config.terminal.id);
        extra.push({ name: 'config', run: async () => ({ ok: true, detail: `${runtimePath}: valid (${config.profile.kind} terminal ${config.terminal.id})` }) }, ...runtimeHealthChecks(config));
      }
    }
    const l = loadConfig(a.options);
    const guard = guardFor(l);
    const checks = [...(guard ? [journalCheck(guard)] : []), ...extra];
    const r = await runHealthChecks(checks, int(a.options.get('deadline-ms'), 10_000, '--deadline-ms'));
    const results = guard ? r.results : [{ name: 'journal', ok: true, detail: `no journal at ${l.journalPath} yet` }, ...r.results];
    io.out(HEALTH_LINE_PREFIX + JSON.stringify({ ok: r.ok, checks: results }));
    return r.ok ? EXIT.OK : EXIT.NEGATIVE;
  },
};

export const imageCommands: Command[] = [packCommand, verifyCommand, installCommand, rollbackCommand, statusCommand, bootCommand, selftestCommand, signCommand, keygenCommand];
