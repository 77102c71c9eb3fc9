/**
 * Shared by `ykt journal …` and `ykt sync`: where the journal, keystore and backend are, from
 * --config (a JSON file with the `terminal`, `journal` and `sync` sections) and flags that override it.
 * The terminal id is read from the journal file itself when not configured.
 */
import { readConfigSections } from '../../runtime/config';
import { parseJournalConfig, type JournalConfig } from '../../journal/config';
import { parseSyncConfig, type SyncConfig } from '../../sync/config';
import { openJournal, readJournalTerminalId, type Journal } from '../../journal/journal';
import { JournalUnavailableError } from '../../journal/errors';
import { EXIT, type CliIo } from '../command';

export const JOURNAL_OPTIONS = ['config', 'db'];

export interface TerminalFiles {
  journal: JournalConfig;
  sync: SyncConfig;
  terminalId?: string;
}

export function loadTerminalFiles(options: Map<string, string>): TerminalFiles {
  const file = readConfigSections(options.get('config'));
  const journal = parseJournalConfig({ ...((file.journal as object) ?? {}), ...(options.has('db') ? { path: options.get('db') } : {}), ...(options.has('keystore') ? { keystorePath: options.get('keystore') } : {}) });
  const sync = parseSyncConfig({ ...((file.sync as object) ?? {}), ...(options.has('backend') ? { backendUrl: options.get('backend') } : {}) });
  const terminalId = (file.terminal as { id?: unknown } | undefined)?.id;
  return { journal, sync, ...(typeof terminalId === 'string' ? { terminalId } : {}) };
}

export function openJournalForCli(files: TerminalFiles, mode: { readonly: boolean; checks?: boolean }): Journal {
  const terminalId = files.terminalId ?? readJournalTerminalId(files.journal.path);
  const config = mode.checks === false ? { ...files.journal, integrityCheck: 'off' as const, verifyTailOnOpen: 0 } : files.journal;
  return openJournal({ path: files.journal.path, terminalId, config, create: false, readonly: mode.readonly });
}

/** Run a command body; an out-of-service journal is exit 7 with the reason. */
export async function withJournalErrors(io: CliIo, f: () => Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof JournalUnavailableError) {
      io.err(`ykt: ${e.message}`);
      return EXIT.OUT_OF_SERVICE;
    }
    throw e;
  }
}
