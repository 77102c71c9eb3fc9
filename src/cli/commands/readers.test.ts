import { describe, expect, it } from 'vitest';
import { main } from '../ykt';
import { makeReadersCommand } from './readers';

async function ykt(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('ykt readers', () => {
  it('lists the embedded emulated readers by default, with the card ATR', async () => {
    const r = await ykt('readers');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Emulated Reader 00 00\s+contact\s+card present, ATR 3B 88 80 01/);
    expect(r.out).toMatch(/Emulated Contactless Reader 00 01\s+contactless\s+no card/);
  });

  it('--json gives name, interface, cardPresent and ATR', async () => {
    const r = await ykt('readers', '--json', '--driver', 'virtual');
    expect(JSON.parse(r.out)).toEqual([
      { name: 'Emulated Reader 00 00', interface: 'contact', cardPresent: true, atr: '3B88800153534320335244004F' },
      { name: 'Emulated Contactless Reader 00 01', interface: 'contactless', cardPresent: false, atr: null },
    ]);
  });

  it('rejects an unknown driver (usage) and a bad config section (config)', async () => {
    expect((await ykt('readers', '--driver', 'usb')).code).toBe(2);
    const io = { out: () => {}, err: () => {} };
    const cmd = makeReadersCommand(() => ({ apduTimeoutMs: 1 }));
    await expect(cmd.run([], io)).rejects.toMatchObject({ name: 'ConfigError', field: 'reader.apduTimeoutMs' });
  });

  it('exits 4 when the configured driver has no readers', async () => {
    const out: string[] = [];
    const cmd = makeReadersCommand(() => ({ virtual: { readers: [] } }));
    expect(await cmd.run([], { out: (l) => out.push(l), err: () => {} })).toBe(4);
    expect(out.join('\n')).toMatch(/no readers \(driver virtual\)/);
  });
});
