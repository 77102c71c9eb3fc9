import { describe, expect, it } from 'vitest';
import type { DecisionEvent } from '../runtime/events';
import { createTerminalMetrics, formatValue, Registry } from './index';

describe('text exposition format 0.0.4', () => {
  it('writes counters, gauges and histograms exactly, with HELP/TYPE once per family', () => {
    const r = new Registry();
    const c = r.counter('ykt_taps_total', 'Taps seen', ['reader']);
    const g = r.gauge('ykt_temperature_celsius', 'Board temperature');
    const h = r.histogram('ykt_read_seconds', 'Card read time', { labelNames: ['reader'], buckets: [0.1, 0.25, 1] });
    c.inc({ reader: 'r1' });
    c.inc({ reader: 'r2' }, 2);
    c.inc({ reader: 'r1' });
    g.set(undefined, 41.5);
    h.observe({ reader: 'r1' }, 0.1); // le is inclusive
    h.observe({ reader: 'r1' }, 0.2);
    h.observe({ reader: 'r1' }, 7);
    expect(r.expose()).toBe(
      [
        '# HELP ykt_taps_total Taps seen',
        '# TYPE ykt_taps_total counter',
        'ykt_taps_total{reader="r1"} 2',
        'ykt_taps_total{reader="r2"} 2',
        '# HELP ykt_temperature_celsius Board temperature',
        '# TYPE ykt_temperature_celsius gauge',
        'ykt_temperature_celsius 41.5',
        '# HELP ykt_read_seconds Card read time',
        '# TYPE ykt_read_seconds histogram',
        'ykt_read_seconds_bucket{reader="r1",le="0.1"} 1',
        'ykt_read_seconds_bucket{reader="r1",le="0.25"} 2',
        'ykt_read_seconds_bucket{reader="r1",le="1"} 2',
        'ykt_read_seconds_bucket{reader="r1",le="+Inf"} 3',
        'ykt_read_seconds_sum{reader="r1"} 7.3',
        'ykt_read_seconds_count{reader="r1"} 3',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values (\\ " newline) and help text (\\ newline), keeps UTF-8', () => {
    const r = new Registry();
    const g = r.gauge('ykt_x', 'line one\nback\\slash "quoted"', ['device']);
    g.set({ device: 'ACS "ACR1252"\\01\n读卡器' }, 1);
    expect(r.expose()).toBe(
      ['# HELP ykt_x line one\\nback\\\\slash "quoted"', '# TYPE ykt_x gauge', 'ykt_x{device="ACS \\"ACR1252\\"\\\\01\\n读卡器"} 1', ''].join('\n'),
    );
  });

  it('formats special floats the way Prometheus parses them', () => {
    expect([Infinity, -Infinity, NaN, -0, 0.1, 1e-7, 1e21, 42].map(formatValue)).toEqual(['+Inf', '-Inf', 'NaN', '0', '0.1', '1e-7', '1e+21', '42']);
  });

  it('refuses bad names, labels and increments with messages naming the metric', () => {
    const r = new Registry();
    expect(() => r.counter('ykt_taps', 'x')).toThrow(/end in _total/);
    expect(() => r.gauge('1bad', 'x')).toThrow(/1bad/);
    expect(() => r.gauge('ykt_ok', 'x', ['__reserved'])).toThrow(/__reserved/);
    expect(() => r.histogram('ykt_h', 'x', { labelNames: ['le'] })).toThrow(/reserved/);
    expect(() => r.histogram('ykt_h2', 'x', { buckets: [1, 1] })).toThrow(/increase/);
    const c = r.counter('ykt_a_total', 'x', ['a']);
    expect(() => r.counter('ykt_a_total', 'x')).toThrow(/already registered/);
    expect(() => c.inc({ a: 'x' }, -1)).toThrow(/>= 0/);
    expect(() => c.inc({})).toThrow(/label "a" missing/);
    expect(() => c.inc({ a: 'x', b: 'y' })).toThrow(/unknown label "b"/);
  });

  it('bounds cardinality and counts what it drops', () => {
    const r = new Registry({ maxSeries: 2 });
    const c = r.counter('ykt_reasons_total', 'x', ['reason']);
    for (const reason of ['a', 'b', 'c', 'd']) c.inc({ reason });
    c.inc({ reason: 'a' });
    expect(r.expose()).toBe(
      [
        '# HELP ykt_metrics_dropped_series_total Samples dropped: too many label sets for a metric, or a collector sample clashing with a registered metric',
        '# TYPE ykt_metrics_dropped_series_total counter',
        'ykt_metrics_dropped_series_total{metric="ykt_reasons_total"} 2',
        '# HELP ykt_reasons_total x',
        '# TYPE ykt_reasons_total counter',
        'ykt_reasons_total{reason="a"} 2',
        'ykt_reasons_total{reason="b"} 1',
        '',
      ].join('\n'),
    );
  });

  it('adds collector samples grouped by family, skipping clashes and duplicates, surviving a throwing collector', () => {
    const r = new Registry();
    r.gauge('ykt_clash', 'registered').set(undefined, 1);
    r.addCollector(() => [
      { name: 'ykt_journal_unsent_records', help: 'Unsent', type: 'gauge', value: 3 },
      { name: 'ykt_journal_appends_total', help: 'Appends', type: 'counter', value: 10, labels: { store: 'main' } },
      { name: 'ykt_clash', help: 'from collector', type: 'gauge', value: 2 },
    ]);
    r.addCollector(() => {
      throw new Error('journal closed');
    });
    r.addCollector(() => [
      { name: 'ykt_journal_appends_total', help: 'Appends', type: 'counter', value: 4, labels: { store: 'spare' } },
      { name: 'ykt_journal_unsent_records', help: 'Unsent', type: 'gauge', value: 9 },
    ]);
    expect(r.expose()).toBe(
      [
        '# HELP ykt_clash registered',
        '# TYPE ykt_clash gauge',
        'ykt_clash 1',
        '# HELP ykt_journal_unsent_records Unsent',
        '# TYPE ykt_journal_unsent_records gauge',
        'ykt_journal_unsent_records 3',
        '# HELP ykt_journal_appends_total Appends',
        '# TYPE ykt_journal_appends_total counter',
        'ykt_journal_appends_total{store="main"} 10',
        'ykt_journal_appends_total{store="spare"} 4',
        '',
      ].join('\n'),
    );
    // the drops show on the next scrape
    expect(r.expose()).toContain(['ykt_metrics_dropped_series_total{metric="ykt_clash"} 1', 'ykt_metrics_dropped_series_total{metric="collector"} 1', 'ykt_metrics_dropped_series_total{metric="ykt_journal_unsent_records"} 1'].join('\n'));
  });

  it('every line is parseable: name, optional labels, value', () => {
    const r = new Registry();
    const h = r.histogram('ykt_h_seconds', 'h', { labelNames: ['stage'] });
    for (let i = 0; i < 100; i++) h.observe({ stage: `s${i % 3}` }, i / 37);
    r.gauge('ykt_g', 'g', ['k']).set({ k: 'a"b\\c\nd' }, NaN);
    const line = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\\\|\\"|\\n)*",?)*\})? (NaN|[+-]Inf|-?\d+(\.\d+)?(e[+-]?\d+)?)$/;
    for (const l of r.expose().trimEnd().split('\n')) if (!l.startsWith('#')) expect(l).toMatch(line);
  });
});

