/** `ykt journal ls | export | verify` — inspect, export and check the terminal's journal. */
import { createWriteStream } from 'node:fs';
import { formatYuan } from '../../core/money';
import { genesisHash, toHexLower } from '../../journal/chain';
import type { JournalRecord } from '../../journal/record';
import { JournalUnavailableError } from '../../journal/errors';
import { EXIT, parseArgs, UsageError, type Command } from '../command';
import { cstTime } from '../cst-time';
import { JOURNAL_OPTIONS, loadTerminalFiles, openJournalForCli, withJournalErrors } from './journal-source';

const COMMON_HELP = `  --config FILE   terminal config (JSON with "terminal", "journal" and "sync" sections)
  --db PATH       the journal file (default: journal.path of the config, /var/lib/yikatong/journal.sqlite)`;

function seqOption(v: string | undefined, name: string): bigint | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,19}$/.test(v)) throw new UsageError(`--${name}: expected a sequence number, got "${v}"`);
  return BigInt(v);
}

function limitOption(v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--limit: expected a whole number >= 1, got "${v}"`);
  return n;
}

/** One line per record. Tokens are pseudonymous already; shown shortened. Sealed data is never shown. */
function line(r: JournalRecord, acked: bigint): string {
  const amount = r.amountFen === null ? '' : `${formatYuan(r.amountFen)}${r.currency !== null && r.currency !== 156 ? ` (${r.currency})` : ''}`;
  const tokens = Object.entries(r.tokens)
    .map(([k, v]) => `${k}=${v.slice(0, 6)}…`)
    .join(' ');
  return [
    String(r.seq).padStart(8),
    cstTime(r.ts),
    r.type.padEnd(11),
    r.service.padEnd(20),
    `${r.outcome ?? '-'}${r.reason ? `/${r.reason}` : ''}`.padEnd(24),
    amount.padStart(10),
    r.offline ? 'offline' : '       ',
    r.seq <= acked ? 'sent  ' : 'UNSENT',
    r.refSeq !== null ? `ref=${r.refSeq}` : '',
    r.txn ? `txn=${r.txn}` : '',
    tokens,
    r.hasSealed ? '[sealed]' : '',
  ]
    .filter((x) => x !== '')
    .join('  ');
}

export const journalLsCommand: Command = {
  path: ['journal', 'ls'],
  summary: 'list journal records and what is still unsent',
  help: `usage: ykt journal ls [--config FILE] [--db PATH] [--after SEQ] [--limit N] [--unsent] [--json]

Lists journal records (time in China Standard Time, amounts in CNY) and a summary: last sequence
number, what the backend has acknowledged, how many records are unconfirmed, the offline exposure.
Without --after, the newest records are shown. Personal data is never shown (tokens are shortened,
sealed data stays sealed).

${COMMON_HELP}
  --after SEQ     list records after SEQ, oldest first
  --limit N       at most N records (default 20)
  --unsent        only records not yet acknowledged by the backend
  --json          machine-readable output (64-bit numbers as decimal strings)

exit codes: 0 listed, 2 usage, 3 config (no journal at the path), 7 journal unreadable (corrupt)`,
  run(args, io) {
    const a = parseArgs(args, { flags: ['unsent', 'json'], options: [...JOURNAL_OPTIONS, 'after', 'limit'] });
    return withJournalErrors(io, async () => {
      const files = loadTerminalFiles(a.options);
      const j = openJournalForCli(files, { readonly: true });
      try {
        const pos = j.syncPosition();
        const ex = j.exposure();
        const limit = limitOption(a.options.get('limit'), 20);
        let after = seqOption(a.options.get('after'), 'after');
        if (a.flags.has('unsent') && (after === undefined || after < pos.ackedThrough)) after = pos.ackedThrough;
        const records = after !== undefined ? j.list({ after, limit }) : j.latest(limit).reverse();
        if (a.flags.has('json')) {
          io.out(
            JSON.stringify(
              { terminalId: j.terminalId, head: String(pos.head), ackedThrough: String(pos.ackedThrough), unconfirmed: String(pos.unsent), offline: ex, records },
              (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
              2,
            ),
          );
        } else {
          io.out(`journal ${j.path} — terminal ${j.terminalId}`);
          io.out(`last seq ${pos.head}, acknowledged through ${pos.ackedThrough}, unconfirmed ${pos.unsent}${pos.ackedAt !== null ? `, last ack ${cstTime(pos.ackedAt)}` : ''}`);
          io.out(`offline approvals unconfirmed: ${ex.count}, ${formatYuan(ex.totalFen)} CNY${ex.oldestTs !== null ? `, oldest ${cstTime(ex.oldestTs)}` : ''}`);
          for (const r of records) io.out(line(r, pos.ackedThrough));
          if (records.length === 0) io.out('(no records)');
        }
        return EXIT.OK;
      } finally {
        j.close();
      }
    });
  },
};

export const journalExportCommand: Command = {
  path: ['journal', 'export'],
  summary: 'export journal records as JSON lines (the upload form, hash chain included)',
  help: `usage: ykt journal export [--config FILE] [--db PATH] [--after SEQ] [--limit N] [--out FILE]

Writes the records in the form they are uploaded (docs/backend-api.md), one JSON object per line,
after a header line {"kind":"ykt-journal-export", "terminalId", "prevHash", …}. The chain can be
re-verified from prevHash. Sealed personal data stays sealed (base64); tokens stay tokens.

${COMMON_HELP}
  --after SEQ     start after SEQ (default: the first record)
  --limit N       at most N records (default: all)
  --out FILE      write to FILE instead of standard output

exit codes: 0 exported, 2 usage, 3 config, 7 journal unreadable`,
  run(args, io) {
    const a = parseArgs(args, { options: [...JOURNAL_OPTIONS, 'after', 'limit', 'out'] });
    return withJournalErrors(io, async () => {
      const files = loadTerminalFiles(a.options);
      const j = openJournalForCli(files, { readonly: true });
      const outPath = a.options.get('out');
      const stream = outPath ? createWriteStream(outPath, { flags: 'wx', mode: 0o600 }) : undefined;
      const write = (s: string) => (stream ? stream.write(s + '\n') : io.out(s));
      try {
        let after = seqOption(a.options.get('after'), 'after') ?? 0n;
        let left = a.options.has('limit') ? limitOption(a.options.get('limit'), 0) : Infinity;
        const first = j.list({ after, limit: 1 })[0];
        const prevSeq = first ? first.seq - 1n : after;
        const prevHash = prevSeq === 0n ? toHexLower(genesisHash(j.terminalId)) : (j.get(prevSeq)?.hash ?? null);
        const pos = j.syncPosition();
        write(JSON.stringify({ kind: 'ykt-journal-export', v: 1, terminalId: j.terminalId, exportedAt: Date.now(), head: String(pos.head), ackedThrough: String(pos.ackedThrough), prevSeq: String(prevSeq), prevHash }));
        let n = 0;
        while (left > 0) {
          const page = j.wire(after, Math.min(1000, left));
          if (page.length === 0) break;
          for (const r of page) write(JSON.stringify(r));
          n += page.length;
          left -= page.length;
          after = BigInt(page[page.length - 1]!.seq);
        }
        if (stream) {
          await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
          io.err(`exported ${n} records to ${outPath}`);
        }
        return EXIT.OK;
      } finally {
        j.close();
      }
    });
  },
};

export const journalVerifyCommand: Command = {
  path: ['journal', 'verify'],
  summary: 'check the journal file and its whole hash chain (tampering, corruption)',
  help: `usage: ykt journal verify [--config FILE] [--db PATH] [--json]

Runs SQLite's full integrity check and recomputes the hash chain over every record: an altered,
removed or reordered record is named. A file that is not a readable journal is reported as corrupt.

${COMMON_HELP}
  --json          machine-readable report

exit codes: 0 intact, 1 corrupt or tampered (the reason is printed), 2 usage, 3 config`,
  async run(args, io) {
    const a = parseArgs(args, { flags: ['json'], options: JOURNAL_OPTIONS });
    const files = loadTerminalFiles(a.options);
    let report: { ok: boolean; records: number; problems: string[] };
    let terminalId = files.terminalId ?? '?';
    try {
      const j = openJournalForCli(files, { readonly: true, checks: false });
      terminalId = j.terminalId;
      try {
        report = j.verify();
      } finally {
        j.close();
      }
    } catch (e) {
      if (!(e instanceof JournalUnavailableError)) throw e;
      report = { ok: false, records: 0, problems: [e.message] };
    }
    if (a.flags.has('json')) io.out(JSON.stringify({ path: files.journal.path, terminalId, ...report }, null, 2));
    else if (report.ok) io.out(`journal ${files.journal.path} (terminal ${terminalId}): intact — ${report.records} records, hash chain verified`);
    else {
      io.out(`journal ${files.journal.path} (terminal ${terminalId}): NOT intact`);
      for (const p of report.problems) io.out(`  ${p}`);
    }
    return report.ok ? EXIT.OK : EXIT.NEGATIVE;
  },
};
