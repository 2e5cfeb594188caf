import { describe, expect, it } from 'vitest';
import {
  AMOUNT_PATTERN,
  amountOfMicros,
  microsOf,
  normalizeAmount,
  sumAmounts,
  tokenPrices,
} from './money.js';

describe('exact money', () => {
  it('converts decimal strings to micro-units and back without a float', () => {
    expect(microsOf('0.1')).toBe(100_000);
    expect(microsOf('999999999.999999')).toBe(999_999_999_999_999);
    expect(amountOfMicros(300_000)).toBe('0.3');
    expect(amountOfMicros(274_000_000)).toBe('274');
    expect(amountOfMicros(1)).toBe('0.000001');
    expect(normalizeAmount('12.340000')).toBe('12.34');
  });

  it('sums exactly where floats do not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumAmounts(['0.1', '0.2'])).toBe('0.3');
    expect(sumAmounts(Array.from({ length: 10 }, () => '0.1'))).toBe('1');
    expect(sumAmounts([])).toBe('0');
  });

  it('refuses more than six fraction digits or an unsafe size', () => {
    expect(() => microsOf('0.0000001')).toThrow(RangeError);
    expect(() => microsOf('9007199254.740992')).toThrow(RangeError);
  });

  it.each([
    ['0', true],
    ['12.345678', true],
    ['999999999.999999', true],
    ['-1', false],
    ['1e3', false],
    ['01', false],
    ['1.', false],
    ['.5', false],
    ['1.2345678', false],
    ['1000000000', false],
  ])('amount pattern: %s → %s', (value, ok) => {
    expect(AMOUNT_PATTERN.test(value)).toBe(ok);
  });

  it('prices tokens by exact division, rounded half-even', () => {
    // 0.0185 / 1650 = 0.0000112121212121…
    expect(tokenPrices('0.0185', 1650)).toEqual({
      costPerToken: '0.000011212121',
      costPerMillionTokens: '11.212121',
    });
    expect(tokenPrices('3', 1_000_000)).toEqual({
      costPerToken: '0.000003',
      costPerMillionTokens: '3',
    });
    expect(tokenPrices('1', 0)).toEqual({ costPerToken: null, costPerMillionTokens: null });
  });
});
