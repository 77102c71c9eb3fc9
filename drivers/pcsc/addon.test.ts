/**
 * The one case the real stack cannot show here: the optional addon is absent (not built). The module
 * is replaced by one that fails to load, as Node does for a missing or unbuildable native module.
 */
import { describe, expect, it, vi } from 'vitest';
import { ReaderError } from '../../src/core/errors';

vi.mock('smartcard', () => {
  throw new Error("Cannot find module 'smartcard'");
});

describe('loadPcscAddon without the addon', () => {
  it('is a ReaderError that says how to install it, and the driver reports it the same way', async () => {
    const { loadPcscAddon, MISSING_ADDON_MESSAGE } = await import('./addon');
    const err = await loadPcscAddon().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReaderError);
    expect((err as ReaderError).message).toContain('the PC/SC addon is not installed: install libpcsclite-dev and run npm rebuild smartcard');
    expect(MISSING_ADDON_MESSAGE).toBe('the PC/SC addon is not installed: install libpcsclite-dev and run npm rebuild smartcard');
    const { PcscReaderDriver } = await import('./pcsc-driver');
    const d = new PcscReaderDriver();
    await expect(d.listReaders()).rejects.toThrow(/npm rebuild smartcard/);
    const events: unknown[] = [];
    d.subscribe((e) => events.push(e));
    await vi.waitFor(() => expect(events).toHaveLength(1));
    expect(events[0]).toMatchObject({ type: 'error', error: { kind: 'service-down' } });
    await d.close();
  });
});
