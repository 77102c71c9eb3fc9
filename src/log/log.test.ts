import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock';
import { createLogger, looksLikeIdNumber, luhnValid, memorySink, parseLogConfig, scrubText } from './index';
import { ConfigError } from '../core/errors';

// GB 11643-1999 check character (ISO 7064 MOD 11-2).
function idCheck(first17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * w[i]!;
  return '10X98765432'[s % 11]!;
}
function luhnComplete(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(body + d)) return body + d;
  throw new Error('unreachable');
}

const digits = (min: number, max: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((a) => a.join(''));
const arbPan = fc.tuple(fc.constantFrom('62', '4', '51', '35'), digits(11, 17)).map(([p, b]) => luhnComplete((p + b).slice(0, 18)));
const arbId = fc
  .tuple(digits(6, 6), fc.integer({ min: 1920, max: 2020 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), digits(3, 3))
  .map(([r, y, m, d, s]) => {
    const b = `${r}${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}${s}`;
    return b + idCheck(b);
  });
// Free text around the secret: never digits or dashes/spaces glued to it (those would make a longer run).
const arbText = fc.string({ maxLength: 30 }).map((s) => s.replace(/[\d -]/g, 'x'));

function logOne(fields: Record<string, unknown>, message = 'm', policy = {}) {
  const sink = memorySink();
  const log = createLogger({ component: 'test', sink, clock: new ManualClock(), policy });
  log.info(message, fields);
  expect(sink.lines).toHaveLength(1);
  return { line: sink.lines[0]!, rec: sink.records()[0]! as { time: string; level: string; component: string; message: string; fields?: Record<string, unknown> } };
}

describe('line format', () => {
  it('writes one JSON object per event with time, level, component, message, fields', () => {
    const sink = memorySink();
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 8, 0, 0));
    const log = createLogger({ component: 'runtime', sink, clock, level: 'info' });
    log.debug('hidden');
    log.info('reader ready', { reader: 'ACS ACR1252 01 00', latencyMs: 12 });
    log.child('gate', { gate: 3 }).warn('relay slow');
    log.error('no fields');
    expect(sink.lines).toEqual([
      '{"time":"2026-11-22T08:00:00.000Z","level":"info","component":"runtime","message":"reader ready","fields":{"reader":"ACS ACR1252 01 00","latencyMs":12}}',
      '{"time":"2026-11-22T08:00:00.000Z","level":"warn","component":"runtime.gate","message":"relay slow","fields":{"gate":3}}',
      '{"time":"2026-11-22T08:00:00.000Z","level":"error","component":"runtime","message":"no fields"}',
    ]);
    for (const l of sink.lines) expect(l).not.toContain('\n');
  });

  it('serialises errors, bigint, bytes, dates, cycles and bounds size', () => {
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    const err = Object.assign(new Error('card 6228480402564890018 refused'), { code: 'card/refused' });
    const { rec } = logOne({ err, seq: 2n ** 63n - 1n, apduData: new Uint8Array([0x5a, 0x08, 0x62]), at: new Date(0), cyc, long: 'x'.repeat(3000), arr: Array.from({ length: 60 }, (_, i) => i) });
    const f = rec.fields!;
    expect(f.err).toEqual({ name: 'Error', message: 'card 622848*********0018 refused', code: 'card/refused' });
    expect(f.seq).toBe('9223372036854775807');
    expect(f.apduData).toBe('[3 bytes]');
    expect(f.at).toBe('1970-01-01T00:00:00.000Z');
    expect(f.cyc).toEqual({ a: 1, self: '[circular]' });
    expect(f.long).toBe('x'.repeat(2000) + '…[+1000]');
    expect((f.arr as unknown[]).length).toBe(51);
  });

  it('never throws into the caller when the sink fails', () => {
    const log = createLogger({ component: 'x', sink: () => { throw new Error('disk full'); } });
    expect(() => log.error('boom')).not.toThrow();
  });
});

