import type {} from '@obs/local-infra';
import { randomUUID } from 'node:crypto';
import type { RunningService } from '@obs/service-kit';
import {
  TEST_DIMENSIONS as DIMENSIONS,
  bearer,
  startTestService,
  type TestClock,
} from '@obs/service-kit/testing';
import { expect } from 'vitest';
import { createMetricAggregationService } from '../src/app.js';
import { metricConfigFrom, type MetricServiceConfig } from '../src/config.js';

/** Test helpers shared by the metric-aggregation-service integration tests (real Postgres, Kafka). */

export const TEST_CONFIG: MetricServiceConfig = {
  ...metricConfigFrom({}),
  // The tests drive the close job with runOnce(); the interval is the kit's concern.
  closeIntervalMs: 0,
};

export async function startMetricService(
  options: {
    clock?: TestClock;
    config?: Partial<MetricServiceConfig>;
    env?: Record<string, string>;
  } = {},
): Promise<RunningService> {
  return startTestService(createMetricAggregationService({ ...TEST_CONFIG, ...options.config }), {
    clock: options.clock?.now,
    runJobs: false,
    // Suites send hundreds of requests per tenant within a minute; the limiter is the kit's concern.
    env: {
      RATE_LIMIT_MAX: '100000',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    },
  });
}

export function uniqueTenant(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export const ingester = (tenantId: string) => bearer(tenantId, ['ingest']);
export const reader = (tenantId: string) => bearer(tenantId, ['read']);

export { DIMENSIONS };

export interface PointBody {
  metricName: string;
  value: number;
  timestamp: string;
  dimensions: Record<string, string>;
  unit?: string;
  traceId?: string;
  attributes?: Record<string, string | number | boolean>;
}

export function point(
  metricName: string,
  value: number,
  at: number,
  extra: Partial<Omit<PointBody, 'dimensions'>> & { dimensions?: Record<string, string> } = {},
): PointBody {
  return {
    metricName,
    value,
    timestamp: new Date(at).toISOString(),
    unit: 'ms',
    ...extra,
    dimensions: { ...DIMENSIONS, ...extra.dimensions },
  };
}

export async function sendPoints(
  service: RunningService,
  tenantId: string,
  points: readonly PointBody[],
): Promise<{ accepted: number; late: number }> {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/metric-points',
    headers: ingester(tenantId),
    payload: { points },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

export interface SeriesBody {
  metricName: string;
  window: string;
  aggregation: string;
  groupBy: string[];
  series: {
    groupKey: string;
    group: Record<string, string>;
    points: { windowStart: string; windowEnd: string; value: number; count: number }[];
  }[];
}

export async function seriesOf(
  service: RunningService,
  tenantId: string,
  query: Record<string, string>,
): Promise<SeriesBody> {
  const res = await service.app.inject({
    method: 'GET',
    url: '/v1/metric-series',
    query,
    headers: reader(tenantId),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<SeriesBody>();
}

export async function closeWindows(service: RunningService): Promise<void> {
  const ran = await service.jobs.get('window-close')?.runOnce();
  expect(ran).toBe(true);
}

export const MINUTE = 60_000;
