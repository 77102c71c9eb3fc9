/**
 * The embedded default's script: for each place of use (profile), a terminal of the local world and a
 * stream of taps and codes — approvals and the declines an operator must recognise (hotlisted card,
 * expired card, replayed code, anti-passback, low balance) — each with the outcome it must produce.
 * `ykt demo` plays it (run.ts) and fails (exit 1) when a decision differs from the script. Amounts are
 * printed but not scripted: fares may depend on the time of day the demo runs.
 *
 * Cards are fixtures, one physical card per name for the whole demo (a balance spent on the bus is gone
 * at the metro): "ssc-…" from fixtures/cards, "transit/…" from fixtures/transit/cards, "pboc/…" from
 * fixtures/pboc/cards. Codes come from the world's TEST phones, each bound to the holder of one card
 * (卡码同权). Segments whose profile this build lacks are skipped with a note.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '../../../apdu/hex';
import type { Outcome } from '../../core/decision';
import { formatYuan } from '../../core/money';
import { holderTokenFromCardId } from '../../core/holder-token';
import type { ScopeName } from '../../ecode/tables';
import type { HotlistIdKind } from '../../hotlist/key';
import { operatorConsoleOf, type OperatorConsole } from '../profiles/pos/operator-console';
import type { Terminal } from '../terminal';
import type { DemoPhone, LocalWorld } from './world';

/** Card identification codes (region ‖ D156000005 ‖ card bytes) of the fixture cards, for their phones. */
export const CARD_IDS = {
  zhengzhou: '410100D1560000050000000000001001', // fixtures/cards/ssc-3rd-zhengzhou*.json (A41001001)
  wenzhou: '330300D1560000050000000000002002', // fixtures/cards/ssc-2nd-wenzhou-t0.json (C33002002)
  guangzhou: '440100D1560000050000000000003003', // fixtures/cards/ssc-3rd-guangzhou-elderly.json (G44003003)
} as const;

/** TEST key for EF06 EXTERNAL AUTHENTICATE on the emulated Zhengzhou card (registration reads the holder). */
export const ZHENGZHOU_SSSE_TEST_AUTH_KEY = '5445535420534D34204B455920303031';

/** A phone reported lost: its certificate serial is on the hotlist. */
export const LOST_PHONE_LABEL = 'lost-phone';
/** A T-Union card reported lost (fixtures/transit/cards/city-local.json). */
export const LOST_TUNION_SERIAL = '31049100000000002001';

export interface Expect {
  outcome: Outcome;
  reason?: string;
}

export interface DemoContext {
  world: LocalWorld;
  terminal: Terminal;
  /** Where this demo keeps its files. */
  dir: string;
  /** The phone of a holder (one per card id and label, kept for the whole demo). */
  phone(cardId: string, label?: string): DemoPhone;
  /** The last code shown at the scanner (to show it again: a replay). */
  lastCode?: string;
}

export type DemoStep =
  | { kind: 'tap'; card: string; label: string; expect: Expect }
  | { kind: 'scan'; code: (c: DemoContext) => string; label: string; expect: Expect }
  /** The operator's side (type an amount, refund…); `expect` when it decides something itself (a refund). */
  | { kind: 'operator'; act: (c: DemoContext) => void | Promise<void>; label: string; expect?: Expect };

export interface DemoSegment {
  /** Short id for --profile. */
  id: string;
  title: string;
  terminalId: string;
  /** The profile section of this terminal's config (may use the demo's folder). */
  profile: Record<string, unknown> | ((env: { dir: string; world: LocalWorld }) => Record<string, unknown>);
  /** Other config sections for this terminal (merged over the world's). */
  config?: Record<string, unknown>;
  /** A transport PSAM (fixtures/transit/psam) in a second reader slot, which becomes transit.samReader. */
  psam?: string;
  steps: DemoStep[];
}

const tap = (card: string, label: string, expect: Expect): DemoStep => ({ kind: 'tap', card, label, expect });
const scan = (code: (c: DemoContext) => string, label: string, expect: Expect): DemoStep => ({ kind: 'scan', code, label, expect });
const phoneCode = (cardId: string, scope: ScopeName, label?: string) => (c: DemoContext) => c.phone(cardId, label).code(scope);
const again = (c: DemoContext) => {
  if (!c.lastCode) throw new Error('demo script: "again" needs an earlier code');
  return c.lastCode;
};
const desk = (c: DemoContext): OperatorConsole => {
  const op = operatorConsoleOf(c.terminal.profile);
  if (!op) throw new Error(`demo script: the ${c.terminal.profileName} profile has no operator console`);
  return op;
};
const typeAmount = (fen: number, register = false): DemoStep => ({
  kind: 'operator',
  label: `operator types ${formatYuan(fen)}${register ? ' + registration' : ''} (operator API POST /operator/amount)`,
  act: (c) => void desk(c).setAmount(fen, { register }),
});
const askRegistration: DemoStep = { kind: 'operator', label: 'operator asks for registration only (POST /operator/register)', act: (c) => void desk(c).register() };
const refundLast: DemoStep = { kind: 'operator', label: 'operator refunds the last sale (POST /operator/refund)', act: async (c) => void (await desk(c).refundLast()), expect: { outcome: 'approved', reason: 'refund' } };

