import { describe, expect, it } from 'vitest';
import { canonicalRecord, genesisHash, recordHash, toHexLower, verifyChain, type WireRecord } from './chain';

const body = {
  seq: '1',
  ts: 1_763_798_400_000,
  type: 'decision',
  service: 'metro-gate',
  outcome: 'approved',
  reason: 'ok',
  amountFen: 200,
  currency: 156,
  offline: true,
  refSeq: null,
  txn: 'tx-1',
  tokens: '{"card":"AAAAAAAAAAAAAAAAAAAAAAAAAA"}',
  payload: '{"b":1,"a":"乘车"}',
  sealed: null,
};

describe('record chain', () => {
  it('canonical form is a fixed-order JSON array (golden)', () => {
    expect(canonicalRecord('T1', body)).toBe(
      '["ykt-rec-v1","T1","1",1763798400000,"decision","metro-gate","approved","ok",200,156,1,null,"tx-1","{\\"card\\":\\"AAAAAAAAAAAAAAAAAAAAAAAAAA\\"}","{\\"b\\":1,\\"a\\":\\"乘车\\"}",null]',
    );
  });

  it('genesis depends on the terminal; a change anywhere breaks verification at that record', () => {
    expect(toHexLower(genesisHash('T1'))).not.toBe(toHexLower(genesisHash('T2')));
    const recs: WireRecord[] = [];
    let h = genesisHash('T1');
    for (let i = 1; i <= 5; i++) {
      const b = { ...body, seq: String(i), amountFen: i };
      h = recordHash('T1', h, b);
      recs.push({ ...b, hash: toHexLower(h) });
    }
    expect(verifyChain('T1', genesisHash('T1'), recs)).toMatchObject({ ok: true });
    const altered = recs.map((r) => (r.seq === '3' ? { ...r, amountFen: 999 } : r));
    expect(verifyChain('T1', genesisHash('T1'), altered)).toMatchObject({ ok: false, seq: '3' });
    expect(verifyChain('T1', genesisHash('T1'), [recs[0]!, recs[2]!])).toMatchObject({ ok: false, seq: '3', why: expect.stringMatching(/jumps/) });
  });
});
