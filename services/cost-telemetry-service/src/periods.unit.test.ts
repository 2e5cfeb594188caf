import { describe, expect, it } from 'vitest';
import { dayKey, kindOfPeriod, periodOf, periodStartOf, shiftPeriod } from './periods.js';

describe('periods (UTC days and months)', () => {
  it('finds the UTC day and month of an instant', () => {
    const at = Date.parse('2030-02-28T23:59:59.999Z');
    expect(new Date(periodStartOf('day', at)).toISOString()).toBe('2030-02-28T00:00:00.000Z');
    expect(new Date(periodStartOf('month', at)).toISOString()).toBe('2030-02-01T00:00:00.000Z');
  });

  it('shifts across month and year ends, leap days included', () => {
    const feb = Date.UTC(2032, 1, 1);
    expect(periodOf('month', feb)).toEqual({
      start: '2032-02-01T00:00:00.000Z',
      end: '2032-03-01T00:00:00.000Z',
    });
    expect(new Date(shiftPeriod('month', Date.UTC(2030, 0, 1), -1)).toISOString()).toBe(
      '2029-12-01T00:00:00.000Z',
    );
    expect(dayKey(shiftPeriod('day', Date.UTC(2032, 1, 28), 1))).toBe('2032-02-29');
  });

  it('tells a stored day from a stored month', () => {
    expect(kindOfPeriod(periodOf('day', Date.UTC(2030, 1, 1)))).toBe('day');
    expect(kindOfPeriod(periodOf('month', Date.UTC(2030, 1, 1)))).toBe('month');
  });
});