/** What the world's hotlist holds for the demo: a lost social security card, a lost phone, a lost T-Union card. */
export function demoHotlist(lostPhoneSerial: string): { kind: HotlistIdKind; id: string }[] {
  return [
    { kind: 'ssc', id: 'G44003003' },
    { kind: 'ecode-cert', id: lostPhoneSerial },
    { kind: 'tunion', id: LOST_TUNION_SERIAL },
  ];
}

export const DEMO_SEGMENTS: DemoSegment[] = [
  {
    id: 'library',
    title: '图书馆闸机 / library gate — entry by card or code, anti-passback 60 s',
    terminalId: 'T-DEMO-LIB-01',
    profile: { kind: 'library', venue: 'city-library', antiPassbackSeconds: 60 },
    steps: [
      tap('ssc-3rd-zhengzhou', 'card  ssc-3rd-zhengzhou', { outcome: 'approved', reason: 'entry' }),
      scan(phoneCode(CARD_IDS.wenzhou, 'culture'), 'code  phone of the Wenzhou holder', { outcome: 'approved', reason: 'entry' }),
      scan(again, 'code  the same code shown again', { outcome: 'declined', reason: 'ecode-replayed' }),
      scan(phoneCode(CARD_IDS.zhengzhou, 'culture'), 'code  phone of the Zhengzhou holder (in by card)', { outcome: 'declined', reason: 'anti-passback' }),
      tap('ssc-3rd-guangzhou-elderly', 'card  ssc-3rd-guangzhou-elderly (reported lost)', { outcome: 'declined', reason: 'hotlisted' }),
      tap('ssc-expired', 'card  ssc-expired', { outcome: 'declined', reason: 'expired' }),
      scan(phoneCode(CARD_IDS.guangzhou, 'culture', LOST_PHONE_LABEL), 'code  a phone reported lost', { outcome: 'declined', reason: 'hotlisted' }),
    ],
  },
  {
    id: 'identity',
    title: '身份核验 / identity check (hotel registration) — identity read, shown masked, stored sealed',
    terminalId: 'T-DEMO-IDN-01',
    profile: { kind: 'identity', purpose: 'hotel-registration', ssseTestAuthKey: ZHENGZHOU_SSSE_TEST_AUTH_KEY },
    steps: [
      tap('ssc-3rd-zhengzhou', 'card  ssc-3rd-zhengzhou', { outcome: 'approved', reason: 'identity-verified' }),
      scan(phoneCode(CARD_IDS.wenzhou, 'identity'), 'code  phone of the Wenzhou holder', { outcome: 'approved', reason: 'identity-verified' }),
      tap('ssc-malformed', 'card  ssc-malformed', { outcome: 'declined', reason: 'card-unreadable' }),
    ],
  },
  {
    id: 'bus',
    title: '公交车载机 / bus validator, route 26 (flat 2.00) — T-Union e-purse through the PSAM, QuickPass, e-code',
    terminalId: 'T-DEMO-BUS-01',
    profile: { kind: 'bus', line: 26, fareProfile: 'bus-26' },
    psam: 'psam-test-1',
    steps: [
      tap('transit/tunion-adult', 'card  T-Union adult', { outcome: 'approved' }),
      tap('transit/tunion-elderly-70', 'card  T-Union elderly 70+ (concession)', { outcome: 'approved' }),
      tap('transit/tunion-student-sm4', 'card  T-Union student (concession, SM4 keys)', { outcome: 'approved' }),
      tap('pboc/ssc-3rd-pboc', 'card  social security card, UnionPay only (QuickPass)', { outcome: 'approved' }),
      scan(phoneCode(CARD_IDS.wenzhou, 'transit'), 'code  phone of the Wenzhou holder (post-paid)', { outcome: 'approved' }),
      tap('transit/faulty-low-balance', 'card  T-Union with 1.50 left', { outcome: 'declined', reason: 'insufficient-funds' }),
      tap('transit/city-local', 'card  T-Union reported lost', { outcome: 'declined', reason: 'hotlisted' }),
      tap('transit/faulty-expired', 'card  T-Union expired', { outcome: 'declined' }),
    ],
  },
  {
    id: 'metro',
    title: '地铁进站闸机 / metro entry gate, line 1 station 1',
    terminalId: 'T-DEMO-MTR-IN',
    profile: ({ dir }) => ({ kind: 'metro', line: 1, station: 1, direction: 'entry', fareProfile: 'metro-l1', rideLedgerPath: join(dir, 'metro-rides.sqlite') }),
    psam: 'psam-test-1',
    steps: [
      tap('transit/tunion-adult', 'card  T-Union adult: entry (no charge)', { outcome: 'approved' }),
      scan(phoneCode(CARD_IDS.wenzhou, 'transit'), 'code  phone of the Wenzhou holder: entry', { outcome: 'approved', reason: 'entry' }),
      tap('transit/tunion-adult', 'card  T-Union adult again (anti-passback)', { outcome: 'declined', reason: 'anti-passback' }),
    ],
  },
  {
    id: 'metro-exit',
    title: '地铁出站闸机 / metro exit gate, line 1 station 7 (14 km)',
    terminalId: 'T-DEMO-MTR-OUT',
    profile: ({ dir }) => ({ kind: 'metro', line: 1, station: 7, direction: 'exit', fareProfile: 'metro-l1', rideLedgerPath: join(dir, 'metro-rides.sqlite') }),
    psam: 'psam-test-1',
    steps: [
      tap('transit/tunion-adult', 'card  T-Union adult: exit, distance fare', { outcome: 'approved' }),
      scan(phoneCode(CARD_IDS.wenzhou, 'transit'), 'code  phone of the Wenzhou holder: exit (post-paid)', { outcome: 'approved' }),
      tap('transit/tunion-student-sm4', 'card  T-Union student: exit without entry', { outcome: 'approved' }),
    ],
  },
  {
    id: 'canteen',
    title: '食堂收款机 / canteen POS — amount typed by the cashier, elderly subsidy first, then the card',
    terminalId: 'T-DEMO-CAN-01',
    profile: ({ dir, world }) => {
      // The canteen's roster: the Zhengzhou holder (card and code alike) has the elderly-70 subsidy.
      const rosterFile = join(dir, 'canteen-roster.json');
      writeFileSync(rosterFile, JSON.stringify({ [holderTokenFromCardId(world.holderTokenKey, fromHex(CARD_IDS.zhengzhou))]: ['elderly-70'] }));
      return { kind: 'canteen', operatorApi: { port: 0 }, dailyLimitFen: 50_00, subsidy: { rosterFile } };
    },
    steps: [
      typeAmount(12_00),
      tap('ssc-3rd-zhengzhou-full', 'card  social security card (subsidy 8.00 + EC)', { outcome: 'approved' }),
      tap('ssc-3rd-zhengzhou-full', 'card  the same card again (amount used once)', { outcome: 'declined', reason: 'no-amount' }),
      typeAmount(3_00),
      scan(phoneCode(CARD_IDS.zhengzhou, 'payment'), 'code  phone of the same holder (post-paid)', { outcome: 'approved' }),
      refundLast,
      typeAmount(6_00),
      tap('pboc/pboc-rsa', 'card  a bank card (not a social security card)', { outcome: 'declined', reason: 'not-ssc' }),
      tap('ssc-3rd-guangzhou-elderly', 'card  social security card reported lost', { outcome: 'declined', reason: 'hotlisted' }),
    ],
  },
  {
    id: 'hospital',
    title: '医院窗口 / hospital counter — registration (identity sealed, shown masked) and payment',
    terminalId: 'T-DEMO-HSP-01',
    profile: { kind: 'hospital', operatorApi: { port: 0 }, ssseTestAuthKey: ZHENGZHOU_SSSE_TEST_AUTH_KEY },
    config: { display: { showMaskedIdFor: ['hospital', 'identity'] } },
    steps: [
      typeAmount(25_00, true),
      tap('ssc-3rd-zhengzhou-full', 'card  social security card: registration + fee', { outcome: 'approved', reason: 'registered' }),
      typeAmount(88_80),
      tap('pboc/pboc-rsa', 'card  bank card (UnionPay)', { outcome: 'approved' }),
      askRegistration,
      scan(phoneCode(CARD_IDS.wenzhou, 'medical'), 'code  medical e-code of the Wenzhou holder', { outcome: 'approved', reason: 'registered' }),
      typeAmount(10_00, true),
      tap('pboc/pboc-rsa', 'card  bank card asked to register', { outcome: 'declined', reason: 'registration-needs-ssc' }),
    ],
  },
];
