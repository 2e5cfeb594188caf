import { describe, expect, it } from 'vitest';
import { defaultWindow } from './panel-data.js';

const HOUR = 3_600_000;
const at = Date.parse('2030-01-01T00:00:00Z');

describe('defaultWindow', () => {
  it.each([
    [1, '1m'],
    [6, '1m'],
    [6.01, '5m'],
    [48, '5m'],
    [49, '1h'],
    [60 * 24, '1h'],
    [60 * 24 + 1, '1d'],
  ])('plots %d hours in %s windows', (hours, window) => {
    expect(defaultWindow(at, at + hours * HOUR)).toBe(window);
  });
});
