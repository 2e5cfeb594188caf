import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { MetricSeries } from './metric-series.aggregate.js';
import { METRIC_MAX_EXEMPLARS, windowSummary, type WindowSummary } from './window-summary.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const summary: WindowSummary = {
  values: { count: 4, sum: 10, avg: 2.5, p50: 2, p95: 4, p99: 4, min: 1, max: 4 },
  exemplars: [{ traceId: TRACE, value: 4 }],
};
const EMPTY = { count: 0, sum: 0, avg: 0, p50: 0, p95: 0, p99: 0, min: 0, max: 0 };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const open = {
  tenantId: 'acme',
  projectId: 'shop',
  metricName: 'http.server.duration',
  unit: 'ms',
  window: '1m',
  windowStart: '2025-01-01T10:00:00.000Z',
  group: { service: 'api' },
};

describe('windowSummary', () => {
  it('accepts ordered values and exemplars, folding -0', () => {
    const result = windowSummary({ ...summary, exemplars: [{ traceId: TRACE, value: -0 }] });
    expect(result.values).toEqual(summary.values);
    expect(Object.is(result.exemplars[0]?.value, 0)).toBe(true);
  });

  it('accepts an empty window of zeros', () => {
    expect(windowSummary({ values: EMPTY, exemplars: [] }).values.count).toBe(0);
  });

  it.each([
    ['a non-finite value', { ...summary.values, sum: Number.NaN }, 'metric.invalid_value'],
    ['a fractional count', { ...summary.values, count: 1.5 }, 'metric.invalid_summary'],
    ['a negative count', { ...summary.values, count: -1 }, 'metric.invalid_summary'],
    ['p95 below p50', { ...summary.values, p95: 1.5 }, 'metric.invalid_summary'],
    ['p99 above max', { ...summary.values, p99: 5 }, 'metric.invalid_summary'],
    ['an empty window with values', { ...EMPTY, sum: 3 }, 'metric.invalid_summary'],
  ])('refuses %s', (_name, values, code) => {
    expect(codeOf(() => windowSummary({ values, exemplars: [] }))).toBe(code);
  });

  it('refuses exemplars on an empty window, too many, bad trace ids and bad values', () => {
    expect(codeOf(() => windowSummary({ values: EMPTY, exemplars: summary.exemplars }))).toBe(
      'metric.invalid_summary',
    );
    const many = Array.from({ length: METRIC_MAX_EXEMPLARS + 1 }, () => ({
      traceId: TRACE,
      value: 1,
    }));
    expect(codeOf(() => windowSummary({ ...summary, exemplars: many }))).toBe(
      'metric.too_many_exemplars',
    );
    expect(
      codeOf(() => windowSummary({ ...summary, exemplars: [{ traceId: 'xyz', value: 1 }] })),
    ).toBe('trace.invalid_trace_id');
    expect(
      codeOf(() => windowSummary({ ...summary, exemplars: [{ traceId: TRACE, value: Infinity }] })),
    ).toBe('metric.invalid_value');
  });
});

describe('MetricSeries.summarised', () => {
  it('closes with the summary values, min, max and exemplars', () => {
    const series = MetricSeries.summarised({ ...open, summary });
    expect(series.values).toEqual(summary.values);
    series.close('2025-01-01T10:01:30.000Z');
    const [event] = series.pullEvents();
    expect(event?.payload.values).toEqual(summary.values);
    expect(event?.payload.exemplars).toEqual([{ traceId: TRACE, value: 4 }]);
    expect(event?.occurredAt).toBe('2025-01-01T10:01:30.000Z');
  });

  it('takes no points, and refuses to close before end plus grace', () => {
    const series = MetricSeries.summarised({ ...open, summary });
    expect(codeOf(() => series.recordPoint({ timestamp: open.windowStart, value: 1 }))).toBe(
      'metric.summarised_series',
    );
    // The grace this test was written for (30 s).
    expect(codeOf(() => series.close('2025-01-01T10:01:29.999Z', 30_000))).toBe(
      'metric.window_still_open',
    );
  });

  it('refuses an invalid summary at creation', () => {
    expect(
      codeOf(() =>
        MetricSeries.summarised({
          ...open,
          summary: { values: { ...summary.values, min: 3 }, exemplars: [] },
        }),
      ),
    ).toBe('metric.invalid_summary');
  });
});
