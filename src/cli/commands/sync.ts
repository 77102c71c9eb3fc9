/** `ykt sync` — upload the journal to the clearing backend now, show sync status, or enrol the terminal. */
import { existsSync } from 'node:fs';
import { formatYuan } from '../../core/money';
import { createKeystore, loadKeystore } from '../../journal/keystore';
import { createSyncer } from '../../sync/syncer';
import { enrolTerminal } from '../../sync/enrol';
import { httpTransport } from '../../sync/transport';
import { EXIT, parseArgs, UsageError, type Command } from '../command';
import { cstTime } from '../cst-time';
import { JOURNAL_OPTIONS, loadTerminalFiles, openJournalForCli, withJournalErrors } from './journal-source';

export const syncCommand: Command = {
  path: ['sync'],
  summary: 'upload unsent journal records to the backend now (or --status, --enrol)',
  help: `usage: ykt sync [--config FILE] [--db PATH] [--keystore PATH] [--backend URL] [--batch N] [--json]
       ykt sync --status [--json]
       ykt sync --enrol CODE [--create-keystore]

Uploads the records the backend has not acknowledged yet, in signed batches, until everything is
acknowledged or the backend cannot be reached (no retry loop here: the runtime retries with backoff).
A timeout is an unknown outcome: the next attempt re-sends the same records, and the backend counts
them as duplicates instead of storing them twice. Only the backend's acknowledgement marks records
sent. The runtime's own sync loop may run at the same time: the journal serialises both.

  --config FILE       terminal config (JSON with "terminal", "journal" and "sync" sections)
  --db PATH           the journal file (journal.path)
  --keystore PATH     the terminal keystore (journal.keystorePath)
  --backend URL       the clearing backend (sync.backendUrl)
  --batch N           records per batch (sync.batchRecords)
  --status            only show the sync position and the unconfirmed count
  --enrol CODE        register this terminal's signing key at the backend with a one-time code
  --create-keystore   with --enrol: create a development keystore first if none exists
  --json              machine-readable output

exit codes: 0 everything acknowledged (or status shown), 2 usage, 3 config, 6 backend unreachable or
refused (records stay unsent), 7 journal out of service`,
  run(args, io) {
    const a = parseArgs(args, { flags: ['status', 'json', 'create-keystore'], options: [...JOURNAL_OPTIONS, 'keystore', 'backend', 'batch', 'enrol'] });
    return withJournalErrors(io, async () => {
      const files = loadTerminalFiles(a.options);
      const json = a.flags.has('json');
      if (a.options.has('enrol')) {
        const path = files.journal.keystorePath;
        if (a.flags.has('create-keystore') && !existsSync(path)) {
          createKeystore(path);
          io.err(`created a development keystore at ${path} (random keys: provision real ones in production)`);
        }
        const ks = loadKeystore(path);
        const terminalId = files.terminalId ?? openJournalForCli(files, { readonly: true }).terminalId;
        const r = await enrolTerminal(files.sync.backendUrl, terminalId, ks, a.options.get('enrol')!, files.sync.requestTimeoutMs).catch((e: Error) => ({ ok: false as const, status: 0, reason: 'unreachable', message: e.message }));
        if (json) io.out(JSON.stringify({ terminalId, ...r }));
        else if (r.ok) io.out(`terminal ${terminalId} enrolled at ${files.sync.backendUrl}: key ${r.keyId}`);
        else io.err(`ykt: enrolment refused (${r.reason}): ${r.message}`);
        return r.ok ? EXIT.OK : EXIT.NETWORK;
      }
      if (a.flags.has('create-keystore')) throw new UsageError('--create-keystore goes with --enrol CODE');

      const j = openJournalForCli(files, { readonly: a.flags.has('status') });
      try {
        const show = () => {
          const p = j.syncPosition();
          const ex = j.exposure();
          return { terminalId: j.terminalId, head: p.head.toString(), ackedThrough: p.ackedThrough.toString(), unconfirmed: p.unsent.toString(), lastAckAt: p.ackedAt, offlineUnconfirmed: ex };
        };
        if (a.flags.has('status')) {
          const s = show();
          if (json) io.out(JSON.stringify(s));
          else {
            io.out(`terminal ${s.terminalId}: ${s.unconfirmed} records unconfirmed (last seq ${s.head}, acknowledged through ${s.ackedThrough}${s.lastAckAt ? `, last ack ${cstTime(s.lastAckAt)}` : ''})`);
            io.out(`offline approvals unconfirmed: ${s.offlineUnconfirmed.count}, ${formatYuan(s.offlineUnconfirmed.totalFen)} CNY`);
          }
          return EXIT.OK;
        }
        const batch = a.options.has('batch') ? Number(a.options.get('batch')) : files.sync.batchRecords;
        if (!Number.isInteger(batch) || batch < 1 || batch > 5000) throw new UsageError(`--batch: expected 1…5000, got "${a.options.get('batch')}"`);
        const ks = loadKeystore(files.journal.keystorePath);
        const transport = httpTransport(files.sync.backendUrl);
        const syncer = createSyncer({
          journal: j,
          transport,
          signer: { terminalId: j.terminalId, keyId: ks.keyId, signingKey: ks.signingKey },
          config: { ...files.sync, batchRecords: batch },
          onProgress: (s) => {
            if (!json) io.err(`acknowledged through ${s.ackedThrough}: ${s.unconfirmed} unconfirmed`);
          },
        });
        try {
          const round = await syncer.syncOnce();
          const st = syncer.status();
          if (json) io.out(JSON.stringify({ ...show(), caughtUp: round.caughtUp, batches: round.batches, records: round.records, duplicates: st.duplicatesReported, ...(round.failure ? { error: round.failure } : {}) }));
          else if (round.failure) io.err(`ykt: sync stopped: ${round.failure.message}`);
          else io.out(`terminal ${j.terminalId}: ${round.records} records sent in ${round.batches} batches; all acknowledged (through ${st.ackedThrough})${st.duplicatesReported ? `; ${st.duplicatesReported} were already at the backend` : ''}`);
          if (round.failure?.kind === 'journal') return EXIT.OUT_OF_SERVICE;
          return round.failure ? EXIT.NETWORK : EXIT.OK;
        } finally {
          transport.close?.();
        }
      } finally {
        j.close();
      }
    });
  },
};
