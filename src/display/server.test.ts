import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock';
import { createTerminalMetrics } from '../metrics/terminal';
import { Registry } from '../metrics/registry';
import { parseDisplayConfig } from './config';
import { DisplayHub, ManualScheduler } from './hub';
import type { MaintenanceSnapshot, MaintenanceSource } from './maintenance';
import { startDisplayServer, type DisplayServer } from './server';
import { decision } from './testing/fixtures';
import type { DisplayView } from './view';

const NOW = Date.UTC(2026, 10, 22, 8, 0, 0);
const TOKEN = 'maintenance-token-0123456789';

function snapshot(over: Partial<MaintenanceSnapshot> = {}): MaintenanceSnapshot {
  return {
    terminalId: 'T-4101-0007',
    softwareVersion: '0.1.0',
    profile: 'bus',
    startedAtMs: NOW - 3_600_000,
    devices: [
      { name: 'ACS ACR1252 01 00', kind: 'reader', state: 'ready' },
      { name: 'scanner-1', kind: 'scanner', state: 'absent', detail: 'last code 6228480402564890018 unreadable' },
    ],
    artefacts: [
      { kind: 'hotlist', version: 42, created: NOW - 7_200_000, maxAgeMs: 86_400_000, stale: false, problem: null },
      { kind: 'ecode-trust', version: null, created: null, stale: true, problem: 'missing' },
    ],
    unsentRecords: 17,
    oldestUnsentAtMs: NOW - 600_000,
    lastSync: { atMs: NOW - 60_000, ok: false, detail: 'backend unreachable' },
    journal: { inService: true },
    ...over,
  };
}

const servers: DisplayServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function start(over: Record<string, unknown> = {}, source?: MaintenanceSource) {
  const clock = new ManualClock(NOW);
  const config = parseDisplayConfig({ port: 0, heartbeatMs: 1000, ...over });
  const hub = new DisplayHub({ config, clock, scheduler: new ManualScheduler() });
  const registry = new Registry();
  const metrics = createTerminalMetrics(registry, { terminalId: 'T-4101-0007', softwareVersion: '0.1.0' });
  registry.addCollector(() => [{ name: 'ykt_journal_unsent_records', help: 'Records not yet acknowledged by the backend (unconfirmed)', type: 'gauge', value: 17 }]);
  const server = await startDisplayServer({ hub, maintenance: source ?? { snapshot: () => snapshot() }, metrics, clock });
  servers.push(server);
  return { hub, server, metrics, clock };
}

/** Read SSE events from a fetch body until `until` says stop. */
async function readEvents(res: Response, until: (events: { event: string; data: string; id?: string }[]) => boolean, timeoutMs = 5000) {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  const events: { event: string; data: string; id?: string }[] = [];
  let buf = '';
  const deadline = Date.now() + timeoutMs;
  while (!until(events)) {
    if (Date.now() > deadline) throw new Error(`timed out; events so far: ${JSON.stringify(events)}`);
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const ev: { event: string; data: string; id?: string } = { event: 'message', data: '' };
      for (const line of block.split('\n')) {
        const [k, ...rest] = line.split(': ');
        const v = rest.join(': ');
        if (k === 'event') ev.event = v;
        else if (k === 'data') ev.data = v;
        else if (k === 'id') ev.id = v;
      }
      if (ev.data) events.push(ev);
    }
  }
  await reader.cancel();
  return events;
}

