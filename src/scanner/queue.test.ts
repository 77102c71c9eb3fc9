import { describe, expect, it } from 'vitest';
import { PayloadQueue } from './queue';
import type { ScanPayload } from './types';

const p = (text: string): ScanPayload => ({ text, bytes: new TextEncoder().encode(text), source: 't', kind: 'file', atMs: 0 });

describe('PayloadQueue', () => {
  it('delivers pushed payloads to a waiting consumer and buffered ones in order', async () => {
    const q = new PayloadQueue(4);
    const it1 = q[Symbol.asyncIterator]();
    const pending = it1.next();
    q.push(p('a'));
    expect((await pending).value.text).toBe('a');
    q.push(p('b'));
    q.push(p('c'));
    expect((await it1.next()).value.text).toBe('b');
    expect((await it1.next()).value.text).toBe('c');
  });

  it('drops the oldest when full', async () => {
    const q = new PayloadQueue(2);
    for (const t of ['1', '2', '3']) q.push(p(t));
    q.end();
    const got: string[] = [];
    for await (const x of q) got.push(x.text);
    expect(got).toEqual(['2', '3']);
    expect(q.dropped).toBe(1);
  });

  it('ends with the failure after the queued payloads', async () => {
    const q = new PayloadQueue();
    q.push(p('last'));
    q.fail(new Error('unplugged'));
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const x of q) got.push(x.text);
      })(),
    ).rejects.toThrow('unplugged');
    expect(got).toEqual(['last']);
  });
});
