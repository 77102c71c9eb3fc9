/**
 * `ykt` — the terminal's command line. Dispatches to the commands listed in commands/index.ts.
 * Exit codes: see command.ts (EXIT) and docs/cli.md.
 */
import './entry';
import { EXIT, UsageError, type CliIo, type Command } from './command';
import { commands } from './commands/index';
import { YktError, ReaderError, CardError, ProtocolError, ConfigError } from '../core/errors';
import { JournalUnavailableError } from '../journal/errors';

const stdio: CliIo = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
};

let io: CliIo = stdio;

function usage(): string {
  const w = Math.max(8, ...commands.map((c) => c.path.join(' ').length));
  return [
    'ykt — yikatong terminal runtime (居民服务一卡通)',
    '',
    'usage: ykt <command> [options]      ykt help <command>',
    '',
    ...commands.map((c) => `  ${c.path.join(' ').padEnd(w)}  ${c.summary}`),
    '',
    'exit codes: 0 ok, 1 negative answer (declined/refused), 2 usage, 3 config, 4 device, 5 card,',
    '            6 network, 7 out of service, 70 internal error',
  ].join('\n');
}

function find(argv: string[]): { cmd: Command; rest: string[] } | undefined {
  let best: { cmd: Command; rest: string[] } | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.cmd.path.length)) {
      best = { cmd: c, rest: argv.slice(c.path.length) };
    }
  }
  return best;
}

export async function main(argv: string[], out: CliIo = stdio): Promise<number> {
  io = out;
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    io.out(usage());
    return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
  }
  if (argv[0] === 'help') {
    const f = find(argv.slice(1));
    io.out(f ? f.cmd.help : usage());
    return f ? EXIT.OK : EXIT.USAGE;
  }
  const f = find(argv);
  if (!f) {
    io.err(`ykt: unknown command "${argv.join(' ')}"\n`);
    io.err(usage());
    return EXIT.USAGE;
  }
  if (f.rest.includes('--help') || f.rest.includes('-h')) {
    io.out(f.cmd.help);
    return EXIT.OK;
  }
  try {
    return await f.cmd.run(f.rest, io);
  } catch (e) {
    return reportError(e);
  }
}

function reportError(e: unknown): number {
  if (e instanceof UsageError) {
    io.err(`ykt: ${e.message} (see ykt help)`);
    return EXIT.USAGE;
  }
  if (e instanceof JournalUnavailableError) {
    io.err(`ykt: out of service: ${e.message}`);
    return EXIT.OUT_OF_SERVICE;
  }
  if (e instanceof ConfigError) {
    io.err(`ykt: ${e.message}`);
    return EXIT.CONFIG;
  }
  if (e instanceof ReaderError) {
    io.err(`ykt: reader: ${e.message}`);
    return EXIT.DEVICE;
  }
  if (e instanceof CardError || e instanceof ProtocolError) {
    io.err(`ykt: card: ${e.message}`);
    return EXIT.CARD;
  }
  if (e instanceof YktError) {
    io.err(`ykt: ${e.message}`);
    return EXIT.INTERNAL;
  }
  io.err(`ykt: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return EXIT.INTERNAL;
}

// Run when executed directly (the bundled bin), not when imported by tests.
const invoked = process.argv[1] ?? '';
if (/ykt(\.[cm]?[jt]s)?$/.test(invoked)) {
  // `ykt … | head`: the reader went away; stop quietly instead of crashing on EPIPE.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.exitCode = reportError(e);
    },
  );
}
