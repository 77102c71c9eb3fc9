/**
 * The shape of a `ykt` command. Each command lives in its own file under commands/ and is listed in
 * commands/index.ts. Exit codes are documented in docs/cli.md (EXIT below).
 */
export const EXIT = {
  OK: 0,
  /** The command ran and the answer is "no": a declined payment, a refused code, a failed verify. */
  NEGATIVE: 1,
  USAGE: 2,
  CONFIG: 3,
  /** No reader, reader gone, PC/SC service down, scanner missing. */
  DEVICE: 4,
  /** The card failed or answered nonsense. */
  CARD: 5,
  /** Backend unreachable or refused. */
  NETWORK: 6,
  /** The terminal is out of service (journal full or corrupt). */
  OUT_OF_SERVICE: 7,
  INTERNAL: 70,
} as const;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface Command {
  /** Words that select this command: ['card', 'read']. */
  path: string[];
  summary: string;
  /** Full help text (usage, options, examples). */
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

export class UsageError extends Error {}

/**
 * Minimal option parser: --flag, --key value, --key=value; positional arguments kept in order.
 * Unknown options are a UsageError that names them.
 */
export function parseArgs(args: string[], spec: { flags?: string[]; options?: string[] }): { flags: Set<string>; options: Map<string, string>; positional: string[] } {
  const flags = new Set<string>();
  const options = new Map<string, string>();
  const positional: string[] = [];
  const allowedFlags = new Set(spec.flags ?? []);
  const allowedOptions = new Set(spec.options ?? []);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (allowedFlags.has(name) && eq < 0) flags.add(name);
    else if (allowedOptions.has(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) throw new UsageError(`option --${name} needs a value`);
      options.set(name, v);
    } else throw new UsageError(`unknown option --${name}`);
  }
  return { flags, options, positional };
}
