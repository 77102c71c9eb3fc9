/**
 * TEST-ONLY: assert that a call or a promise fails with a FirmwareError of one kind (and, optionally,
 * a message matching `re`) — and fail the test when it does not fail at all.
 */
import { expect } from 'vitest';
import { FirmwareError, type FirmwareErrorKind } from '../errors';

function expectKind(e: unknown, kind: FirmwareErrorKind, re?: RegExp): void {
  expect(e).toBeInstanceOf(FirmwareError);
  expect((e as FirmwareError).kind).toBe(kind);
  if (re) expect((e as Error).message).toMatch(re);
}

export function expectFirmwareError(f: () => unknown, kind: FirmwareErrorKind, re?: RegExp, accepted = `expected a ${kind} refusal`): void {
  try {
    f();
  } catch (e) {
    expectKind(e, kind, re);
    return;
  }
  throw new Error(accepted);
}

export async function expectFirmwareRejection(p: Promise<unknown>, kind: FirmwareErrorKind, re?: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expectKind(e, kind, re);
    return;
  }
  throw new Error(`expected a ${kind} refusal`);
}
