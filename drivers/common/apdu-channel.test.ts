import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApduChannel } from './apdu-channel';

afterEach(() => {
  vi.useRealTimers();
});

/** A raw send whose answers the test releases by hand. */
function manualSend() {
  const pending: Array<{ cmd: Uint8Array; resolve: (r: Uint8Array) => void; reject: (e: Error) => void }> = [];
  const send = (cmd: Uint8Array) => new Promise<Uint8Array>((resolve, reject) => pending.push({ cmd, resolve, reject }));
  return { pending, send };
}

describe('ApduChannel', () => {
  it('never has two raw sends in flight', async () => {
    const m = manualSend();
    const ch = new ApduChannel({ reader: 'R', send: m.send, release: () => {}, apduTimeoutMs: 1000 });
    const a = ch.transmit(Uint8Array.of(1, 0, 0, 0));
    const b = ch.transmit(Uint8Array.of(2, 0, 0, 0));
    await Promise.resolve();
    expect(m.pending).toHaveLength(1);
    m.pending[0]!.resolve(Uint8Array.of(0x90, 0x00));
    await a;
    await vi.waitFor(() => expect(m.pending).toHaveLength(2));
    m.pending[1]!.resolve(Uint8Array.of(0x6a, 0x82));
    expect([...(await b)]).toEqual([0x6a, 0x82]);
  });

  it('after a missed deadline, close() returns after the grace but releases only when the native call ends', async () => {
    vi.useFakeTimers();
    const m = manualSend();
    const release = vi.fn();
    const ch = new ApduChannel({ reader: 'R', send: m.send, release, apduTimeoutMs: 100, closeGraceMs: 50 });
    const t = expect(ch.transmit(Uint8Array.of(0, 0xa4, 4, 0))).rejects.toMatchObject({ kind: 'mute' });
    await vi.advanceTimersByTimeAsync(100);
    await t;
    expect(ch.busy).toBe(true);
    const closed = ch.close();
    await vi.advanceTimersByTimeAsync(50);
    await closed;
    expect(release).not.toHaveBeenCalled(); // the native transmit is still running
    m.pending[0]!.reject(new Error('Card was removed'));
    await vi.waitFor(() => expect(release).toHaveBeenCalledTimes(1));
    await ch.close();
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('a release that throws does not make close() throw', async () => {
    const ch = new ApduChannel({ reader: 'R', send: async () => Uint8Array.of(0x90, 0), release: () => { throw new Error('Invalid handle'); }, apduTimeoutMs: 100 });
    await ch.transmit(Uint8Array.of(0, 0, 0, 0));
    await expect(ch.close()).resolves.toBeUndefined();
  });

  it('rejects a nonsensical deadline', async () => {
    const ch = new ApduChannel({ reader: 'R', send: async () => Uint8Array.of(0x90, 0), release: () => {}, apduTimeoutMs: 100 });
    await expect(ch.transmit(Uint8Array.of(0, 0, 0, 0), { timeoutMs: 0 })).rejects.toThrow(/timeoutMs/);
  });
});
