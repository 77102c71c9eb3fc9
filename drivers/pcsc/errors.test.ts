/** pcsc-lite's error texts (smartcard 3.7.0's pcsc_errors.h) → our errors by layer and operation. */
import { describe, expect, it } from 'vitest';
import { CardError, ReaderError } from '../../src/core/errors';
import { isServiceLoss, mapPcscError } from './errors';

describe('mapPcscError', () => {
  it.each([
    ['Card was removed', 'transmit', CardError, 'removed'],
    ['Card was reset', 'transmit', CardError, 'removed'],
    ['Transaction failed', 'transmit', CardError, 'removed'],
    ['Card is unresponsive', 'transmit', CardError, 'mute'],
    ['Card was removed', 'connect', ReaderError, 'no-card'],
    ['No smart card present', 'connect', ReaderError, 'no-card'],
    ['Card is unresponsive', 'connect', ReaderError, 'no-card'],
    ['PC/SC service not running', 'list', ReaderError, 'service-down'],
    ['Invalid handle', 'transmit', ReaderError, 'service-down'],
    ['Communication error', 'watch', ReaderError, 'service-down'],
    ['Reader unavailable', 'connect', ReaderError, 'reader-gone'],
    ['Unknown reader', 'connect', ReaderError, 'reader-gone'],
    ['Sharing violation', 'connect', ReaderError, 'sharing-violation'],
    ['Operation timed out', 'watch', ReaderError, 'timeout'],
    ['Protocol mismatch', 'connect', ReaderError, 'transport'],
    ['something new', 'transmit', ReaderError, 'transport'],
  ] as const)('%s during %s → %s %s', (msg, op, type, kind) => {
    const e = mapPcscError(new Error(msg), op, 'ACS ACR1252 00 00');
    expect(e).toBeInstanceOf(type);
    expect(e.kind).toBe(kind);
    expect(e.message).toContain('ACS ACR1252 00 00');
    expect((e as Error).cause).toBeInstanceOf(Error);
  });

  it('passes our own errors through and recognises a lost service', () => {
    const own = new CardError('mute', 'x');
    expect(mapPcscError(own, 'transmit')).toBe(own);
    expect(isServiceLoss(new Error('Invalid handle'))).toBe(true);
    expect(isServiceLoss(new Error('Card was removed'))).toBe(false);
    expect(isServiceLoss('Invalid handle')).toBe(false);
  });
});
