// Library / museum gate through the in-process reader and scanner: card and e-code with equal rights,
// hotlist, anti-passback, daily quota, capacity; every decision durable before it is shown, and synced.
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testing/harness';

const ZHENGZHOU_CARD_ID = '410100D1560000050000000000001001'; // fixtures/cards/ssc-3rd-zhengzhou.json

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('library gate', () => {
  it('admits a valid card, refuses a hotlisted one and an expired one, records each durably', async () => {
    h = await startHarness({ profile: { kind: 'library', venue: 'city-library' }, hotlisted: [{ kind: 'ssc', id: 'G44003003' }] });
    const ok = await h.tap('ssc-3rd-zhengzhou');
    expect(ok).toMatchObject({ outcome: 'approved', reason: 'entry', source: 'ssse-card', profile: 'library', maskedId: 'A******01' });
    const lost = await h.tap('ssc-3rd-guangzhou-elderly');
    expect(lost).toMatchObject({ outcome: 'declined', reason: 'hotlisted' });
    const expired = await h.tap('ssc-expired');
    expect(expired).toMatchObject({ outcome: 'declined', reason: 'expired' });
    // every shown decision is in the journal, in order
    const recs = h.terminal.services.journal.list({ limit: 10 });
    expect(recs.map((r) => [r.seq.toString(), r.outcome, r.reason])).toEqual([
      [ok.seq, 'approved', 'entry'],
      [lost.seq, 'declined', 'hotlisted'],
      [expired.seq, 'declined', 'expired'],
    ]);
    // no card number or name in the journal rows
    expect(JSON.stringify(recs, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).not.toMatch(/A41001001|张测试|410102195003070010/);
  });

  it('the e-code of the same holder has the same rights and shares anti-passback with the card (卡码同权)', async () => {
    h = await startHarness({ profile: { kind: 'library', antiPassbackSeconds: 60 } });
    const phone = h.world.phone(ZHENGZHOU_CARD_ID);
    const card = await h.tap('ssc-3rd-zhengzhou');
    expect(card.outcome).toBe('approved');
    const code = await h.scan(phone.code('culture'));
    expect(code).toMatchObject({ outcome: 'declined', reason: 'anti-passback', source: 'ecode' });
    const other = h.world.phone('440100D1560000050000000000003003');
    expect((await h.scan(other.code('culture'))).outcome).toBe('approved');
    const garbage = await h.scan('YKE1:NOT-A-CODE');
    expect(garbage).toMatchObject({ outcome: 'declined', reason: 'ecode-truncated' });
  });

  it('daily quota per holder and the venue capacity', async () => {
    h = await startHarness({ profile: { kind: 'museum', dailyQuotaPerHolder: 1, dailyCapacity: 2 } });
    expect((await h.tap('ssc-3rd-zhengzhou')).outcome).toBe('approved');
    expect(await h.tap('ssc-3rd-zhengzhou')).toMatchObject({ outcome: 'declined', reason: 'daily-quota-reached' });
    expect((await h.tap('ssc-2nd-wenzhou-t0')).outcome).toBe('approved');
    expect(await h.tap('ssc-3rd-guangzhou-elderly')).toMatchObject({ outcome: 'declined', reason: 'venue-full' });
  });

  it('stale hotlist (older than downloads.maxAgeMs): the profile policy decides, decline by default, accept when chosen', async () => {
    // the world's hotlist was published a minute ago; a 1 s maximum age makes it stale at once
    const stale = { downloads: { maxAgeMs: { hotlist: 1000 } } };
    h = await startHarness({ profile: { kind: 'library' }, config: stale });
    expect(await h.tap('ssc-3rd-zhengzhou')).toMatchObject({ outcome: 'declined', reason: 'hotlisted' });
    expect(await h.scan(h.world.phone(ZHENGZHOU_CARD_ID).code('culture'))).toMatchObject({ outcome: 'declined', reason: 'hotlisted' });
    await h.close();
    h = await startHarness({ profile: { kind: 'library', staleHotlist: 'accept' }, config: stale });
    expect(await h.tap('ssc-3rd-zhengzhou')).toMatchObject({ outcome: 'approved', reason: 'entry' });
    expect(await h.scan(h.world.phone(ZHENGZHOU_CARD_ID).code('culture'))).toMatchObject({ outcome: 'approved', reason: 'entry' });
  });

  it('forwards every record to the clearing backend', async () => {
    h = await startHarness({ profile: { kind: 'library' } });
    await h.tap('ssc-3rd-zhengzhou');
    await h.tap('ssc-expired');
    const journal = h.terminal.services.journal;
    const deadline = Date.now() + 15_000;
    while (journal.syncPosition().unsent > 0n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(journal.syncPosition().unsent).toBe(0n);
    expect(journal.syncPosition().ackedThrough).toBe(journal.syncPosition().head);
  });
});
