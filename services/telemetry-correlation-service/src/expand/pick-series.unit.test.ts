import { describe, expect, it } from 'vitest';
import type { MetricLinkView } from '../telemetry-correlation.view.js';
import { pickSeries } from './correlation-expander.js';

const metric: MetricLinkView = {
  kind: 'metric',
  targetId: 'lat|5m|service=api@2024-05-01T10:00:00.000Z',
  store: 'metric-aggregation-service',
  series: {
    seriesId: 'lat|5m|service=api',
    metricName: 'lat',
    window: '5m',
    windowStart: '2024-05-01T10:00:00.000Z',
    windowEnd: '2024-05-01T10:05:00.000Z',
    groupKey: 'service=api',
    group: { service: 'api' },
    projectId: 'checkout',
  },
};

describe('pickSeries', () => {
  it('keeps only the linked group of the answer', () => {
    const body = {
      metricName: 'lat',
      series: [
        { groupKey: 'service=web', points: [] },
        { groupKey: 'service=api', points: [{ value: 1 }] },
      ],
    };
    expect(pickSeries(body, metric)).toEqual({
      record: { metricName: 'lat', series: [{ groupKey: 'service=api', points: [{ value: 1 }] }] },
    });
  });

  it('reports the window missing for any answer without the group, whatever its shape', () => {
    for (const body of [null, 7, 'x', [], {}, { series: 'x' }, { series: [null, 3] }]) {
      expect(pickSeries(body, metric)).toEqual({
        missing: 'metric-aggregation-service has no window of series lat|5m|service=api',
      });
    }
  });
});
