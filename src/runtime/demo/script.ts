/**
 * The embedded default's script: for each place of use (profile), a terminal of the local world and a
 * stream of taps and codes — approvals and the declines an operator must recognise (hotlisted card,
 * expired card, replayed code, anti-passback) — each with the outcome it must produce. `ykt demo`
 * plays it (run.ts) and fails (exit 1) when a decision differs from the script.
 *
 * Cards are fixtures (fixtures/cards, fixtures/pboc/cards, fixtures/transit/cards); codes come from the
 * world's TEST phones, each bound to the holder of one card (卡码同权). Segments of profiles missing
 * from this build are skipped with a note (createProfile refuses their kind).
 */
import type { Outcome } from '../../core/decision';
import type { EmulatedCard } from '../../emulator/types';
import type { ScopeName } from '../../ecode/tables';
import type { HotlistIdKind } from '../../hotlist/key';
import type { DemoPhone, LocalWorld } from './world';
import type { Terminal } from '../terminal';

/** Card identification codes (region ‖ D156000005 ‖ card bytes) of the fixture cards, for their phones. */
export const CARD_IDS = {
  zhengzhou: '410100D1560000050000000000001001', // fixtures/cards/ssc-3rd-zhengzhou.json (A41001001)
  wenzhou: '330300D1560000050000000000002002', // fixtures/cards/ssc-2nd-wenzhou-t0.json (C33002002)
  guangzhou: '440100D1560000050000000000003003', // fixtures/cards/ssc-3rd-guangzhou-elderly.json (G44003003)
} as const;

/** TEST key for EF06 EXTERNAL AUTHENTICATE on the emulated Zhengzhou card (hotel registration reads the holder). */
export const ZHENGZHOU_SSSE_TEST_AUTH_KEY = '5445535420534D34204B455920303031';

/** A phone reported lost: its certificate serial is on the hotlist. */
export const LOST_PHONE_LABEL = 'lost-phone';

export interface Expect {
  outcome: Outcome;
  reason?: string;
}

export interface DemoContext {
  world: LocalWorld;
  terminal: Terminal;
  /** The phone of a holder (one per card id and label, kept across steps). */
  phone(cardId: string, label?: string): DemoPhone;
  /** The last code shown at the scanner (to show it again: a replay). */
  lastCode?: string;
}

export type DemoStep =
  | { kind: 'tap'; card: string | (() => EmulatedCard); label: string; expect: Expect }
  | { kind: 'scan'; code: (c: DemoContext) => string; label: string; expect: Expect }
  /** The operator's side: type an amount, ask for a refund… (what the profile's own interface offers). */
  | { kind: 'operator'; act: (c: DemoContext) => void | Promise<void>; label: string };

export interface DemoSegment {
  /** Short id for --profile. */
  id: string;
  title: string;
  terminalId: string;
  /** The profile section of this terminal's config. */
  profile: Record<string, unknown>;
  /** Other config sections for this terminal (merged over the world's). */
  config?: Record<string, unknown>;
  steps: DemoStep[];
}

const tap = (card: string, label: string, expect: Expect): DemoStep => ({ kind: 'tap', card, label, expect });
const scan = (code: (c: DemoContext) => string, label: string, expect: Expect): DemoStep => ({ kind: 'scan', code, label, expect });
const phoneCode = (cardId: string, scope: ScopeName, label?: string) => (c: DemoContext) => c.phone(cardId, label).code(scope);
const again = (c: DemoContext) => {
  if (!c.lastCode) throw new Error('demo script: "again" needs an earlier code');
  return c.lastCode;
};

/** What the world's hotlist holds for the demo: one lost card, one lost phone (certificate serial). */
export function demoHotlist(lostPhoneSerial: string): { kind: HotlistIdKind; id: string }[] {
  return [
    { kind: 'ssc', id: 'G44003003' },
    { kind: 'ecode-cert', id: lostPhoneSerial },
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
      scan(phoneCode(CARD_IDS.zhengzhou, 'culture'), 'code  phone of the Zhengzhou holder (entered by card)', { outcome: 'declined', reason: 'anti-passback' }),
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
      tap('ssc-malformed', 'card  ssc-malformed', { outcome: 'declined' }),
    ],
  },
];
