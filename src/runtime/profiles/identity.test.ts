// Identity check (hotel registration): identity read from the card where the purpose needs it, kept only
// sealed in the journal, shown masked; the e-code gives the same pseudonymous holder; no payment.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testing/harness';

const ZHENGZHOU_AUTH_KEY = '5445535420534D34204B455920303031'; // TEST key of fixtures/cards/ssc-3rd-zhengzhou.json

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('identity check', () => {
  it('reads the holder, shows it masked, stores it only sealed', async () => {
    h = await startHarness({ profile: { kind: 'identity', purpose: 'hotel-registration', ssseTestAuthKey: ZHENGZHOU_AUTH_KEY } });
    const ev = await h.tap('ssc-3rd-zhengzhou');
    expect(ev).toMatchObject({ outcome: 'approved', reason: 'identity-verified', maskedId: '张** 4101************10' });
    expect(ev.amountFen).toBeUndefined();
    const j = h.terminal.services.journal;
    const rec = j.list({ limit: 5 }).find((r) => r.seq.toString() === ev.seq)!;
    expect(rec.type).toBe('check');
    expect(rec.hasSealed).toBe(true);
    expect(j.unsealPersonal(rec)).toMatchObject({ name: '张测试', idNumber: '410102195003070010', birthDate: '1950-03-07' });
    // the database file holds no clear name or ID number anywhere
    const db = new Database(h.world.config.journal.path, { readonly: true });
    const dump = JSON.stringify(db.prepare('SELECT * FROM records').all(), (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    db.close();
    expect(dump).not.toMatch(/410102195003070010/);
    expect(dump).not.toContain(Buffer.from('张测试').toString('latin1'));
  });

  it('declines when the holder cannot be read (no authentication key for EF06)', async () => {
    h = await startHarness({ profile: { kind: 'identity' } });
    expect(await h.tap('ssc-3rd-zhengzhou')).toMatchObject({ outcome: 'declined', reason: 'holder-data-unavailable' });
  });

  it('without recordHolder, only the card checks run and nothing personal is stored', async () => {
    h = await startHarness({ profile: { kind: 'identity', recordHolder: false } });
    const ev = await h.tap('ssc-2nd-wenzhou-t0');
    expect(ev).toMatchObject({ outcome: 'approved', reason: 'identity-verified', maskedId: 'C******02' });
    const rec = h.terminal.services.journal.list({ limit: 5 }).find((r) => r.seq.toString() === ev.seq)!;
    expect(rec.hasSealed).toBe(false);
  });

  it('an e-code is verified offline and recorded; a code for the wrong scope is refused', async () => {
    h = await startHarness({ profile: { kind: 'identity' }, config: { ecode: { profiles: { default: { scopes: ['identity'] } } } } });
    const phone = h.world.phone('410100D1560000050000000000001001');
    expect(await h.scan(phone.code('identity'))).toMatchObject({ outcome: 'approved', source: 'ecode' });
    expect(await h.scan(phone.code('transit'))).toMatchObject({ outcome: 'declined', reason: 'ecode-wrong-scope', source: 'ecode' });
  });
});
