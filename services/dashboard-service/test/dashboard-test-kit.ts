import type {} from '@obs/local-infra';
import { randomUUID } from 'node:crypto';
import type { RunningService } from '@obs/service-kit';
import { bearer, startTestService, type TestClock } from '@obs/service-kit/testing';
import { expect } from 'vitest';
import { createDashboardService } from '../src/app.js';
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  type DashboardServiceConfig,
} from '../src/config.js';
import type { ContractUpstreams } from './contract-upstreams.js';

/** Test helpers shared by the dashboard-service integration tests (real Postgres and Kafka). */

export async function startDashboardService(
  upstreams: Pick<ContractUpstreams, 'metricsUrl' | 'slosUrl'>,
  options: { clock?: TestClock; config?: Partial<DashboardServiceConfig> } = {},
): Promise<RunningService> {
  const config: DashboardServiceConfig = {
    metricServiceUrl: upstreams.metricsUrl,
    sloServiceUrl: upstreams.slosUrl,
    upstreamTimeoutMs: DEFAULT_UPSTREAM_TIMEOUT_MS,
    retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
    grafanaDatasourceUrl: `${upstreams.metricsUrl}/prometheus`,
    ...options.config,
  };
  return startTestService(createDashboardService(config), {
    clock: options.clock?.now,
    // Suites send hundreds of requests per tenant within a minute; the limiter is the kit's concern.
    env: { RATE_LIMIT_MAX: '100000' },
  });
}

/** A tenant no other test (or earlier run against the same database) uses. */
export function uniqueTenant(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export const writer = (tenantId: string) => bearer(tenantId, ['read', 'write']);
export const reader = (tenantId: string) => bearer(tenantId, ['read']);

export interface PanelBody {
  type: string;
  title: string | null;
  metric: string | null;
  sloId: string | null;
  groupBy: string[];
  layout: { x: number; y: number; w: number; h: number };
}

export interface DashboardBody {
  id: string;
  name: string;
  scope: { projectId: string; moduleId: string | null };
  panels: PanelBody[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export const METRIC = 'http.server.duration';
export const SLO_ID = 'slo-checkout-availability';

/** A definition over METRIC and SLO_ID plus a trace panel, named `name`. */
export function definition(name = `Payments ${randomUUID().slice(0, 6)}`) {
  return {
    name,
    scope: { projectId: 'checkout', moduleId: 'payments' },
    panels: [
      {
        type: 'timeseries',
        title: 'p95 latency',
        metric: METRIC,
        groupBy: ['service'],
        layout: { x: 0, y: 0, w: 12, h: 8 },
      },
      { type: 'stat', sloId: SLO_ID, layout: { x: 12, y: 0, w: 12, h: 8 } },
      { type: 'trace', title: 'Slow traces', layout: { x: 0, y: 8, w: 24, h: 10 } },
    ],
  };
}

/** Gives the tenant METRIC and SLO_ID at the contract upstreams. */
export function seedReferences(upstreams: ContractUpstreams, tenantId: string): void {
  upstreams.addMetric(tenantId, METRIC);
  upstreams.addSlo(tenantId, SLO_ID);
}

export async function createDashboard(
  service: RunningService,
  tenantId: string,
  body: Record<string, unknown> = definition(),
): Promise<DashboardBody> {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/dashboards',
    headers: writer(tenantId),
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<DashboardBody>();
}
