/**
 * Test helpers for the cashier profiles: a real clock that tests can move forward (the whole Terminal
 * runs on it: timers stay real), an operator client that speaks the HTTP API over loopback, and emulated
 * cards with the social security and UnionPay applications on one chip.
 */
import { readFileSync } from 'node:fs';
import { fromHex } from '../../../../apdu/hex';
import type { Clock } from '../../../core/clock';
import { holderTokenFromCardId } from '../../../core/holder-token';
import { fixturesDir } from '../../../core/paths';
import { buildCard } from '../../../emulator/card-fixture';
import type { Iso7816Card } from '../../../emulator/iso7816-card';
import { pbocAppOf } from '../../../emulator/pboc/card';
import type { Terminal } from '../../terminal';

/** The system clock plus an offset the test moves (never sleeps). */
export class ShiftedClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  monotonic(): number {
    return performance.now() + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** Card identification code of the Zhengzhou test holder (fixtures/cards/ssc-3rd-zhengzhou*.json). */
export const ZHENGZHOU_CARD_ID = '410100D1560000050000000000001001';
/** EF06 EXTERNAL AUTHENTICATE TEST key of the same fixtures. */
export const ZHENGZHOU_AUTH_KEY = '5445535420534D34204B455920303031';
/** PAN of the UnionPay application on that chip (SYNTHETIC). */
export const ZHENGZHOU_PAN = '62310000000000138';

export const holderTokenOf = (holderTokenKey: Uint8Array, cardIdHex: string) => holderTokenFromCardId(holderTokenKey, fromHex(cardIdHex));

/**
 * The Zhengzhou third-generation card with SSSE + UnionPay (EC) + T-Union on one chip, optionally with
 * another EC balance. A fresh card object each call (its EC balance and ATC live in the object).
 */
export function zhengzhouCard(o: { ecBalanceFen?: number } = {}): Iso7816Card {
  const f = JSON.parse(readFileSync(fixturesDir('cards', 'ssc-3rd-zhengzhou-full.json'), 'utf8')) as { sections: { pboc: { ec: { balanceFen: number } } } };
  if (o.ecBalanceFen !== undefined) f.sections.pboc.ec.balanceFen = o.ecBalanceFen;
  return buildCard(f);
}

export const ecBalanceOf = (card: Iso7816Card): number | undefined => pbocAppOf(card)?.state.balanceFen;

export interface OperatorClient {
  url: string;
  token: string;
  call(method: 'GET' | 'POST', path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: Record<string, unknown> }>;
  amount(fen: number, register?: boolean): Promise<Record<string, unknown>>;
  register(): Promise<Record<string, unknown>>;
  cancel(): Promise<Record<string, unknown>>;
  refund(): Promise<Record<string, unknown>>;
  state(): Promise<Record<string, unknown>>;
}

/** Drives the terminal's operator API over HTTP on loopback, as the cash-register software would. */
export function operatorClient(t: Terminal): OperatorClient {
  const api = t.operatorApi;
  if (!api) throw new Error('this terminal has no operator API (hospital or canteen profile with operatorApi.enabled)');
  const call: OperatorClient['call'] = async (method, path, body, token) => {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token ?? api.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(new URL(path, api.url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const ok = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const r = await call(method, path, body);
    if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  return {
    url: api.url,
    token: api.token,
    call,
    amount: (fen, register) => ok('POST', '/operator/amount', register === undefined ? { fen } : { fen, register }),
    register: () => ok('POST', '/operator/register'),
    cancel: () => ok('POST', '/operator/cancel'),
    refund: () => ok('POST', '/operator/refund'),
    state: () => ok('GET', '/operator/state'),
  };
}
