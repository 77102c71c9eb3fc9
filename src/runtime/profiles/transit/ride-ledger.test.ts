// The ride ledger: history by holder (CST day and month, transfer window, this card's own rides left
// out), e-code trips, and its rebuild from the journal after a crash between the two commits.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualReaderDriver } from '../../../../drivers/virtual/index';
import { loadPsam, loadTransitCard } from '../../../emulator/transit/fixtures';
import { createLogger } from '../../../log/logger';
import { Terminal } from '../../terminal';
import { READER, SAM_READER, startHarness, type Harness } from '../../testing/harness';
import { RideLedger, cstDayAndMonthStart, type LedgerRide } from './ride-ledger';
import { TestClock, ZHENGZHOU_CARD_ID, cst } from './testing';

const ride = (seq: number, o: Partial<LedgerRide> = {}): LedgerRide => ({ seq: BigInt(seq), holder: 'H1', atMs: cst('2026-11-25T08:00'), industry: 'bus', kind: 'single', line: 26, fen: 200, source: 'ecode', ...o });

describe('RideLedger', () => {
  it('sums the CST day and month, lists recent boardings within the window, leaves out the card’s own rides', () => {
    const l = new RideLedger(':memory:');
    try {
      l.add(ride(1, { atMs: cst('2026-11-01T07:00'), fen: 300 })); // this month, another day
      l.add(ride(2, { atMs: cst('2026-10-31T23:50'), fen: 999 })); // last month
      l.add(ride(3, { atMs: cst('2026-11-25T00:10'), fen: 200, card: 'CARD-A', source: 'transit-card' }));
      l.add(ride(4, { atMs: cst('2026-11-25T07:30'), fen: 100, line: 58 }));
      l.add(ride(5, { holder: 'H2', atMs: cst('2026-11-25T07:40') }));
      l.add(ride(4, { fen: 12345 })); // the same journal record again: ignored
      const now = cst('2026-11-25T08:00');
      const hist = l.history('H1', now, 90 * 60_000, 'CARD-A');
      expect(hist.spentTodayFen).toBe(300);
      expect(hist.spentThisMonthFen).toBe(600);
      expect(hist.rides).toEqual([{ atMs: cst('2026-11-25T07:30'), industry: 'bus', kind: 'single', line: 58, fen: 100 }]);
      expect(l.history('H1', now, 0).rides).toEqual([]);
      expect(l.watermark()).toBe(5n);
      expect(cstDayAndMonthStart(cst('2026-11-25T00:10'))).toEqual({ day: cst('2026-11-25T00:00'), month: cst('2026-11-01T00:00') });
    } finally {
      l.close();
    }
  });

  it('keeps one open e-code trip per holder; exit closes it', () => {
    const l = new RideLedger(':memory:');
    try {
      l.enter({ holder: 'H1', station: 'L1-01', atMs: 1000, seq: 7n }, ride(7, { kind: 'entry', industry: 'metro', fen: 0 }));
      expect(l.openTrip('H1')).toEqual({ holder: 'H1', station: 'L1-01', atMs: 1000, seq: 7n });
      l.exit('H1', ride(8, { kind: 'exit', industry: 'metro', fen: 500 }));
      expect(l.openTrip('H1')).toBeUndefined();
      expect(l.latest().map((r) => r.seq)).toEqual([8n, 7n]);
    } finally {
      l.close();
    }
  });
});

describe('rebuilt from the journal', () => {
  let h: Harness | undefined;
  let t2: Terminal | undefined;
  afterEach(async () => {
    await t2?.stop();
    await h?.close();
    h = t2 = undefined;
  });

  it('rides and e-code trips lost by a crash between the journal and the ledger commit come back at start', async () => {
    const clock = new TestClock(cst('2026-11-25T08:00'));
    h = await startHarness({ profile: { kind: 'metro', fareProfile: 'metro-l1', line: 1, station: 1, direction: 'entry' }, psam: 'psam-test-1', clock });
    expect((await h.tap(loadTransitCard('tunion-adult').card)).outcome).toBe('approved');
    expect((await h.scan(h.world.phone(ZHENGZHOU_CARD_ID).code('transit'))).outcome).toBe('approved');
    await h.terminal.stop();
    const path = `${h.terminal.services.config.terminal.dataDir}/transit-rides.sqlite`;
    // the crash: the journal has both rides, the ledger neither (watermark before them)
    const db = new Database(path);
    db.exec("DELETE FROM rides; DELETE FROM trips; UPDATE meta SET v = 1 WHERE k = 'watermark'");
    db.close();

    const driver = new VirtualReaderDriver({ readers: [{ name: READER, interface: 'contactless' }] });
    driver.addReader(SAM_READER, { interface: 'contact' });
    driver.insertCard(SAM_READER, loadPsam('psam-test-1').card);
    t2 = await Terminal.start({ config: h.world.config, driver, scanners: [], log: createLogger({ component: 'ykt', level: 'error', sink: () => {} }), downloads: false, sync: false, clock });
    const head = t2.services.journal.head;
    await t2.stop();
    const l = new RideLedger(path);
    try {
      const rows = l.latest();
      expect(rows.map((r) => [r.source, r.industry, r.kind, r.fen])).toEqual([
        ['ecode', 'metro', 'entry', 0],
        ['transit-card', 'metro', 'entry', 0],
      ]);
      expect(l.openTrip(rows[0]!.holder)).toMatchObject({ station: 'L1-01', seq: rows[0]!.seq });
      expect(l.watermark()).toBe(head);
    } finally {
      l.close();
    }
  });
});
