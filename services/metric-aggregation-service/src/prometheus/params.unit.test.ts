import { describe, expect, it } from 'vitest';
import { parseDuration, parseTime } from './params.js';

describe('API parameters, as web/api/v1/api.go parses them', () => {
  it('times: float seconds (to the millisecond) or RFC 3339', () => {
    expect(parseTime('time', '1767225600.1234')).toBe(1_767_225_600_123);
    expect(parseTime('time', '2026-01-01T00:00:00.5Z')).toBe(
      Date.parse('2026-01-01T00:00:00.500Z'),
    );
    expect(parseTime('time', '2026-01-01T01:00:00+01:00')).toBe(Date.parse('2026-01-01T00:00:00Z'));
  });

  it.each(['', 'x', '1e300', '2026-13-01T00:00:00Z', 'NaN'])(
    'refuses %j naming the parameter',
    (text) => {
      expect(() => parseTime('start', text)).toThrow(
        `invalid parameter "start": cannot parse "${text}" to a valid timestamp`,
      );
    },
  );

  it('durations: float seconds or Prometheus durations', () => {
    expect(parseDuration('step', '15')).toBe(15_000);
    expect(parseDuration('step', '0.5')).toBe(500);
    expect(parseDuration('step', '1m30s')).toBe(90_000);
    expect(() => parseDuration('step', '5x')).toThrow(
      'invalid parameter "step": cannot parse "5x" to a valid duration',
    );
    expect(() => parseDuration('step', '1e30')).toThrow('It overflows int64');
  });
});
