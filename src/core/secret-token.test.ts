import { describe, expect, it } from 'vitest';
import { tokenMatcher } from './secret-token';

describe('tokenMatcher', () => {
  it('accepts exactly the token; refuses others, prefixes, longer strings and absence', () => {
    const m = tokenMatcher('0123456789abcdef-operator');
    expect(m('0123456789abcdef-operator')).toBe(true);
    expect(m('0123456789abcdef-operatoR')).toBe(false);
    expect(m('0123456789abcdef')).toBe(false);
    expect(m('0123456789abcdef-operator ')).toBe(false);
    expect(m('')).toBe(false);
    expect(m(undefined)).toBe(false);
  });
});
