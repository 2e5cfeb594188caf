import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import type { MetricPointInput } from './metric-point.entity.js';
import {
  METRIC_WINDOW_GRACE_MS,
  MetricSeries,
  type OpenMetricSeriesInput,
} from './metric-series.aggregate.js';
import { metricSeriesId } from './series-id.js';

const START = Date.parse('2025-01-01T10:00:00.000Z');
const iso = (offsetMs: number): string => new Date(START + offsetMs).toISOString();
const point = (offsetMs: number, value: number): MetricPointInput => ({
  timestamp: iso(offsetMs),
  value,
});

const open: OpenMetricSeriesInput = {
  tenantId: 'acme',
  projectId: 'shop',
  metricName: 'http.server.duration',
  unit: 'ms',
  window: '1m',
  windowStart: iso(0),
  group: { service: 'api', env: 'prod' },
};

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

describe('MetricSeries.create', () => {
  it('opens a window with a deterministic seriesId and no event', () => {
    const series = MetricSeries.create(open);
    expect(series.seriesId).toBe(
      metricSeriesId({
        tenantId: 'acme',
        projectId: 'shop',
        metricName: 'http.server.duration',
        window: '1m',
        windowStart: iso(0),
        groupKey: 'env=prod,service=api',
      }),
    );
    expect(MetricSeries.create({ ...open, group: { env: 'prod', service: 'api' } }).seriesId).toBe(
      series.seriesId,
    );
    expect({
      tenantId: series.tenantId,
      projectId: series.projectId,
      metricName: series.metricName,
      unit: series.unit,
      window: series.window,
      groupKey: series.groupKey,
      group: series.group,
      status: series.status,
    }).toEqual({
      tenantId: 'acme',
      projectId: 'shop',
      metricName: 'http.server.duration',
      unit: 'ms',
      window: { size: '1m', start: START, end: START + 60_000 },
      groupKey: 'env=prod,service=api',
      group: { env: 'prod', service: 'api' },
      status: 'open',
    });
    expect(series.pullEvents()).toEqual([]);
  });

  it('refuses invalid identity parts with their codes', () => {
    expect(codeOf(() => MetricSeries.create({ ...open, tenantId: '' }))).toBe('tenant.invalid_id');
    expect(codeOf(() => MetricSeries.create({ ...open, projectId: '' }))).toBe(
      'metric.invalid_project_id',
    );
    expect(codeOf(() => MetricSeries.create({ ...open, windowStart: iso(1) }))).toBe(
      'metric.window_misaligned',
    );
  });
});

describe('MetricSeries.recordPoint', () => {
  it('keeps points ordered by timestamp whatever the arrival order', () => {
    const series = MetricSeries.create({ ...open, points: [point(30_000, 3), point(10_000, 1)] });
    series.recordPoint(point(20_000, 2));
    expect(series.points.map((p) => p.value)).toEqual([1, 2, 3]);
  });

  it('refuses a second point at the same instant: metric.point_overlap', () => {
    const series = MetricSeries.create({ ...open, points: [point(1_000, 5)] });
    expect(codeOf(() => series.recordPoint(point(1_000, 5)))).toBe('metric.point_overlap');
    expect(codeOf(() => series.recordPoint(point(1_000, 6)))).toBe('metric.point_overlap');
    expect(series.points).toHaveLength(1);
  });

  it('accepts the first and last instants of the window', () => {
    const series = MetricSeries.create({ ...open, points: [point(0, 1), point(59_999, 2)] });
    expect(series.points).toHaveLength(2);
  });

  it('refuses points outside [windowStart, windowEnd): metric.point_outside_window', () => {
    const series = MetricSeries.create(open);
    expect(codeOf(() => series.recordPoint(point(60_000, 1)))).toBe('metric.point_outside_window');
    expect(codeOf(() => series.recordPoint(point(-1, 1)))).toBe('metric.point_outside_window');
  });

  it('refuses values the unit forbids: metric.value_inconsistent_with_unit', () => {
    const series = MetricSeries.create(open);
    expect(codeOf(() => series.recordPoint(point(1, -5)))).toBe(
      'metric.value_inconsistent_with_unit',
    );
    const celsius = MetricSeries.create({ ...open, metricName: 'temp', unit: 'Cel' });
    celsius.recordPoint(point(1, -5));
    expect(celsius.values.sum).toBe(-5);
  });

  it('refuses points once closed: metric.window_closed', () => {
    const series = MetricSeries.create(open);
    series.close(iso(90_000));
    expect(codeOf(() => series.recordPoint(point(1, 1)))).toBe('metric.window_closed');
  });
});

