// ykt start in-process: ready from a config file (the display's URL printed), stopped gracefully by a
// stop signal (a private one here: the test process's own SIGTERM/SIGINT are left alone), config and
// usage errors with their exit codes. The real SIGTERM on a real process, mid-transaction, is in
// src/runtime/e2e/shutdown.stack.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalWorld, type LocalWorld } from '../../runtime/demo/world';
import type { Terminal } from '../../runtime/terminal';
import { main } from '../ykt';
import { runTerminalUntilSignal } from './start';

let dir: string;
let world: LocalWorld;
let configPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ykt-start-'));
  world = await startLocalWorld({ dir: join(dir, 'world'), profile: { kind: 'library' } });
  const config = world.terminalConfig({ id: 'T-START-01', profile: { kind: 'museum', venue: 'test' }, config: { display: { port: 0 }, log: { level: 'error' } } });
  configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config));
});

afterAll(async () => {
  await world?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ykt start', () => {
  it('starts from the config file, prints ready and the display URL, stops on the signal with exit 0', async () => {
    const out: string[] = [];
    let terminal: Terminal | undefined;
    const done = runTerminalUntilSignal({
      config: configPath,
      io: { out: (l) => out.push(l), err: (l) => out.push(l) },
      signals: ['SIGUSR2'],
      onReady: (t) => {
        terminal = t;
        setImmediate(() => process.emit('SIGUSR2', 'SIGUSR2'));
      },
    });
    expect(await done).toBe(0);
    expect(terminal!.readyMs).toBeGreaterThan(0);
    expect(out[0]).toMatch(/^ykt: ready in \d+ ms \(\d+ ms since the process started\): museum terminal T-START-01, display http:\/\/127\.0\.0\.1:\d+\/ \(maintenance .*\/maintenance, metrics .*\/metrics\)$/);
    expect(out[1]).toBe('ykt: SIGUSR2: stopping — no new taps; transactions in progress finish and are journaled');
    expect(out[2]).toMatch(/^ykt: stopped in \d+ ms$/);
    expect(terminal!.inService).toBe(true);
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });

  it('a signal during start-up stops the terminal as soon as it is ready', async () => {
    const out: string[] = [];
    const done = runTerminalUntilSignal({ config: configPath, io: { out: (l) => out.push(l), err: (l) => out.push(l) }, signals: ['SIGUSR2'] });
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await done).toBe(0);
    expect(out.map((l) => l.split(':')[1]?.trim().split(' ')[0])).toEqual(['ready', 'SIGUSR2', 'stopped']);
  });

  it('config errors exit 3 naming the field; a missing file exits 3; a stray argument is a usage error', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ profile: { kind: 'metro', station: 1, direction: 'up', fareProfile: 'metro-l1' } }));
    const err: string[] = [];
    const io = { out: () => {}, err: (l: string) => err.push(l) };
    expect(await main(['start', '--config', bad], io)).toBe(3);
    expect(err.join('\n')).toMatch(/config: .*bad\.json › profile\.direction: Invalid option/);
    expect(await main(['start', '--config', join(dir, 'none.json')], io)).toBe(3);
    expect(err.join('\n')).toMatch(/cannot read the config file/);
    expect(await main(['start', 'config.json'], io)).toBe(2);
  });

  it('a config without the holder-token key refuses to start (exit 3, the field named)', async () => {
    const c = world.terminalConfig({ id: 'T-START-02', profile: { kind: 'library' }, config: { display: { enabled: false } } });
    const path = join(dir, 'no-key.json');
    writeFileSync(path, JSON.stringify({ ...c, holderTokenKey: undefined }));
    const err: string[] = [];
    expect(await main(['start', '--config', path], { out: () => {}, err: (l) => err.push(l) })).toBe(3);
    expect(err.join('\n')).toMatch(/holderTokenKey/);
  });
});

describe('ykt start: ports', () => {
  it('a display port in use is a config error naming display.port (exit 3), not an internal error', async () => {
    const { createServer } = await import('node:net');
    const busy = createServer();
    const port = await new Promise<number>((r) => busy.listen({ host: '127.0.0.1', port: 0 }, () => r((busy.address() as { port: number }).port)));
    try {
      const c = world.terminalConfig({ id: 'T-START-03', profile: { kind: 'library' }, config: { display: { port }, log: { level: 'error' } } });
      const path = join(dir, 'busy.json');
      writeFileSync(path, JSON.stringify(c));
      const err: string[] = [];
      expect(await main(['start', '--config', path], { out: () => {}, err: (l) => err.push(l) })).toBe(3);
      expect(err.join('\n')).toMatch(new RegExp(`config: display\\.port: 127\\.0\\.0\\.1:${port} is in use`));
    } finally {
      busy.close();
    }
  });
});
