/**
 * Runtime test harness: a local world (backend + signed downloads), a Terminal on the in-process reader
 * and scanner, and helpers to tap a card or show a code and wait for the decision.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualReaderDriver, VirtualScanner } from '../../../drivers/virtual/index';
import { loadCardFixture } from '../../emulator/card-fixture';
import { loadPsam } from '../../emulator/transit/fixtures';
import type { EmulatedCard } from '../../emulator/types';
import { createLogger } from '../../log/logger';
import { startLocalWorld, type LocalWorld, type LocalWorldOptions } from '../demo/world';
import type { DecisionEvent } from '../events';
import { Terminal } from '../terminal';

export const READER = 'Emulated Contactless Reader 00 00';
/** The PSAM's slot when the harness is given a `psam` (transit profiles). */
export const SAM_READER = 'Emulated SAM Reader 00 01';

export interface Harness {
  world: LocalWorld;
  terminal: Terminal;
  driver: VirtualReaderDriver;
  scanner: VirtualScanner;
  dir: string;
  /** Tap an emulated card (fixture name or card) and wait for the decision; the card is then removed. */
  tap(card: string | EmulatedCard, reader?: string): Promise<DecisionEvent>;
  scan(text: string): Promise<DecisionEvent>;
  close(): Promise<void>;
}

export interface HarnessOptions extends Omit<LocalWorldOptions, 'dir'> {
  readers?: string[];
  logs?: string[];
  /**
   * A transport PSAM (a fixtures/transit/psam name, e.g. "psam-test-1", or an emulated card) inserted in
   * a second reader slot, SAM_READER, which becomes transit.samReader.
   */
  psam?: string | EmulatedCard;
}

export async function startHarness(o: HarnessOptions): Promise<Harness> {
  // o.clock (LocalWorldOptions) drives the terminal too: tests move time with a shifted real clock.
  const dir = mkdtempSync(join(tmpdir(), 'ykt-runtime-'));
  const samConfig = o.psam ? { transit: { ...(o.config?.transit as object | undefined), samReader: SAM_READER } } : {};
  const world = await startLocalWorld({ ...o, dir, config: { display: { enabled: false }, ...o.config, ...samConfig } });
  const readers = o.readers ?? [READER];
  const driver = new VirtualReaderDriver({ readers: readers.map((name) => ({ name, interface: 'contactless' as const })) });
  if (o.psam) {
    driver.addReader(SAM_READER, { interface: 'contact' });
    driver.insertCard(SAM_READER, typeof o.psam === 'string' ? loadPsam(o.psam).card : o.psam);
  }
  const scanner = new VirtualScanner('Emulated Scanner');
  const logs = o.logs;
  const log = createLogger({ component: 'ykt', level: 'debug', sink: (line) => logs?.push(line) });
  const terminal = await Terminal.start({ config: world.config, driver, scanners: [scanner], log, downloads: false, clock: o.clock });
  await world.enrolTerminal(terminal.services.keystore.publicKey);
  await terminal.pollDownloads();
  return {
    world,
    terminal,
    driver,
    scanner,
    dir,
    async tap(card, reader = readers[0]!) {
      const next = terminal.nextDecision();
      driver.insertCard(reader, typeof card === 'string' ? loadCardFixture(card) : card);
      const ev = await next;
      driver.removeCard(reader);
      return ev;
    },
    async scan(text) {
      const next = terminal.nextDecision();
      scanner.present(text);
      return next;
    },
    async close() {
      await terminal.stop();
      await world.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
