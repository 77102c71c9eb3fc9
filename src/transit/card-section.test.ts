/** The `ykt card read` transport section: every field named, serial masked, bad records shown not fatal. */
import { describe, expect, it } from 'vitest';
import { loadCardFixture } from '../emulator/card-fixture';
import { loadTransitCard } from '../emulator/transit/fixtures';
import { directTransmit } from '../emulator/transit/rig';
import { runKernel } from '../kernel/runner';
import { transitCardSection } from './card-section';

async function read(name: string) {
  const c = loadTransitCard(name);
  const run = await runKernel(transitCardSection.read(), { card: directTransmit(c.card) });
  return run.outcome;
}

describe('transport section of card read', () => {
  it('names every field; the serial shows its last 4 digits only', async () => {
    const v = (await read('tunion-metro-entered'))!;
    const text = transitCardSection.toText(v).join('\n');
    expect(text).toContain('issuer          4910000100000001');
    expect(text).toContain('serial          ****************3001');
    expect(text).not.toContain('31049100000000003001');
    expect(text).toContain('valid           2024-01-01 → 2034-01-01');
    expect(text).toContain('interop type    0001 (T-Union interoperable)');
    expect(text).toContain('card category   01 → standard');
    expect(text).toContain('balance         50.00');
    expect(text).toContain('  #1  seq 16  compound purchase  amount 2.00  terminal 000000009901  at 2026-11-21 18:05:00  overdraft limit 0.00');
    expect(text).toContain('  #1  entry  metro  line 1 station 2  amount 0.00  balance after 50.00  at 2026-11-22 15:40:00  terminal 0000000000001102');
    expect(text).toContain('  id 02  trip entered  line 1 station 2  at 2026-11-22 15:40:00');
    expect(text).toContain('  id 01  absent');
    const json = JSON.stringify(transitCardSection.toJson(v));
    expect(json).not.toContain('31049100000000003001');
    expect(json).toContain('"serial":"****************3001"');
  });

  it('a stopped application is reported as such; a card without one is absent', async () => {
    expect(transitCardSection.toText((await read('faulty-stopped'))!)).toContain('application     STOPPED by the issuer (6A81)');
    const noTransport = await runKernel(transitCardSection.read(), { card: directTransmit(loadCardFixture('ssc-3rd-zhengzhou')) });
    expect(noTransport.outcome).toBeUndefined();
  });

  it('malformed files and records are shown with their raw bytes, the rest still read', async () => {
    const bad15 = transitCardSection.toText((await read('faulty-malformed-0015'))!).join('\n');
    expect(bad15).toMatch(/file 0015 {7}unreadable: .*BCD/);
    expect(bad15).toContain('balance         50.00');
    const badTravel = transitCardSection.toText((await read('faulty-malformed-travel'))!).join('\n');
    expect(badTravel).toMatch(/#1 {2}unreadable: transport file 001E: record: expected 48 bytes, got 1 {2}raw 06/);
    expect(badTravel).toMatch(/#2 {2}unreadable: transport file 001E: date: 20261321 is not a calendar date/);
  });
});
