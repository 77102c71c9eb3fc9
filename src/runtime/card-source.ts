/**
 * Where a command gets its card from: a transcript file, an emulated card fixture in the in-process
 * reader, or a reader of the configured driver. Composition code: the only place (with the runtime)
 * that loads drivers/, and lazily.
 */
import { readFileSync } from 'node:fs';
import type { Transmit } from '../../apdu/transceive';
import { ConfigError, ReaderError } from '../core/errors';
import type { CardConnection, ReaderDriver, ReaderInfo } from '../reader/types';

export type DriverKind = 'pcsc' | 'virtual';

export interface CardSourceOptions {
  transcript?: string;
  /** Emulated card fixture name (fixtures/cards/<name>.json), served by the in-process reader. */
  card?: string;
  reader?: string;
  driver?: DriverKind;
}

export interface OpenCard {
  transmit: Transmit;
  describe: string;
  atr: Uint8Array;
  close(): Promise<void>;
}

/** The configured driver (the reader config section; `kind` overrides its driver field). */
export async function openDriver(kind: DriverKind, section: Record<string, unknown> = {}): Promise<ReaderDriver> {
  if (kind !== 'pcsc' && kind !== 'virtual') throw new ConfigError('reader.driver', `unknown driver "${String(kind)}" (expected pcsc or virtual)`);
  const { createReaderDriver } = await import('../../drivers/create');
  // The virtual driver for commands starts with no readers; its readers come from the command.
  return createReaderDriver({ ...section, driver: kind, ...(kind === 'virtual' && !section.virtual ? { virtual: { readers: [] } } : {}) });
}

export async function openCard(opts: CardSourceOptions): Promise<OpenCard> {
  if (opts.transcript) {
    const { TranscriptCard } = await import('../emulator/transcript-card');
    const { transmitOf } = await import('../../drivers/virtual/index');
    const card = TranscriptCard.fromText(readFileSync(opts.transcript, 'utf8'), opts.transcript);
    return { transmit: transmitOf(card), describe: `transcript ${opts.transcript}`, atr: card.atr, close: async () => {} };
  }
  if (opts.card) {
    const { loadCardFixture } = await import('../emulator/card-fixture');
    const { VirtualReaderDriver } = await import('../../drivers/virtual/index');
    const reader = 'Emulated Reader 00 00';
    const driver = new VirtualReaderDriver({ readers: [{ name: reader, interface: 'contactless' }] });
    driver.insertCard(reader, loadCardFixture(opts.card));
    return connectOn(driver, reader, `emulated card ${opts.card} in "${reader}"`);
  }
  const driver = await openDriver(opts.driver ?? 'pcsc');
  let readers: ReaderInfo[];
  try {
    readers = await driver.listReaders();
  } catch (e) {
    await driver.close();
    throw e;
  }
  const chosen = opts.reader ? readers.find((r) => r.name === opts.reader || r.name.includes(opts.reader!)) : readers.find((r) => r.cardPresent);
  if (!chosen) {
    await driver.close();
    if (opts.reader) throw new ReaderError('no-reader', `no reader named "${opts.reader}" (readers: ${readers.map((r) => r.name).join(', ') || 'none'})`);
    throw new ReaderError(readers.length ? 'no-card' : 'no-reader', readers.length ? `no card in any reader (${readers.map((r) => r.name).join(', ')})` : 'no reader found');
  }
  return connectOn(driver, chosen.name, `reader "${chosen.name}"`);
}

async function connectOn(driver: ReaderDriver, reader: string, describe: string): Promise<OpenCard> {
  let conn: CardConnection;
  try {
    conn = await driver.connect(reader);
  } catch (e) {
    await driver.close();
    throw e;
  }
  return {
    transmit: (cmd) => conn.transmit(cmd),
    describe,
    atr: conn.atr,
    close: async () => {
      await conn.close();
      await driver.close();
    },
  };
}
