/** The pboc config section: defaults, and errors that name the field. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors';
import { parsePbocConfig, pbocConfigDefaults } from './config';

describe('pboc config', () => {
  it('defaults: QuickPass CVM limit 1000.00 CNY, decline on offline ARQC, SM2 default ID, UnionPay AIDs', () => {
    expect(pbocConfigDefaults.qpboc.cvmLimitFen).toBe(100_000);
    expect(pbocConfigDefaults.offlineArqcPolicy).toBe('decline');
    expect(pbocConfigDefaults.sm.userId).toBe('1234567812345678');
    expect(pbocConfigDefaults.aids.map((a) => a.aid)).toContain('A000000333010106');
    expect(pbocConfigDefaults.contact.tac).toEqual({ denial: '0010000000', online: 'D84004F800', default: 'D84000A800' });
    expect(pbocConfigDefaults.ec.terminalLimitFen).toBe(100_000);
  });
  it('partial input keeps the other defaults', () => {
    const c = parsePbocConfig({ qpboc: { cvmLimitFen: 30_000 }, offlineArqcPolicy: 'approve-and-store' });
    expect(c.qpboc.cvmLimitFen).toBe(30_000);
    expect(c.qpboc.transactionLimitFen).toBe(pbocConfigDefaults.qpboc.transactionLimitFen);
    expect(c.offlineArqcPolicy).toBe('approve-and-store');
  });
  it('bad values are ConfigErrors naming the field', () => {
    const err = (input: unknown) => {
      try {
        parsePbocConfig(input);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).field;
      }
      throw new Error('no error');
    };
    expect(err({ qpboc: { cvmLimitFen: 12.5 } })).toBe('pboc.qpboc.cvmLimitFen');
    expect(err({ contact: { tac: { default: 'D84000A8' } } })).toBe('pboc.contact.tac.default');
    expect(err({ offlineArqcPolicy: 'maybe' })).toBe('pboc.offlineArqcPolicy');
    expect(err({ aids: [{ aid: 'A0' }] })).toBe('pboc.aids.0.aid');
    expect(err({ cvm: { onlinePin: true } })).toBe('pboc.cvm.onlinePin');
    expect(err({ qpboc: { cvmLimitFen: 10, transactionLimitFen: 5 } })).toBe('pboc.qpboc.cvmLimitFen');
  });
});
