import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from './go-duration.js';

describe('formatGoDuration (Go time.Duration.String)', () => {
  it.each([
    [0n, '0s'],
    [1n, '1ns'],
    [999n, '999ns'],
    [1_500n, '1.5µs'],
    [1_500_000n, '1.5ms'],
    [-1_500_000n, '-1.5ms'],
    [1_234_567n, '1.234567ms'],
    [1_000_000_000n, '1s'],
    [61_500_000_000n, '1m1.5s'],
    [3_600_000_000_000n, '1h0m0s'],
    [3_723_004_000_000n, '1h2m3.004s'],
  ])('%s ns prints %s', (ns, text) => {
    expect(formatGoDuration(ns)).toBe(text);
  });
});

describe('parseGoDuration (Go time.ParseDuration)', () => {
  it.each([
    ['0', 0n],
    ['1ns', 1n],
    ['1.5ms', 1_500_000n],
    ['100us', 100_000n],
    ['100µs', 100_000n],
    ['100μs', 100_000n],
    ['2s', 2_000_000_000n],
    ['1h30m', 5_400_000_000_000n],
    ['-1.5s', -1_500_000_000n],
    ['+.5s', 500_000_000n],
    ['1.s', 1_000_000_000n],
    ['99999999999999h', 2n ** 63n - 1n],
  ])('%s is %s ns', (text, ns) => {
    expect(parseGoDuration(text)).toBe(ns);
  });

  it.each(['', '5', 'ms', '1d', '1.5', '.s', '1 ms', '--1s'])('refuses %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});
