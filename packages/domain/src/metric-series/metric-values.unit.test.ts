import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { metricGroup, metricKey, metricName } from './metric-key.js';
import { isNonNegativeUnit, metricUnit, valueForUnit } from './metric-unit.js';
import { metricWindow } from './metric-window.js';
import { metricSeriesId, type MetricSeriesIdentity } from './series-id.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

describe('metric units', () => {
  it.each([
    'ms',
    's',
    'ns',
    'min',
    'By',
    'KiBy',
    'kbit',
    '1',
    '%',
    '{request}',
    'By/s',
    '{request}/s',
    'By{compressed}',
  ])('treats %s as a non-negative amount', (unit) => {
    expect(isNonNegativeUnit(unit)).toBe(true);
    expect(codeOf(() => valueForUnit(-1, unit))).toBe('metric.value_inconsistent_with_unit');
    expect(valueForUnit(0, unit)).toBe(0);
    expect(valueForUnit(2.5, unit)).toBe(2.5);
  });

  it.each(['Cel', 'USD', '', 'dBm', 'ms/Cel'])('lets %s go below zero', (unit) => {
    expect(isNonNegativeUnit(unit)).toBe(false);
    expect(valueForUnit(-3, unit)).toBe(-3);
  });

  it('refuses non-finite values: metric.invalid_value', () => {
    expect(codeOf(() => valueForUnit(Number.NaN, 'Cel'))).toBe('metric.invalid_value');
  });

  it('refuses units OpenTelemetry would refuse: metric.invalid_unit', () => {
    expect(codeOf(() => metricUnit('x'.repeat(64)))).toBe('metric.invalid_unit');
    expect(codeOf(() => metricUnit('µs'))).toBe('metric.invalid_unit');
    expect(metricUnit('ms')).toBe('ms');
  });
});

describe('metric key', () => {
  it('derives a groupKey independent of property order', () => {
    expect(metricKey('http.server.duration', { service: 'api', env: 'prod' })).toEqual({
      metricName: 'http.server.duration',
      groupKey: 'env=prod,service=api',
    });
    expect(metricKey('m', { env: 'prod', service: 'api' }).groupKey).toBe('env=prod,service=api');
  });

  it('refuses bad names: metric.invalid_name', () => {
    expect(codeOf(() => metricName('1bad'))).toBe('metric.invalid_name');
    expect(codeOf(() => metricName(''))).toBe('metric.invalid_name');
  });

  it('refuses groups whose key would be ambiguous: metric.invalid_group', () => {
    expect(codeOf(() => metricGroup({ a: '1,b=2' }))).toBe('metric.invalid_group');
    expect(codeOf(() => metricGroup({ '': 'x' }))).toBe('metric.invalid_group');
    const big = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']));
    expect(codeOf(() => metricGroup(big))).toBe('metric.invalid_group');
    expect(metricGroup({})).toEqual({});
  });
});

describe('metric window', () => {
  it('accepts an aligned start', () => {
    expect(metricWindow('5m', '2025-01-01T00:05:00.000Z')).toEqual({
      size: '5m',
      start: Date.parse('2025-01-01T00:05:00.000Z'),
      end: Date.parse('2025-01-01T00:10:00.000Z'),
    });
  });

  it('refuses a misaligned start: metric.window_misaligned', () => {
    expect(codeOf(() => metricWindow('1h', '2025-01-01T00:05:00.000Z'))).toBe(
      'metric.window_misaligned',
    );
  });

  it('refuses an unknown size: window.invalid', () => {
    expect(codeOf(() => metricWindow('2m', '2025-01-01T00:00:00.000Z'))).toBe('window.invalid');
  });
});

describe('series id', () => {
  const identity: MetricSeriesIdentity = {
    tenantId: 'acme',
    projectId: 'shop',
    metricName: 'http.server.duration',
    window: '1m',
    windowStart: '2025-01-01T00:00:00.000Z',
    groupKey: 'service=api',
  };

  it('is deterministic and differs when any part differs', () => {
    const id = metricSeriesId(identity);
    expect(id).toMatch(/^ms_[0-9a-f]{32}$/);
    expect(metricSeriesId({ ...identity })).toBe(id);
    const variants: Partial<MetricSeriesIdentity>[] = [
      { tenantId: 'globex' },
      { projectId: 'blog' },
      { metricName: 'other' },
      { window: '5m' },
      { windowStart: '2025-01-01T00:01:00.000Z' },
      { groupKey: 'service=web' },
    ];
    const ids = variants.map((v) => metricSeriesId({ ...identity, ...v }));
    expect(new Set([id, ...ids]).size).toBe(variants.length + 1);
  });
});