describe('MetricSeries.close', () => {
  it('records MetricAggregated with the contract payload', () => {
    const series = MetricSeries.create({
      ...open,
      points: [point(0, 10), point(1_000, 30), point(2_000, 20)],
    });
    const values = series.close(iso(90_000));
    expect(values).toEqual({ count: 3, sum: 60, avg: 20, p50: 20, p95: 30, p99: 30 });
    expect(series.status).toBe('closed');
    expect(series.pullEvents()).toEqual([
      {
        eventType: 'MetricAggregated',
        aggregateType: 'MetricSeries',
        aggregateId: series.seriesId,
        tenantId: 'acme',
        traceId: null,
        occurredAt: iso(90_000),
        payload: {
          seriesId: series.seriesId,
          metricName: 'http.server.duration',
          unit: 'ms',
          window: '1m',
          windowStart: iso(0),
          windowEnd: iso(60_000),
          groupKey: 'env=prod,service=api',
          group: { env: 'prod', service: 'api' },
          projectId: 'shop',
          values,
        },
      },
    ]);
  });

  it('closes an empty window with count 0', () => {
    const series = MetricSeries.create(open);
    expect(series.close(iso(90_000)).count).toBe(0);
  });

  it('refuses to close before end + grace: metric.window_still_open', () => {
    const series = MetricSeries.create(open);
    // The grace this test was written for (30 s); the default is tested below.
    expect(codeOf(() => series.close(iso(89_999), 30_000))).toBe('metric.window_still_open');
    expect(series.close(iso(60_000), 0).count).toBe(0);
  });

  it('closes by default 15 s after the window end (METRIC_WINDOW_GRACE_MS), not before', () => {
    expect(METRIC_WINDOW_GRACE_MS).toBe(15_000);
    const series = MetricSeries.create(open);
    expect(codeOf(() => series.close(iso(74_999)))).toBe('metric.window_still_open');
    expect(series.close(iso(75_000)).count).toBe(0);
  });

  it('refuses to close twice: metric.window_closed', () => {
    const series = MetricSeries.create(open);
    series.close(iso(90_000));
    series.pullEvents();
    expect(codeOf(() => series.close(iso(95_000)))).toBe('metric.window_closed');
    expect(series.pullEvents()).toEqual([]);
  });

  it('refuses a negative grace: metric.invalid_grace', () => {
    expect(codeOf(() => MetricSeries.create(open).close(iso(90_000), -1))).toBe(
      'metric.invalid_grace',
    );
  });

  it('aggregates identically whatever the arrival order (property)', () => {
    const points = fc.uniqueArray(
      fc.record({
        offset: fc.integer({ min: 0, max: 59_999 }),
        value: fc.double({ min: 0, max: 1e6, noNaN: true }),
      }),
      { selector: (p) => p.offset, maxLength: 60 },
    );
    fc.assert(
      fc.property(
        points.chain((ps) =>
          fc.tuple(fc.constant(ps), fc.shuffledSubarray(ps, { minLength: ps.length })),
        ),
        ([inOrder, shuffled]) => {
          const run = (ps: typeof inOrder): unknown => {
            const series = MetricSeries.create(open);
            for (const p of ps) series.recordPoint(point(p.offset, p.value));
            series.close(iso(90_000));
            return { snapshot: series.toSnapshot(), events: series.pullEvents() };
          };
          expect(run(shuffled)).toStrictEqual(run(inOrder));
        },
      ),
    );
  });
});

describe('MetricSeries.rehydrate', () => {
  const stored = (): ReturnType<MetricSeries['toSnapshot']> => {
    const series = MetricSeries.create({ ...open, points: [point(0, 1), point(5_000, 2)] });
    series.close(iso(90_000));
    return series.toSnapshot();
  };

  it('round-trips open and closed series without events', () => {
    const snapshot = stored();
    const restored = MetricSeries.rehydrate(snapshot);
    expect(restored.toSnapshot()).toEqual(snapshot);
    expect(restored.pullEvents()).toEqual([]);
    const openSnapshot = MetricSeries.create(open).toSnapshot();
    expect(MetricSeries.rehydrate(openSnapshot).toSnapshot()).toEqual(openSnapshot);
  });

  it('refuses unordered stored points: metric.points_unordered', () => {
    const snapshot = stored();
    expect(
      codeOf(() => MetricSeries.rehydrate({ ...snapshot, points: [...snapshot.points].reverse() })),
    ).toBe('metric.points_unordered');
  });

  it('refuses stored points sharing an instant: metric.point_overlap', () => {
    const snapshot = stored();
    const [first] = snapshot.points;
    expect(
      codeOf(() =>
        MetricSeries.rehydrate({ ...snapshot, points: [first!, { ...first!, value: 9 }] }),
      ),
    ).toBe('metric.point_overlap');
  });

  it('refuses a stored point outside the window: metric.point_outside_window', () => {
    const snapshot = stored();
    expect(codeOf(() => MetricSeries.rehydrate({ ...snapshot, points: [point(60_000, 1)] }))).toBe(
      'metric.point_outside_window',
    );
  });

  it('refuses a seriesId that does not match its key: metric.series_id_mismatch', () => {
    expect(codeOf(() => MetricSeries.rehydrate({ ...stored(), seriesId: 'ms_0' }))).toBe(
      'metric.series_id_mismatch',
    );
  });

  it('refuses status and closedAt that disagree: metric.invalid_status', () => {
    expect(codeOf(() => MetricSeries.rehydrate({ ...stored(), status: 'open' }))).toBe(
      'metric.invalid_status',
    );
  });
});
