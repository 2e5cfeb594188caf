import type {} from '@obs/local-infra';
import { randomUUID } from 'node:crypto';
import type { Envelope } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import {
  bearer,
  buildEvent,
  busMessageOf,
  startTestService,
  type TestClock,
} from '@obs/service-kit/testing';
import { expect } from 'vitest';
import { createSloService } from '../src/app.js';
import { DEFAULT_SLO_CONFIG } from '../src/config.js';

/** Test helpers shared by the slo-service integration tests (real Postgres and Kafka). */

export async function startSloService(
  options: {
    clock?: TestClock;
    runConsumers?: boolean;
    runJobs?: boolean;
    env?: Record<string, string>;
  } = {},
): Promise<RunningService> {
  // The suites feed windows of 2001-2025 and read their event-time budgets; a burn clock on its
  // timer would move those SLOs to today. Its own test runs it by hand (runOnce) on a TestClock.
  return startTestService(createSloService({ ...DEFAULT_SLO_CONFIG, burnClockIntervalMs: 0 }), {
    clock: options.clock?.now,
    runConsumers: options.runConsumers,
    runJobs: options.runJobs,
    // Suites send hundreds of requests per tenant within a minute; the limiter is the kit's concern.
    env: { RATE_LIMIT_MAX: '100000', ...options.env },
  });
}

/** A tenant no other test (or earlier run against the same database) uses. */
export function uniqueTenant(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export const writer = (tenantId: string) => bearer(tenantId, ['read', 'write']);
export const reader = (tenantId: string) => bearer(tenantId, ['read']);

export const GOOD_METRIC = 'checkout.requests.good';
export const TOTAL_METRIC = 'checkout.requests';
export const LATENCY_METRIC = 'http.server.duration';

export function ratioBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `Checkout availability ${randomUUID().slice(0, 8)}`,
    projectId: 'checkout',
    target: 99,
    windowMinutes: 60,
    sli: { kind: 'ratio', goodMetric: GOOD_METRIC, totalMetric: TOTAL_METRIC },
    ...overrides,
  };
}

export function latencyBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `Checkout latency ${randomUUID().slice(0, 8)}`,
    projectId: 'checkout',
    target: 90,
    windowMinutes: 60,
    sli: { kind: 'latency', metric: LATENCY_METRIC, percentile: 'p95', threshold: 300 },
    ...overrides,
  };
}

export interface SloBody {
  id: string;
  tenantId: string;
  projectId: string;
  name: string;
  sli: Record<string, unknown>;
  target: number;
  windowMinutes: number;
  errorBudget: number;
  budgetRemaining: number;
  status: string;
  lastEvaluatedAt: string | null;
  maintenanceWindows: { id: string; start: string; end: string; reason: string | null }[];
  createdAt: string;
  version: number;
}

export interface StatusBody {
  sloId: string;
  status: string;
  errorBudget: number;
  budgetRemaining: number;
  budgetRemainingPct: number;
  badPct: number;
  badEvents: number;
  totalEvents: number;
  burnRate: number | null;
  burnRates: Record<'5m' | '30m' | '1h' | '6h', number | null>;
  firingAlerts: string[];
  lastEvaluatedAt: string | null;
  version: number;
}

export async function createSlo(
  service: RunningService,
  tenantId: string,
  body: Record<string, unknown> = ratioBody(),
): Promise<SloBody> {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/slos',
    headers: writer(tenantId),
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<SloBody>();
}

export async function statusOf(
  service: RunningService,
  tenantId: string,
  id: string,
): Promise<StatusBody> {
  const res = await service.app.inject({
    method: 'GET',
    url: `/v1/slos/${id}/status`,
    headers: reader(tenantId),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<StatusBody>();
}

/** One closed 1m window of a metric, as metric-aggregation-service publishes it. */
export function metricWindow(input: {
  tenantId: string;
  metric: string;
  start: number;
  count?: number;
  sum?: number;
  p95?: number;
  projectId?: string;
  group?: Record<string, string>;
  window?: '1m' | '5m' | '1h' | '1d';
}): Envelope<'MetricAggregated'> {
  const group = input.group ?? { service: 'payments-api' };
  const groupKey = Object.keys(group)
    .sort()
    .map((k) => `${k}=${group[k] ?? ''}`)
    .join(',');
  const window = input.window ?? '1m';
  const size = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, '1d': 86_400_000 }[window];
  const end = input.start + size;
  const seriesId = `${input.metric}|${window}|${groupKey}`;
  const count = input.count ?? input.sum ?? 0;
  const sum = input.sum ?? count;
  const p95 = input.p95 ?? 100;
  return buildEvent('MetricAggregated', {
    tenantId: input.tenantId,
    traceId: null,
    aggregateId: `${seriesId}|${input.start}`,
    aggregateVersion: 1,
    occurredAt: new Date(end + 30_000).toISOString(),
    payload: {
      seriesId,
      metricName: input.metric,
      unit: input.metric === LATENCY_METRIC ? 'ms' : '1',
      window,
      windowStart: new Date(input.start).toISOString(),
      windowEnd: new Date(end).toISOString(),
      groupKey,
      group,
      projectId: input.projectId ?? 'checkout',
      values: { count, sum, avg: count === 0 ? 0 : sum / count, p50: p95, p95, p99: p95 },
    },
  });
}

export async function publish(
  service: RunningService,
  envelopes: readonly Envelope[],
): Promise<void> {
  await service.ctx.bus.publish(envelopes.map((e) => busMessageOf(e)));
}
