import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { projectRoot } from '../core/paths';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkSharedDependencies, missingDependencies } from './dependencies';

let d: string;
beforeEach(() => (d = mkdtempSync(join(tmpdir(), 'ykt-deps-'))));
afterEach(() => rmSync(d, { recursive: true, force: true }));

const lock = (pk: Record<string, object>) => new TextEncoder().encode(JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'yikatong' }, ...pk } }));
const installed = (pk: Record<string, object>) => {
  mkdirSync(join(d, 'nm'), { recursive: true });
  writeFileSync(join(d, 'nm', '.package-lock.json'), lock(pk));
};

describe('locked dependencies against a shared node_modules', () => {
  it('lists missing and different runtime packages; ignores dev and absent optional ones', () => {
    installed({ 'node_modules/zod': { version: '4.6.7', integrity: 'sha512-A' }, 'node_modules/pg': { version: '8.0.0' } });
    const want = lock({
      'node_modules/zod': { version: '4.6.7', integrity: 'sha512-A' },
      'node_modules/pg': { version: '8.23.1' },
      'node_modules/fastify': { version: '5.12.8' },
      'node_modules/vitest': { version: '3.2.7', dev: true },
      'node_modules/smartcard': { version: '3.7.0', optional: true },
    });
    expect(missingDependencies(want, join(d, 'nm'))).toEqual(['pg@8.23.1 (installed 8.0.0)', 'fastify@5.12.8 (absent)']);
  });
  it('a different integrity is a different package', () => {
    installed({ 'node_modules/zod': { version: '4.6.7', integrity: 'sha512-A' } });
    expect(missingDependencies(lock({ 'node_modules/zod': { version: '4.6.7', integrity: 'sha512-B' } }), join(d, 'nm'))).toHaveLength(1);
  });
  it('links when complete, refuses otherwise', () => {
    installed({ 'node_modules/zod': { version: '4.6.7' } });
    mkdirSync(join(d, 'slot'));
    writeFileSync(join(d, 'slot', 'package-lock.json'), lock({ 'node_modules/zod': { version: '4.6.7' } }));
    linkSharedDependencies(join(d, 'slot'), join(d, 'nm'));
    expect(readlinkSync(join(d, 'slot', 'node_modules'))).toBe(join(d, 'nm'));
    writeFileSync(join(d, 'slot', 'package-lock.json'), lock({ 'node_modules/zod': { version: '5.0.0' } }));
    expect(() => linkSharedDependencies(join(d, 'slot'), join(d, 'nm'))).toThrow(/zod@5\.0\.0 \(installed 4\.6\.7\) — install them first/);
  });
  it("this project's own lock is satisfied by its node_modules (the real formats)", () => {
    const root = projectRoot();
    expect(missingDependencies(new Uint8Array(readFileSync(join(root, 'package-lock.json'))), join(root, 'node_modules'))).toEqual([]);
  });
});
