import { statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors';
import { createKeystore, generateKeystoreJson, keystoreFromJson, loadKeystore } from './keystore';
import { tempDir } from './testing/tmp';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('keystore', () => {
  it('is created with mode 0600, loads back the same keys, and is never overwritten', () => {
    const path = tmp.path('keystore.json');
    const made = createKeystore(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadKeystore(path)).toEqual(made);
    expect(made.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(() => createKeystore(path)).toThrow(/already exists: refusing to overwrite keys/);
  });

  it('names the bad field', () => {
    const good = generateKeystoreJson();
    expect(() => keystoreFromJson({ ...good, dataKey: 'ab' })).toThrow(ConfigError);
    expect(() => keystoreFromJson({ ...good, dataKey: 'ab' })).toThrow(/keystore\.dataKey: expected 32 bytes of hex/);
    expect(() => keystoreFromJson({ ...good, version: 2 }, 'keystore /k.json')).toThrow(/keystore \/k\.json\.version: /);
    const path = tmp.path('broken.json');
    writeFileSync(path, '{ not json');
    expect(() => loadKeystore(path)).toThrow(/is not valid JSON/);
    expect(() => loadKeystore(tmp.path('missing.json'))).toThrow(/cannot read keystore/);
  });
});
