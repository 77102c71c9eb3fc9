import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/core/errors';
import { parseReaderConfig, readerConfigDefaults, readerSelected } from './config';

describe('reader config section', () => {
  it('has documented defaults: virtual driver, 3 s APDU deadline, shared mode, backoff 100 ms → 3 s', () => {
    expect(readerConfigDefaults).toMatchObject({
      driver: 'virtual',
      apduTimeoutMs: 3000,
      share: 'shared',
      include: [],
      exclude: [],
      watch: { waitTimeoutMs: 2000, backoffInitialMs: 100, backoffMaxMs: 3000 },
      removalGraceMs: 1000,
      closeGraceMs: 1000,
    });
    expect(readerConfigDefaults.virtual.readers[0]).toMatchObject({ interface: 'contact', card: 'ssc-3rd-zhengzhou' });
  });

  it('fills nested defaults when only part of a section is given', () => {
    expect(parseReaderConfig({ driver: 'pcsc', watch: { waitTimeoutMs: 500 } }).watch).toEqual({ waitTimeoutMs: 500, backoffInitialMs: 100, backoffMaxMs: 3000 });
  });

  it.each([
    [{ driver: 'usb' }, 'reader.driver'],
    [{ apduTimeoutMs: 10 }, 'reader.apduTimeoutMs'],
    [{ apduTimeoutMs: 1.5e3 + 0.5 }, 'reader.apduTimeoutMs'],
    [{ watch: { backoffInitialMs: 500, backoffMaxMs: 100 } }, 'reader.watch.backoffMaxMs'],
    [{ virtual: { readers: [{ name: 'A' }, { name: 'A' }] } }, 'reader.virtual.readers'],
    [{ interfaces: [{ match: 'PICC', interface: 'nfc' }] }, 'reader.interfaces.0.interface'],
  ])('names the field of a bad value: %j', (input, field) => {
    const e = (() => {
      try {
        parseReaderConfig(input);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).field).toBe(field);
  });

  it('selects readers by case-insensitive substrings; exclude wins', () => {
    const cfg = { include: ['acs', 'virtual'], exclude: ['SAM'] };
    expect(readerSelected('ACS ACR1252 1S CL Reader [ACR1252 1S CL Reader PICC] 00 00', cfg)).toBe(true);
    expect(readerSelected('ACS ACR1252 1S CL Reader [ACR1252 1S CL Reader SAM] 00 01', cfg)).toBe(false);
    expect(readerSelected('Gemalto PC Twin Reader 00 00', cfg)).toBe(false);
    expect(readerSelected('anything', { include: [], exclude: [] })).toBe(true);
  });
});