describe('personal data by field name', () => {
  it('masks names, ID numbers, PANs and card numbers, drops track 2, PIN, phone and secrets, at any depth', () => {
    const { line, rec } = logOne({
      name: '张三丰',
      holder: { idNumber: '11010519491231002X', card_number: 'A12345678', PAN: '6228 4804 0256 4890 018' },
      track2: '6228480402564890018D2512',
      pin: '1234',
      phone: '13800138000',
      tokenKey: 'deadbeef',
      list: [{ fullName: '李四' }],
    });
    expect(rec.fields).toEqual({
      name: '张**',
      holder: { idNumber: '1101************2X', card_number: 'A******78', PAN: '622848*********0018' },
      track2: '[redacted]',
      pin: '[redacted]',
      phone: '[redacted]',
      tokenKey: '[redacted]',
      list: [{ fullName: '李*' }],
    });
    for (const clear of ['三丰', '11010519491231002X', 'A12345678', '6228480402564890018', '13800138000', 'deadbeef', '四']) expect(line).not.toContain(clear);
  });

  it('allow-list mode writes only the listed top-level fields; deny-list additions are dropped', () => {
    const { rec } = logOne({ reader: 'r1', outcome: 'approved', note: 'x', custom: 'secret' }, 'm', { allowFields: ['reader', 'outcome', 'custom'], denyFields: ['custom'] });
    expect(rec.fields).toEqual({ reader: 'r1', outcome: 'approved', custom: '[redacted]' });
  });
});

describe('backstop in free text', () => {
  it('detects 18-character ID numbers with a plausible birth date, and Luhn-valid 13–19 digit PANs', () => {
    expect(looksLikeIdNumber('11010519491231002X')).toBe(true);
    expect(looksLikeIdNumber('110105194913310020')).toBe(false); // month 13
    expect(luhnValid('6228480402564890018')).toBe(true);
    expect(luhnValid('6228480402564890017')).toBe(false);
    expect(scrubText('id 11010519491231002X, pan 6228480402564890018.')).toBe('id 1101************2X, pan 622848*********0018.');
    expect(scrubText('grouped 6228 4804 0256 4890 018 on 2026')).toBe('grouped 6228 48** **** ***0 018 on 2026');
    expect(scrubText('6228-4804-0256-4890-018')).toBe('6228-48**-****-***0-018');
  });

  it('leaves ordinary numbers alone: amounts, sequence numbers, Luhn-invalid runs, timestamps failing Luhn', () => {
    for (const s of ['amount 1250 fen', 'seq 9223372036854775807', 'ts 1795334400001', 'terminal 0000 0000 0001', '6228480402564890017', 'hex 9F26080102030405060708']) expect(scrubText(s)).toBe(s);
  });

  it('masks a PAN followed by another number in the same spaced run', () => {
    expect(scrubText('6228 4804 0256 4890 018 2026 11')).toBe('6228 48** **** ***0 018 2026 11');
  });

  it('property: no generated PAN or ID number survives in a message or any string field', () => {
    fc.assert(
      fc.property(arbText, fc.oneof(arbPan, arbId), arbText, fc.constantFrom('message', 'field', 'nested', 'error'), (pre, secret, post, where) => {
        const text = `${pre} ${secret} ${post}`;
        const fields: Record<string, unknown> =
          where === 'field' ? { detail: text } : where === 'nested' ? { a: { b: [text] } } : where === 'error' ? { err: new Error(text) } : {};
        const { line } = logOne(fields, where === 'message' ? text : 'm');
        expect(line).not.toContain(secret);
        // the kept ends are still there (support can match the last digits)
        expect(line).toContain(secret.slice(-2));
      }),
      { numRuns: 3000 },
    );
  });

  it('property: a PAN written with any grouping is masked', () => {
    fc.assert(
      fc.property(arbPan, fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }), fc.constantFrom(' ', '-'), (pan, cuts, sep) => {
        let s = '';
        let i = 0;
        for (const c of cuts) {
          if (i >= pan.length) break;
          s += (s ? sep : '') + pan.slice(i, i + c);
          i += c;
        }
        if (i < pan.length) s += (s ? sep : '') + pan.slice(i);
        expect(scrubText(`pan ${s} end`).replace(/[ -]/g, '')).not.toContain(pan);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('config', () => {
  it('has defaults and names the bad field', () => {
    expect(parseLogConfig(undefined)).toEqual({ level: 'info', output: 'stdout', denyFields: [], maxStringChars: 2000 });
    expect(() => parseLogConfig({ level: 'loud' })).toThrow(ConfigError);
    expect(() => parseLogConfig({ level: 'loud' })).toThrow(/log\.level/);
  });
});
