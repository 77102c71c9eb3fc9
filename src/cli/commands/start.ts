/**
 * `ykt start [--config FILE]` — the terminal runtime: one long-running process built from the one
 * config file (src/runtime/config.ts). It watches the readers and scanners, decides, journals, shows
 * the customer display on loopback, syncs and applies signed downloads until SIGTERM or SIGINT, then
 * stops gracefully: no new taps, the transactions in progress finish and are journaled, then exit 0.
 *
 * Start-up is on the clock (issue 7: ready ≤ 1.5 s): this module imports nothing heavy; the runtime is
 * loaded in run(). Exit codes: docs/cli.md.
 */
import type { ReaderDriver } from '../../reader/types';
import type { Scanner } from '../../scanner/types';
import type { TerminalConfig } from '../../runtime/config';
import type { Terminal } from '../../runtime/terminal';
import type { Logger } from '../../log/logger';
import { ConfigError } from '../../core/errors';
import { EXIT, parseArgs, UsageError, type CliIo, type Command } from '../command';

/**
 * Everything is stopped, closed and journaled: a leftover timer or keep-alive socket in a library must
 * not hold the process's exit. Only in the `ykt` process itself (not when a test calls main()).
 */
export function exitPromptly(code: number): void {
  if (/ykt(\.[cm]?[jt]s)?$/.test(process.argv[1] ?? '')) setTimeout(() => process.exit(code), 100).unref();
}

/**
 * A port the display or the operator API cannot bind is the operator's to fix: a ConfigError naming the
 * field (exit 3), not an internal error.
 */
export function explainStartError(e: unknown, config: TerminalConfig): unknown {
  const err = e as NodeJS.ErrnoException & { port?: number; address?: string };
  if (err?.code !== 'EADDRINUSE' && err?.code !== 'EACCES' && err?.code !== 'EADDRNOTAVAIL') return e;
  const op = (config.profile as { operatorApi?: { port: number; host: string } }).operatorApi;
  const field = op && err.port === op.port && err.port !== config.display.port ? 'profile.operatorApi.port' : 'display.port';
  const why = err.code === 'EADDRINUSE' ? 'is in use by another program (another ykt start?)' : err.code === 'EACCES' ? 'may not be bound by this user' : 'is not an address of this machine';
  return new ConfigError(field, `${err.address ?? ''}:${err.port ?? '?'} ${why}`, { cause: e });
}

/** Where `ykt start` looks when neither --config nor YKT_CONFIG says. */
export const DEFAULT_CONFIG_PATH = '/etc/yikatong/config.json';

export interface RunTerminalOptions {
  /** A config file path, or an already validated config. */
  config: string | TerminalConfig;
  io: CliIo;
  /** Injected devices (tests, the shutdown test's child): else made from the config. */
  driver?: ReaderDriver;
  scanners?: Scanner[];
  log?: Logger;
  /** Signals that stop the runtime gracefully (default SIGTERM and SIGINT). */
  signals?: NodeJS.Signals[];
  /** How long a graceful stop waits for transactions in progress, ms. */
  stopTimeoutMs?: number;
  /** Called once the terminal is ready (tests). */
  onReady?: (t: Terminal) => void;
}

/**
 * Start the terminal and run it until a stop signal; resolves with the exit code (0 after a graceful
 * stop). A second signal while stopping is refused loudly: the transactions in progress still finish
 * (SIGKILL is the only way to cut them short, and the journal's write-ahead records cover that case).
 */
export async function runTerminalUntilSignal(o: RunTerminalOptions): Promise<number> {
  const { io } = o;
  const signals = o.signals ?? ['SIGTERM', 'SIGINT'];

  // Handlers first (before anything is loaded): a signal during start-up is honoured once the terminal
  // is up — it then stops at once — instead of killing the process half-way through opening the journal.
  let stopRequested: NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) {
      io.err(`ykt: ${sig} again: still stopping — the transactions in progress finish first (SIGKILL cuts them short; the journal recovers)`);
      return;
    }
    stopRequested = sig;
    wake?.();
  };
  for (const s of signals) process.on(s, onSignal);
  try {
    const { loadTerminalConfig } = await import('../../runtime/config');
    const config = typeof o.config === 'string' ? loadTerminalConfig(o.config) : o.config;
    const { Terminal } = await import('../../runtime/terminal');
    const terminal = await Terminal.start({ config, driver: o.driver, scanners: o.scanners, log: o.log }).catch((e: unknown) => {
      throw explainStartError(e, config);
    });
    const wallMs = process.uptime() * 1000;
    const where = terminal.displayUrl ? `display ${terminal.displayUrl}/ (maintenance ${terminal.displayUrl}/maintenance, metrics ${terminal.displayUrl}/metrics)` : 'display disabled (display.enabled: false)';
    io.out(`ykt: ready in ${terminal.readyMs.toFixed(0)} ms (${wallMs.toFixed(0)} ms since the process started): ${terminal.profileName} terminal ${config.terminal.id}, ${where}`);
    if (!terminal.inService) io.err('ykt: OUT OF SERVICE: the journal cannot record (see the log and the maintenance page); taps are refused until it is fixed');
    o.onReady?.(terminal);
    if (!stopRequested) await new Promise<void>((r) => (wake = r));
    stopping = true;
    io.out(`ykt: ${stopRequested}: stopping — no new taps; transactions in progress finish and are journaled`);
    const t0 = performance.now();
    await terminal.stop(o.stopTimeoutMs);
    io.out(`ykt: stopped in ${(performance.now() - t0).toFixed(0)} ms`);
    return EXIT.OK;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}

export const startCommand: Command = {
  path: ['start'],
  summary: 'run the terminal from its config file (readers, scanners, display, journal, sync) until stopped',
  help: `usage: ykt start [--config FILE]

Runs the terminal: watches the readers and scanners of the config, decides each tap and code with
the configured profile, journals every decision before it is shown, serves the customer display and
the maintenance page on loopback (the URL is printed once ready), forwards the journal to the
clearing backend and applies signed downloads (hotlist, fares, CA keys, e-code lists) as they come.

SIGTERM or SIGINT stops it gracefully: no new taps; the transactions in progress finish and are
journaled; then it exits 0. Check a config first with \`ykt config check FILE\`; every field is in
docs/config.md.

  --config FILE   the terminal's config file (default: $YKT_CONFIG, else ${DEFAULT_CONFIG_PATH})

exit codes: 0 stopped by SIGTERM/SIGINT after finishing what was in progress, 2 usage, 3 config (the
message names the field), 4 device (reader driver or scanner could not start), 7 out of service
(journal unusable), 70 internal error`,
  async run(args, io) {
    const a = parseArgs(args, { options: ['config'] });
    if (a.positional.length) throw new UsageError(`unexpected argument "${a.positional[0]}" (the config file is given with --config FILE)`);
    const path = a.options.get('config') ?? process.env.YKT_CONFIG ?? DEFAULT_CONFIG_PATH;
    const code = await runTerminalUntilSignal({ config: path, io });
    exitPromptly(code);
    return code;
  },
};
