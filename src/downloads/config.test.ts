import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors';
import { DEFAULT_DOWNLOADS_CONFIG, parseDownloadsConfig, trustFromConfig } from './config';
import { testPublisher } from './testing/index';

const a = testPublisher();
const b = testPublisher();
const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');

describe('downloads config section', () => {
  it('has named defaults', () => {
    expect(DEFAULT_DOWNLOADS_CONFIG).toMatchObject({ requiredSignatures: 1, clockSkewMs: 600_000, publisherKeys: [], hotlist: { maxEntries: 20_000_000, compactAfterEntries: 1_000_000 } });
    expect(DEFAULT_DOWNLOADS_CONFIG.kinds).toEqual(['hotlist', 'fare-params', 'pboc-capk', 'ecode-trust-list', 'ecode-revocations']);
  });

  it('names the field in errors', () => {
    expect(() => parseDownloadsConfig({ publisherKeys: [{ publicKey: 'zz' }] })).toThrow(/downloads.publisherKeys.0.publicKey: expected 64 hex digits/);
    expect(() => parseDownloadsConfig({ requiredSignatures: 0 })).toThrow(ConfigError);
    expect(() => parseDownloadsConfig({ surprise: true })).toThrow(/downloads/);
  });

  it('decodes keys, checks key ids and windows, and refuses an empty or insufficient key set', () => {
    const t = trustFromConfig(parseDownloadsConfig({ publisherKeys: [{ publicKey: hex(a.pair.publicKey), validUntil: '2027-01-01T00:00:00Z', kinds: ['hotlist'] }, { publicKey: hex(b.pair.publicKey), keyId: b.key.keyId }] }));
    expect(t.keys.map((k) => k.keyId)).toEqual([a.key.keyId, b.key.keyId]);
    expect(t.keys[0]).toMatchObject({ validUntil: Date.UTC(2027, 0, 1), kinds: ['hotlist'] });
    expect(() => trustFromConfig(parseDownloadsConfig({ publisherKeys: [{ publicKey: hex(a.pair.publicKey), keyId: b.key.keyId }] }))).toThrow(/wrong key pasted/);
    expect(() => trustFromConfig(parseDownloadsConfig({}))).toThrow(/is empty: the terminal trusts no publisher/);
    expect(() => trustFromConfig(parseDownloadsConfig({ publisherKeys: [{ publicKey: hex(a.pair.publicKey) }], requiredSignatures: 2 }))).toThrow(/needs 2 signatures but only 1/);
    expect(() => trustFromConfig(parseDownloadsConfig({ publisherKeys: [{ publicKey: hex(a.pair.publicKey) }, { publicKey: hex(a.pair.publicKey) }] }))).toThrow(/same key twice/);
  });
});
