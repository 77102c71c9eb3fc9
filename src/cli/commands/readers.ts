/** `ykt readers` — list the readers of the configured driver, and the card in each (ATR only). */
import { toHex } from '../../../apdu/hex';
import { ConfigError } from '../../core/errors';
import type { ReaderInfo } from '../../reader/types';
import { EXIT, parseArgs, UsageError, type Command } from '../command';

/**
 * `loadSection` gives the config file's `reader` section (the runtime composes the config file);
 * without it the defaults apply (driver 'virtual', the embedded emulated reader).
 */
export function makeReadersCommand(loadSection: () => unknown | Promise<unknown> = () => ({})): Command {
  return {
    path: ['readers'],
    summary: 'list card readers (and whether a card is present)',
    help: `usage: ykt readers [--driver pcsc|virtual] [--json]

Lists the readers of the configured reader driver (config section "reader"), contact or
contactless, and the ATR of the card in each. No card data is read.

  --driver KIND   pcsc (readers of pcscd) or virtual (the in-process emulated readers);
                  default: reader.driver of the configuration (virtual)
  --json          machine-readable output: [{ name, interface, cardPresent, atr }]

exit codes: 0 at least one reader, 3 configuration error, 4 no reader / PC/SC service down /
PC/SC addon missing`,
    async run(args, io) {
      const a = parseArgs(args, { flags: ['json'], options: ['driver'] });
      const driverOpt = a.options.get('driver');
      if (driverOpt !== undefined && driverOpt !== 'pcsc' && driverOpt !== 'virtual') throw new UsageError(`--driver: expected pcsc or virtual, got "${driverOpt}"`);
      const section = await loadSection();
      if (section !== undefined && (typeof section !== 'object' || section === null)) throw new ConfigError('reader', 'expected an object');
      const { createReaderDriver } = await import('../../../drivers/create');
      const driver = await createReaderDriver({ ...(section as object | undefined), ...(driverOpt ? { driver: driverOpt } : {}) });
      let readers: ReaderInfo[];
      try {
        readers = await driver.listReaders();
      } finally {
        await driver.close();
      }
      if (a.flags.has('json')) {
        io.out(JSON.stringify(readers.map((r) => ({ name: r.name, interface: r.interface, cardPresent: r.cardPresent, atr: r.atr ? toHex(r.atr) : null })), null, 2));
      } else if (readers.length === 0) {
        io.out(`no readers (driver ${driver.kind})`);
      } else {
        const w = Math.max(...readers.map((r) => r.name.length));
        for (const r of readers) {
          const card = r.cardPresent ? `card present, ATR ${r.atr ? toHex(r.atr, ' ') : '?'}` : 'no card';
          io.out(`${r.name.padEnd(w)}  ${r.interface.padEnd(11)}  ${card}`);
        }
      }
      return readers.length > 0 ? EXIT.OK : EXIT.DEVICE;
    },
  };
}

export const readersCommand: Command = makeReadersCommand();
