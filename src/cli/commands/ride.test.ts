/** `ykt ride`: one tap from the command line on emulated cards; entry then exit chained by --save-card. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../ykt';

async function ykt(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const AT = ['--at', '2026-11-22T16:00:00+08:00'];

describe('ykt ride', () => {
  it('a bus tap: approved, fare steps, clearing data with a token, never the serial', async () => {
    const r = await ykt('ride', '--fare-profile', 'bus-26', '--card', 'tunion-student-sm4', ...AT);
    expect(r.code).toBe(0);
    expect(r.out).toContain('decision  APPROVED (ok): paid: fare 1.00, balance 49.00');
    expect(r.out).toMatch(/concession +-1\.00 {2}students half price \[student-half\]/);
    expect(r.out).toMatch(/clearing {2}txn 000000001101-1000 {2}TAC [0-9A-F]{8} {2}EP seq 17/);
    expect(r.out).not.toContain('31049100000000001003');
  });

  it('metro entry then exit, the card state carried by --save-card; JSON output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ykt-ride-'));
    const saved = join(dir, 'card.json');
    const e = await ykt('ride', '--fare-profile', 'metro-l1', '--station', 'L1-01', '--direction', 'entry', '--card', 'tunion-adult', '--save-card', saved, ...AT);
    expect(e.code).toBe(0);
    const x = await ykt('ride', '--fare-profile', 'metro-l1', '--station', 'L1-06', '--direction', 'exit', '--card', saved, '--at', '2026-11-22T16:30:00+08:00', '--json');
    expect(x.code).toBe(0);
    const j = JSON.parse(x.out);
    expect(j.decision).toMatchObject({ outcome: 'approved', reason: 'ok' });
    expect(j.fare).toMatchObject({ fareFen: 400, kind: 'exit' });
    expect(j.clearing).toMatchObject({ amountFen: 400, balanceBeforeFen: 5000, balanceAfterFen: 4600, epSeq: 18 });
    expect(j.journal.map((r: { kind: string }) => r.kind)).toEqual(['transit.intent', 'transit.result']);
    expect(x.out).not.toContain('31049100000000001001');
  });

  it('declines with exit 1, refuses bad usage with exit 2, a missing file with exit 3', async () => {
    const d = await ykt('ride', '--fare-profile', 'bus-26', '--card', 'faulty-expired', ...AT);
    expect(d.code).toBe(1);
    expect(d.out).toContain('DECLINED (expired)');
    expect((await ykt('ride', '--card', 'tunion-adult')).code).toBe(2);
    expect((await ykt('ride', '--fare-profile', 'bus-26', '--direction', 'sideways')).code).toBe(2);
    expect((await ykt('ride', '--fare-profile', 'bus-26', '--reader', 'X')).err).toContain('--sam-reader');
    const missing = await ykt('ride', '--fare-profile', 'bus-26', '--card', '/nonexistent/card.json');
    expect(missing.code).toBe(3);
    expect(missing.err).toContain('file not found');
  });
});
