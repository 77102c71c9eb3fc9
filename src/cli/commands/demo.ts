/**
 * `ykt demo` — the embedded default (what `npm start` runs): a local clearing backend, emulated readers,
 * cards, scanner and phones, the customer display on loopback, and a scripted stream of taps and codes
 * across the profiles of this build, printed as they are decided; then the sync to the backend.
 * The runtime is loaded lazily (src/runtime/demo/run.ts).
 */
import { EXIT, parseArgs, UsageError, type Command } from '../command';
import { exitPromptly } from './start';

export const demoCommand: Command = {
  path: ['demo'],
  summary: 'the embedded default: local backend, emulated readers/cards/scanner, display, scripted taps and codes, sync',
  help: `usage: ykt demo [--profile ID[,ID…]] [--keep] [--pace MS] [--port N] [--json] [--dir DIR] [--verbose]

Runs the terminal on its embedded default, with nothing beyond loopback and no hardware:
  - a local clearing backend (SQLite) serving TEST-signed downloads: hotlist (one lost card, one lost
    phone), fares, CA keys, e-code trust and revocation lists;
  - for each place of use (library gate, identity check, and the bus, metro, canteen and hospital
    profiles when this build has them) a real terminal on an emulated reader and scanner, playing a
    script of taps and codes — approvals and declines (hotlisted card, expired card, replayed code,
    anti-passback) — printed as each is decided, with the journal sequence number it is durable under;
  - then each terminal's journal synced to the backend (records acknowledged).
The customer display is served on loopback (the URL is printed; one URL for the whole demo).

  --profile ID   play only these segments (library, identity, bus, metro, canteen, hospital)
  --keep         keep the last terminal and its display running after the script (until Ctrl-C)
  --pace MS      pause between taps (to watch the display), default 0 (with --keep: 1500)
  --port N       display port (default 8480 when free, else any free port)
  --json         one JSON object per decision and per sync instead of text
  --dir DIR      keep the backend's and terminals' files (and demo.log) in DIR
  --verbose      the runtime's logs (JSON lines) on stderr

exit codes: 0 every decision as scripted and every record acknowledged, 1 something differed (marked ✗),
2 usage, 3 config (e.g. --port in use), 70 internal error`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['keep', 'json', 'verbose'], options: ['profile', 'pace', 'port', 'dir'] });
    if (a.positional.length) throw new UsageError(`unexpected argument "${a.positional[0]}"`);
    const num = (name: string, max: number): number | undefined => {
      const v = a.options.get(name);
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`--${name} ${v}: expected a whole number 0…${max}`);
      return n;
    };
    const keep = a.flags.has('keep');
    const { runDemo } = await import('../../runtime/demo/run');
    let stop: (() => void) | undefined;
    const stopped = new Promise<void>((r) => (stop = r));
    const onSignal = () => stop?.();
    // Only --keep waits for a signal (then stops the kept terminal gracefully); a short run is killed as usual.
    if (keep) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    try {
      const r = await runDemo({
        io,
        only: a.options.get('profile')?.split(',').map((s) => s.trim()).filter(Boolean),
        json: a.flags.has('json'),
        keep,
        untilStopped: () => stopped,
        paceMs: num('pace', 60_000) ?? (keep ? 1500 : 0),
        port: num('port', 65535),
        dir: a.options.get('dir'),
        verbose: a.flags.has('verbose'),
      });
      const code = r.code === 0 ? EXIT.OK : EXIT.NEGATIVE;
      exitPromptly(code);
      return code;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
