/** The ustar subset of tar.ts (POSIX.1-2017 pax, "ustar Interchange Format"): accepted and refused archives. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirmwareError } from './errors';
import { DEFAULT_TAR_LIMITS, readTar, writeTar, type TarEntry } from './tar';
import { expectFirmwareError } from './testing/expect-error';

const te = (s: string) => new TextEncoder().encode(s);
const file = (path: string, s = 'x'): TarEntry => ({ path, data: te(s) });

const refused = (bytes: Uint8Array, re: RegExp): void => expectFirmwareError(() => readTar(bytes), 'archive', re, 'archive was accepted');

describe('ustar reader: good archives', () => {
  it('round-trips files, including an empty one and a path over 100 characters (prefix field)', () => {
    const long = 'dist/' + 'd'.repeat(90) + '/' + 'f'.repeat(60) + '.js';
    const entries = [file('manifest.json', '{}'), file('dist/ykt.js', 'console.log(1)\n'), { path: 'empty', data: new Uint8Array(0) }, file(long, 'y'.repeat(1000))];
    const out = readTar(writeTar(entries));
    expect(out.map((e) => e.path)).toEqual(entries.map((e) => e.path));
    out.forEach((e, i) => expect(Buffer.from(e.data).equals(Buffer.from(entries[i]!.data))).toBe(true));
  });

  it('is deterministic', () => {
    const e = [file('a', 'x'), file('b/c', 'y')];
    expect(Buffer.from(writeTar(e)).equals(Buffer.from(writeTar(e)))).toBe(true);
  });

  it('reads what GNU tar writes in POSIX format, and GNU tar reads ours', () => {
    const d = mkdtempSync(join(tmpdir(), 'ykt-tar-'));
    try {
      mkdirSync(join(d, 'src', 'dist'), { recursive: true });
      writeFileSync(join(d, 'src', 'dist', 'ykt.js'), 'hello\n');
      execFileSync('tar', ['--format=ustar', '-cf', join(d, 'gnu.tar'), '-C', join(d, 'src'), 'dist/ykt.js']);
      const out = readTar(new Uint8Array(readFileSync(join(d, 'gnu.tar'))));
      expect(out.map((e) => [e.path, Buffer.from(e.data).toString()])).toEqual([['dist/ykt.js', 'hello\n']]);
      writeFileSync(join(d, 'ours.tar'), writeTar([file('dist/a.js', 'A'), file('package.json', '{}')]));
      expect(execFileSync('tar', ['-tf', join(d, 'ours.tar')], { encoding: 'utf8' }).trim().split('\n')).toEqual(['dist/a.js', 'package.json']);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('ustar reader: refused archives', () => {
  it.each([
    ['../etc/passwd', /traversal/],
    ['dist/../../x', /traversal/],
    ['./x', /"\." component/],
    ['/etc/passwd', /absolute/],
    ['dist//x', /empty component/],
    ['dist\\..\\x', /characters/],
    ['dist/ü', /characters/],
  ])('path %s', (p, re) => {
    // writeTar writes any name; the reader must refuse it.
    refused(writeTar([file(p)]), re);
  });

  it.each([
    ['1', /hard link/],
    ['2', /symbolic link/],
    ['3', /character device/],
    ['4', /block device/],
    ['6', /FIFO/],
    ['x', /pax extended header/],
    ['L', /GNU long name/],
  ])('typeflag %s', (type, re) => {
    refused(writeTar([file('ok.txt'), { path: 'evil', data: new Uint8Array(0) }], new Map([['evil', { type, linkname: '/etc/shadow' }]])), re);
  });

  it('duplicates and file/directory conflicts', () => {
    refused(writeTar([file('a'), file('a')]), /duplicate/);
    refused(writeTar([file('a'), file('a/b')]), /which is a file/);
    refused(writeTar([file('a/b'), file('a')]), /both a file and a directory/);
  });

  it('oversize entries, too many entries, too much in total', () => {
    const big = { path: 'big', data: new Uint8Array(2048) };
    expect(() => readTar(writeTar([big]), { ...DEFAULT_TAR_LIMITS, maxEntryBytes: 1024 })).toThrow(/over the limit/);
    expect(() => readTar(writeTar([file('a'), file('b'), file('c')]), { ...DEFAULT_TAR_LIMITS, maxEntries: 2 })).toThrow(/more than 2 entries/);
    expect(() => readTar(writeTar([big, big].map((b, i) => ({ ...b, path: `f${i}` }))), { ...DEFAULT_TAR_LIMITS, maxTotalBytes: 3000 })).toThrow(/exceed/);
  });

  it('a bad checksum, a non-ustar header, a base-256 size, truncation, garbage after the end', () => {
    const good = writeTar([file('a', 'hello')]);
    const sum = good.slice();
    sum[0] = 'b'.charCodeAt(0);
    refused(sum, /checksum/);
    const gnu = good.slice();
    gnu.set(te('ustar  \0'), 257);
    let s = 0;
    gnu.fill(0x20, 148, 156);
    for (let i = 0; i < 512; i++) s += gnu[i]!;
    gnu.set(te(s.toString(8).padStart(6, '0') + '\0 '), 148);
    refused(gnu, /not POSIX ustar/);
    const b256 = good.slice();
    b256[124] = 0x80;
    refused(b256, /base-256|checksum/);
    refused(good.slice(0, 512), /truncated/);
    refused(good.slice(0, good.length - 512), /single zero block/);
    const tail = new Uint8Array(good.length + 512);
    tail.set(good);
    tail[tail.length - 1] = 1;
    refused(tail, /after the end/);
    refused(good.slice(0, 700), /multiple of 512/);
  });

  it('never throws anything but a FirmwareError on mutated archives (property)', () => {
    const base = writeTar([file('manifest.json', '{"a":1}'), file('dist/ykt.js', 'x'.repeat(700))]);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (muts) => {
        const b = base.slice();
        for (const [i, v] of muts) b[i] = v;
        try {
          readTar(b);
        } catch (e) {
          expect(e).toBeInstanceOf(FirmwareError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
