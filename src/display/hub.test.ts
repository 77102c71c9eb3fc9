import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock';
import type { TerminalState } from '../runtime/events';
import { parseDisplayConfig } from './config';
import { DisplayHub, ManualScheduler } from './hub';
import { decision } from './testing/fixtures';

function setup(over: Record<string, unknown> = {}) {
  const clock = new ManualClock();
  const scheduler = new ManualScheduler();
  const hub = new DisplayHub({ config: parseDisplayConfig(over), clock, scheduler });
  const seen: string[] = [];
  hub.subscribe((v) => seen.push(`${v.seq}:${v.kind}`));
  return { clock, scheduler, hub, seen };
}

const idle: TerminalState = { kind: 'idle', profile: 'bus', prompt: 'tap-or-scan' };

describe('DisplayHub', () => {
  it('starts on "starting" and publishes each state with an increasing seq', () => {
    const { hub, seen } = setup();
    expect(hub.view()).toMatchObject({ seq: 1, kind: 'out-of-service', headline: { en: 'Starting' } });
    hub.setState(idle);
    hub.setState({ kind: 'processing', profile: 'bus' });
    expect(seen).toEqual(['2:idle', '3:processing']);
  });

  it('holds a result, defers an idle sent meanwhile, and returns to idle after the hold', () => {
    const { hub, scheduler, seen } = setup({ approvedHoldMs: 3000 });
    hub.setState(idle);
    hub.setState({ kind: 'result', decision: decision({ amountFen: 200 }) });
    hub.setState({ kind: 'idle', profile: 'canteen', prompt: 'enter-amount' }); // next idle, not now
    expect(hub.view().kind).toBe('approved');
    expect(hub.holding).toBe(true);
    scheduler.advance(2999);
    expect(hub.view().kind).toBe('approved');
    scheduler.advance(1);
    expect(hub.view()).toMatchObject({ kind: 'idle', headline: { zh: '请输入金额' } });
    expect(seen).toEqual(['2:idle', '3:approved', '4:idle']);
  });

  it('declines hold longer; a new tap ends the hold at once; immediate idle cuts it short', () => {
    const { hub, scheduler } = setup({ approvedHoldMs: 1000, declinedHoldMs: 5000 });
    hub.setState(idle);
    hub.setState({ kind: 'result', decision: decision({ outcome: 'declined', reason: 'hotlisted', message: 'x' }) });
    scheduler.advance(1000);
    expect(hub.view().kind).toBe('declined');
    hub.setState({ kind: 'processing', profile: 'bus' });
    expect(hub.view().kind).toBe('processing');
    expect(scheduler.pending).toBe(0);
    hub.setState({ kind: 'result', decision: decision() });
    hub.setState(idle, { immediate: true });
    expect(hub.view().kind).toBe('idle');
    expect(scheduler.pending).toBe(0);
  });

  it('stays on the result when no idle state is known, and out of service never times out', () => {
    const { hub, scheduler } = setup();
    hub.setState({ kind: 'result', decision: decision() });
    scheduler.advance(60_000);
    expect(hub.view().kind).toBe('approved');
    hub.setState({ kind: 'out-of-service', reason: 'sam-failed' });
    scheduler.advance(600_000);
    expect(hub.view().kind).toBe('out-of-service');
  });

  it('keeps recent decisions newest first, bounded, masked', () => {
    const { hub } = setup({ maintenance: { recentDecisions: 2 } });
    hub.setState({ kind: 'result', decision: decision({ seq: '1' }) });
    hub.setState({ kind: 'result', decision: decision({ seq: '2', maskedId: '11010519491231002X' }) });
    hub.setState({ kind: 'result', decision: decision({ seq: '3', amountFen: 200, concession: 'elderly' }) });
    const r = hub.recentDecisions();
    expect(r.map((d) => d.seq)).toEqual(['3', '2']);
    expect(r[1]!.maskedId).toBe('1101************2X');
    expect(r[0]).toEqual({ seq: '3', atMs: decision().atMs, profile: 'bus', device: 'reader-1', source: 'transit-card', outcome: 'approved', reason: 'ok', amountFen: 200, concession: 'elderly', totalMs: 90 });
  });

  it('a throwing listener does not stop the others; close stops everything', () => {
    const { hub, scheduler } = setup();
    let got = 0;
    hub.subscribe(() => {
      throw new Error('broken page');
    });
    hub.subscribe(() => got++);
    hub.setState(idle);
    expect(got).toBe(1);
    hub.setState({ kind: 'result', decision: decision() });
    hub.close();
    scheduler.advance(10_000);
    hub.setState(idle);
    expect(got).toBe(2);
    expect(hub.view().kind).toBe('approved');
  });
});
