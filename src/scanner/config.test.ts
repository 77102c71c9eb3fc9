import { describe, expect, it } from 'vitest';
import { parseScannersConfig } from './config';

describe('scanners config', () => {
  it('fills defaults and parses framing escapes', () => {
    const [s] = parseScannersConfig([{ driver: 'serial', name: 'gate-scanner', path: '/dev/serial/by-id/usb-scanner', framing: { prefix: '\\x02', suffix: '\\r\\n' } }]);
    expect(s).toMatchObject({ driver: 'serial', baudRate: 9600, reconnectIntervalMs: 1000, encoding: 'utf8' });
    if (s?.driver !== 'serial') throw new Error('serial expected');
    expect([...s.framing.prefix]).toEqual([2]);
    expect([...s.framing.suffix]).toEqual([13, 10]);
    const [h] = parseScannersConfig([{ driver: 'hid', name: 'h', select: { vendorId: 0x0c2e, productId: 0x0b8f }, decode: { mode: 'pos', layout: 'honeywell' } }]);
    expect(h).toMatchObject({ select: { nonExclusive: true }, decode: { mode: 'pos', layout: 'honeywell' } });
    const [c] = parseScannersConfig([{ driver: 'camera', name: 'c', capture: ['ffmpeg'], width: 640, height: 480 }]);
    expect(c).toMatchObject({ decoders: ['zxing'], pixelFormat: 'gray', repeatSuppressMs: 1500 });
  });

  it('names the bad field', () => {
    expect(() => parseScannersConfig([{ driver: 'serial', name: 'a', path: '/dev/x', framing: { suffix: '\\q' } }])).toThrow(/scanners\.0\.framing\.suffix: .*bad escape/);
    expect(() => parseScannersConfig([{ driver: 'serial', name: 'a', path: '/dev/x', framing: { prefix: 'hex:0x02' } }])).toThrow(/scanners\.0\.framing\.prefix: .*hex/);
    expect(() => parseScannersConfig([{ driver: 'hid', name: 'a', select: {}, decode: { mode: 'keyboard' } }])).toThrow(/scanners\.0\.select/);
    expect(() => parseScannersConfig([{ driver: 'usb', name: 'a' }])).toThrow(/scanners\.0/);
    expect(() => parseScannersConfig([{ driver: 'serial', name: 'a', path: '/x' }, { driver: 'serial', name: 'a', path: '/y' }])).toThrow(/duplicate scanner name/);
  });
});
