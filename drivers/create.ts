/**
 * Make the configured reader driver. The runtime composition (src/runtime, src/cli) calls this —
 * lazily (`await import('../drivers/create')`), so the PC/SC addon loads only when the pcsc driver is
 * chosen, and only when first used.
 */
import type { ReaderDriver } from '../src/reader/types';
import { parseReaderConfig, type ReaderConfig } from './config';

export async function createReaderDriver(section?: unknown): Promise<ReaderDriver> {
  const cfg: ReaderConfig = parseReaderConfig(section);
  if (cfg.driver === 'pcsc') {
    const { PcscReaderDriver } = await import('./pcsc/pcsc-driver');
    return new PcscReaderDriver({ config: cfg });
  }
  const { VirtualReaderDriver } = await import('./virtual/virtual-driver');
  const { loadCardFixture } = await import('../src/emulator/card-fixture');
  const d = new VirtualReaderDriver({ apduTimeoutMs: cfg.apduTimeoutMs, readers: cfg.virtual.readers.map((r) => ({ name: r.name, interface: r.interface })) });
  for (const r of cfg.virtual.readers) if (r.card) d.insertCard(r.name, loadCardFixture(r.card));
  return d;
}
