// The embedded default (`ykt demo`, what `npm start` runs): every profile's script plays on real
// terminals against the local world, each decision as scripted, every record acknowledged by the
// backend; nothing personal is printed unmasked.
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/ykt';
import { runDemo } from './run';
import { DEMO_SEGMENTS } from './script';

describe('ykt demo', () => {
  it('plays every segment as scripted and shows the sync acknowledged', async () => {
    const out: string[] = [];
    const r = await runDemo({ io: { out: (l) => out.push(l), err: (l) => out.push(l) }, port: 0 });
    const text = out.join('\n');
    expect(r.skipped, text).toEqual([]);
    expect(r.decisions.filter((d) => !d.ok).map((d) => `${d.segment}: ${d.step} → ${d.event.outcome} ${d.event.reason}`), text).toEqual([]);
    expect(r.decisions.length).toBe(DEMO_SEGMENTS.reduce((n, s) => n + s.steps.filter((x) => x.kind !== 'operator' || x.expect).length, 0));
    expect(r.synced.map((s) => s.segment)).toEqual(DEMO_SEGMENTS.map((s) => s.id));
    for (const s of r.synced) expect(s, text).toMatchObject({ ok: true, backendRecords: s.records });
    expect(r.code).toBe(0);
    // declines an operator must recognise are in the stream
    const reasons = new Set(r.decisions.map((d) => d.event.reason));
    for (const why of ['hotlisted', 'expired', 'ecode-replayed', 'anti-passback', 'insufficient-funds', 'no-amount']) expect(reasons).toContain(why);
    // amounts and concessions are shown
    expect(text).toMatch(/¥0\.00 \(full ¥2\.00, elderly-70\)/);
    expect(text).toMatch(/records acknowledged by the backend/);
    expect(r.displayUrls.length).toBe(DEMO_SEGMENTS.length);
    // masked only: no name, ID number or full PAN of the synthetic holders
    expect(text).not.toMatch(/张测试|李样例|410102195003070010|62310000000000138|A41001001/);
  }, 60_000);

  it('ykt demo --profile library --json --port 0: one JSON object per decision and per sync, exit 0', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['demo', '--profile', 'library', '--json', '--port', '0'], { out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(code, err.join('\n')).toBe(0);
    const objs = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    const steps = objs.filter((o) => 'outcome' in o);
    expect(steps).toHaveLength(DEMO_SEGMENTS.find((s) => s.id === 'library')!.steps.length);
    expect(objs.every((o) => o.segment === 'library')).toBe(true);
    expect(steps.every((o) => o.asScripted === true)).toBe(true);
    expect(steps.map((o) => o.reason)).toEqual(expect.arrayContaining(['entry', 'ecode-replayed', 'hotlisted', 'expired']));
    expect(objs.at(-1)).toMatchObject({ sync: { terminalId: 'T-DEMO-LIB-01', unsent: '0', ok: true } });
  }, 30_000);

  it('a decision that differs from the script makes the demo fail (exit 1), marked in the output', async () => {
    const out: string[] = [];
    const r = await runDemo({
      io: { out: (l) => out.push(l), err: (l) => out.push(l) },
      port: 0,
      segments: [{ id: 'x', title: 'x', terminalId: 'T-DEMO-X', profile: { kind: 'library' }, steps: [{ kind: 'tap', card: 'ssc-expired', label: 'expired card', expect: { outcome: 'approved' } }] }],
    });
    expect(r.code).toBe(1);
    expect(out.join('\n')).toMatch(/✗ the script expected approved/);
  }, 30_000);

  it('unknown --profile is a usage/config error naming the segments', async () => {
    const err: string[] = [];
    expect(await main(['demo', '--profile', 'spaceport', '--port', '0'], { out: () => {}, err: (l) => err.push(l) })).toBe(3);
    expect(err.join('\n')).toMatch(/no demo segment "spaceport".*library, identity, bus/);
  });
});
