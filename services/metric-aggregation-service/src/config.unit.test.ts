import { describe, expect, it } from 'vitest';
import { metricConfigFrom } from './config.js';

describe('metricConfigFrom', () => {
  it('defaults to a 15 s grace and a 5 s idle close (docs/services/metric-aggregation.md#timeliness)', () => {
    expect(metricConfigFrom({})).toEqual({
      graceMs: 15_000,
      idleCloseMs: 5_000,
      maxFutureMs: 300_000,
      exemplars: 5,
      closeIntervalMs: 5_000,
    });
  });

  it('reads METRIC_WINDOW_GRACE_MS and METRIC_IDLE_CLOSE_MS, and refuses a bad value', () => {
    expect(
      metricConfigFrom({ METRIC_WINDOW_GRACE_MS: '30000', METRIC_IDLE_CLOSE_MS: '300000' }),
    ).toMatchObject({ graceMs: 30_000, idleCloseMs: 300_000 });
    expect(() => metricConfigFrom({ METRIC_IDLE_CLOSE_MS: '-1' })).toThrow(
      /invalid metric-aggregation-service environment: METRIC_IDLE_CLOSE_MS/,
    );
  });
});