describe('display server', () => {
  it('binds to loopback and serves the page, scripts and audio with security headers and ETags', async () => {
    const { server } = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(server.url + '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('id="headline-zh"');
    const js = await fetch(server.url + '/display.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const wav = await fetch(server.url + '/audio/zh.prompt.tap-card.wav');
    expect(wav.headers.get('content-type')).toBe('audio/wav');
    const bytes = new Uint8Array(await wav.arrayBuffer());
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('RIFF');
    const again = await fetch(server.url + '/audio/zh.prompt.tap-card.wav', { headers: { 'if-none-match': wav.headers.get('etag')! } });
    expect(again.status).toBe(304);
    for (const bad of ['/audio/../config.ts', '/audio/%2e%2e%2fconfig.ts', '/src/display/config.ts', '/audio/nope.wav']) expect((await fetch(server.url + bad)).status, bad).toBe(404);
  });

  it('streams the current view, then every new one, as Server-Sent Events', async () => {
    const { server, hub } = await start();
    const res = await fetch(server.url + '/events');
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const first = readEvents(res, (evs) => evs.filter((e) => e.event === 'view').length >= 3);
    // (the stream subscribed before its headers were sent: fetch resolving means it is live)
    hub.setState({ kind: 'idle', profile: 'bus', prompt: 'tap-card' });
    hub.setState({ kind: 'result', decision: decision({ amountFen: 200 }) });
    const events = await first;
    expect(events[0]!.event).toBe('config');
    expect(JSON.parse(events[0]!.data)).toMatchObject({ disconnectedAfterMs: 5000, heartbeatMs: 1000 });
    const views = events.filter((e) => e.event === 'view').map((e) => JSON.parse(e.data) as DisplayView);
    expect(views.map((v) => [v.seq, v.kind])).toEqual([
      [1, 'out-of-service'],
      [2, 'idle'],
      [3, 'approved'],
    ]);
    expect(events.filter((e) => e.event === 'view').map((e) => e.id)).toEqual(['1', '2', '3']);
    expect(await (await fetch(server.url + '/view')).json()).toMatchObject({ seq: 3, kind: 'approved' });
  });

  it('sends pings and limits the number of connected pages', async () => {
    const { server } = await start({ maxClients: 1 });
    const a = await fetch(server.url + '/events');
    const pinged = readEvents(a, (evs) => evs.some((e) => e.event === 'ping'), 5000);
    expect(server.clients).toBe(1);
    const b = await fetch(server.url + '/events');
    expect(b.status).toBe(503);
    expect(await b.json()).toEqual({ error: 'too many display clients (display.maxClients = 1)' });
    await pinged;
  });

  it('maintenance data: token required when configured, ages filled in, everything masked', async () => {
    const { server, hub } = await start({ maintenance: { token: TOKEN } });
    hub.setState({ kind: 'result', decision: decision({ seq: '9', maskedId: '11010519491231002X', amountFen: 100, concession: 'elderly' }) });
    expect((await fetch(server.url + '/maintenance/data')).status).toBe(401);
    expect((await fetch(server.url + '/maintenance/data', { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    expect((await fetch(server.url + '/maintenance')).status).toBe(200); // the shell has no data
    const res = await fetch(server.url + '/maintenance/data', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('11010519491231002X');
    expect(text).not.toContain('6228480402564890018');
    const d = JSON.parse(text);
    expect(d).toMatchObject({ terminalId: 'T-4101-0007', unsentRecords: 17, nowMs: NOW, refreshMs: 5000, display: { kind: 'approved', clients: 0 } });
    expect(d.artefacts[0]).toMatchObject({ kind: 'hotlist', version: 42, ageMs: 7_200_000 });
    expect(d.artefacts[1]).toMatchObject({ kind: 'ecode-trust', version: null, ageMs: null });
    expect(d.devices[1].detail).toBe('last code 622848*********0018 unreadable');
    expect(d.recentDecisions).toEqual([expect.objectContaining({ seq: '9', maskedId: '1101************2X', amountFen: 100, concession: 'elderly' })]);
    expect((await fetch(`${server.url}/maintenance/data?token=${TOKEN}`)).status).toBe(200);
  });

  it('status and metrics (text format 0.0.4) reflect the maintenance snapshot', async () => {
    const { server, metrics } = await start();
    metrics.recordDecision(decision({ outcome: 'declined', reason: 'hotlisted', message: 'x' }));
    const st = await (await fetch(server.url + '/status')).json();
    expect(st).toEqual({
      ok: false,
      terminalId: 'T-4101-0007',
      softwareVersion: '0.1.0',
      profile: 'bus',
      display: { kind: 'out-of-service', seq: 1, sinceMs: NOW, clients: 0 },
      devices: { up: 1, total: 2, down: ['scanner-1'] },
      unsentRecords: 17,
      lastSync: { atMs: NOW - 60_000, ok: false, detail: 'backend unreachable' },
      staleArtefacts: ['ecode-trust'],
      journalInService: true,
    });
    const res = await fetch(server.url + '/metrics');
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    for (const line of [
      'ykt_build_info{version="0.1.0",terminal="T-4101-0007"} 1',
      'ykt_decisions_total{profile="bus",outcome="declined",reason="hotlisted"} 1',
      'ykt_stage_latency_seconds_count{profile="bus",stage="total"} 1',
      'ykt_device_up{device="ACS ACR1252 01 00",kind="reader"} 1',
      'ykt_device_up{device="scanner-1",kind="scanner"} 0',
      'ykt_artefact_age_seconds{kind="hotlist"} 7200',
      'ykt_artefact_version{kind="hotlist"} 42',
      'ykt_artefact_stale{kind="ecode-trust"} 1',
      `ykt_last_sync_timestamp_seconds ${(NOW - 60_000) / 1000}`,
      'ykt_last_sync_success 0',
      'ykt_journal_unsent_records 17',
    ])
      expect(text.split('\n'), line).toContain(line);
  });

  it('protects metrics and status when asked; reports a failing maintenance source', async () => {
    const { server } = await start({ maintenance: { token: TOKEN, protectMetrics: true } }, {
      snapshot: () => {
        throw new Error('journal closed');
      },
    });
    expect((await fetch(server.url + '/metrics')).status).toBe(401);
    expect((await fetch(server.url + '/status')).status).toBe(401);
    const st = await (await fetch(server.url + '/status', { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(st).toMatchObject({ ok: false, sourceError: 'maintenance source failed: journal closed' });
    const d = (await (await fetch(server.url + '/maintenance/data', { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { sourceError?: string };
    expect(d.sourceError).toBe('maintenance source failed: journal closed');
  });

  it('close() ends open streams and frees the port', async () => {
    const { server } = await start();
    const res = await fetch(server.url + '/events');
    const reader = res.body!.getReader();
    await reader.read();
    await server.close();
    servers.length = 0;
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
    await expect(fetch(server.url + '/')).rejects.toThrow();
  });
});