describe('terminal metrics', () => {
  const ev = (over: Partial<DecisionEvent> = {}): DecisionEvent => ({
    seq: '1',
    atMs: 0,
    profile: 'bus',
    device: 'r1',
    source: 'transit-card',
    outcome: 'approved',
    reason: 'ok',
    message: 'paid',
    latency: { read: 80, decide: 2, journal: 1.5, total: 95 },
    ...over,
  });

  it('counts decisions by profile/outcome/reason and observes stage latencies in seconds', () => {
    const m = createTerminalMetrics(new Registry(), { terminalId: 'T0001', softwareVersion: '0.1.0' });
    m.recordDecision(ev());
    m.recordDecision(ev({ outcome: 'declined', reason: 'insufficient-funds', latency: { total: 40, bogus: -1 } }));
    m.recordDecision(ev());
    expect(m.decisions.value({ profile: 'bus', outcome: 'approved', reason: 'ok' })).toBe(2);
    expect(m.decisions.value({ profile: 'bus', outcome: 'declined', reason: 'insufficient-funds' })).toBe(1);
    const total = m.stageLatency.snapshot({ profile: 'bus', stage: 'total' })!;
    expect(total.count).toBe(3);
    expect(total.sum).toBeCloseTo(0.23, 10);
    expect(m.stageLatency.snapshot({ profile: 'bus', stage: 'bogus' })).toBeUndefined();
    const text = m.registry.expose();
    expect(text).toContain('ykt_build_info{version="0.1.0",terminal="T0001"} 1\n');
    expect(text).toContain('ykt_decisions_total{profile="bus",outcome="declined",reason="insufficient-funds"} 1\n');
    expect(text).toContain('ykt_stage_latency_seconds_bucket{profile="bus",stage="read",le="0.1"} 2\n');
    expect(text).toContain('ykt_stage_latency_seconds_bucket{profile="bus",stage="read",le="0.075"} 0\n');
  });

  it('replaces device, artefact and sync gauges from a snapshot', () => {
    const m = createTerminalMetrics();
    m.updateFrom({
      devices: [
        { name: 'reader-1', kind: 'reader', state: 'ready' },
        { name: 'scanner-1', kind: 'scanner', state: 'absent' },
      ],
      artefacts: [
        { kind: 'hotlist', version: 42, ageMs: 3_600_000, stale: false },
        { kind: 'ecode-trust', version: null, ageMs: null },
      ],
      lastSync: { atMs: 1_795_334_400_000, ok: false },
    });
    m.updateFrom({ devices: [{ name: 'reader-1', kind: 'reader', state: 'error' }], artefacts: [{ kind: 'hotlist', version: 43, ageMs: 0 }], lastSync: null });
    const text = m.registry.expose();
    expect(text).toContain('ykt_device_up{device="reader-1",kind="reader"} 0\n');
    expect(text).not.toContain('scanner-1');
    expect(text).toContain('ykt_artefact_version{kind="hotlist"} 43\n');
    expect(text).toContain('ykt_artefact_age_seconds{kind="hotlist"} 0\n');
    expect(text).toContain('ykt_artefact_stale{kind="hotlist"} 0\n');
    expect(text).not.toContain('ecode-trust');
    expect(text).not.toContain('ykt_last_sync');
  });
});
