import type {} from '@obs/local-infra';
import { randomUUID } from 'node:crypto';
import type { RunningService } from '@obs/service-kit';
import { bearer, startTestService, type TestClock } from '@obs/service-kit/testing';
import { expect, inject } from 'vitest';
import { createCostTelemetryService } from '../src/app.js';
import {
  DEFAULT_ANOMALY_DELTA_PCT,
  DEFAULT_ANOMALY_MIN_AMOUNT,
  DEFAULT_BASELINE_DAYS,
  DEFAULT_BASELINE_MONTHS,
  DEFAULT_EXPORT_CONTAINER,
  DEFAULT_MIN_BASELINE_PERIODS,
  type CostServiceConfig,
} from '../src/config.js';
import { periodStartOf } from '../src/periods.js';

/** Test helpers shared by the cost-telemetry-service integration tests (real Postgres, Kafka, Azurite). */

export function testConfig(overrides: Partial<CostServiceConfig> = {}): CostServiceConfig {
  return {
    baselineDays: DEFAULT_BASELINE_DAYS,
    baselineMonths: DEFAULT_BASELINE_MONTHS,
    minBaselinePeriods: DEFAULT_MIN_BASELINE_PERIODS,
    anomalyDeltaPct: DEFAULT_ANOMALY_DELTA_PCT,
    anomalyMinAmount: DEFAULT_ANOMALY_MIN_AMOUNT,
    blobConnectionString: inject('infra').azureStorageConnectionString,
    exportContainer: DEFAULT_EXPORT_CONTAINER,
    // The tests run the export job with runOnce().
    exportIntervalMs: 0,
    ...overrides,
  };
}

export async function startCostService(
  options: {
    clock?: TestClock;
    config?: Partial<CostServiceConfig>;
    env?: Record<string, string>;
  } = {},
): Promise<RunningService> {
  return startTestService(createCostTelemetryService(testConfig(options.config)), {
    clock: options.clock?.now,
    runJobs: false,
    // Suites send hundreds of requests per tenant within a minute; the limiter is the kit's concern.
    env: { RATE_LIMIT_MAX: '100000', ...options.env },
  });
}

/** A tenant no other test (or earlier run against the same database) uses. */
export function uniqueTenant(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export const ingester = (tenantId: string) => bearer(tenantId, ['ingest']);
export const reader = (tenantId: string) => bearer(tenantId, ['read']);

export const TRACE_A = '4bf92f3577b34da6a3ce929d0e0e4736';
export const TRACE_B = '0af7651916cd43dd8448eb211c80319c';
export const TRACE_C = 'a3ce929d0e0e47364bf92f3577b34da6';

export const DIMENSIONS = {
  projectId: 'checkout',
  moduleId: 'payments',
  artifactId: 'payments-api',
  executionId: 'exec-1',
  agentId: 'support-agent',
  service: 'payments-api',
  serviceVersion: '1.0.0',
  environment: 'production',
  region: 'westeurope',
  origin: 'agent',
};

export interface LineInput {
  lineId?: string;
  category?: 'model_inference' | 'compute' | 'storage' | 'network';
  occurredAt?: string;
  amount?: string;
  currency?: string;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  traceId?: string;
  projectId?: string;
  agentId?: string;
  executionId?: string;
}

/** A schema-valid line: a compute line by default, a full LLM line for model_inference. */
export function line(input: LineInput = {}): Record<string, unknown> {
  const category = input.category ?? 'compute';
  const llm =
    category === 'model_inference'
      ? {
          model: input.model ?? 'gpt-4o',
          inputTokens: input.inputTokens ?? 1000,
          outputTokens: input.outputTokens ?? 500,
        }
      : {};
  return {
    lineId: input.lineId ?? randomUUID(),
    category,
    occurredAt: input.occurredAt ?? '2030-01-10T12:00:00Z',
    amount: input.amount ?? '1',
    currency: input.currency ?? 'USD',
    ...llm,
    ...(input.traceId ? { traceId: input.traceId } : {}),
    dimensions: {
      ...DIMENSIONS,
      projectId: input.projectId ?? DIMENSIONS.projectId,
      agentId: input.agentId ?? DIMENSIONS.agentId,
      executionId: input.executionId ?? DIMENSIONS.executionId,
    },
  };
}

export interface IngestBody {
  accepted: number;
  duplicates: number;
  duplicateLineIds: string[];
  signalIds: string[];
}

export async function sendLines(
  service: RunningService,
  tenantId: string,
  lines: readonly Record<string, unknown>[],
): Promise<IngestBody> {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/cost-records',
    headers: ingester(tenantId),
    payload: { lines },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<IngestBody>();
}

export interface SignalBody {
  id: string;
  tenantId: string;
  projectId: string;
  period: 'day' | 'month';
  periodStart: string;
  periodEnd: string;
  currency: string;
  total: string;
  breakdown: { category: string; amount: string }[];
  anomalies: {
    category: string;
    detectedAt: string;
    deltaPct: number;
    baseline: string;
    observed: string;
    traceIds: string[];
  }[];
  computedAt: string;
  version: number;
}

export async function getJson<T>(
  service: RunningService,
  tenantId: string,
  url: string,
): Promise<T> {
  const res = await service.app.inject({ method: 'GET', url, headers: reader(tenantId) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
}

export async function signalsOf(
  service: RunningService,
  tenantId: string,
  query = '',
): Promise<SignalBody[]> {
  return (
    await getJson<{ items: SignalBody[] }>(service, tenantId, `/v1/cost-signals?limit=500${query}`)
  ).items;
}

/** The signal of one project and the period containing an instant (e.g. day 2030-01-10). */
export async function signalAt(
  service: RunningService,
  tenantId: string,
  period: 'day' | 'month',
  periodStart: string,
  projectId = DIMENSIONS.projectId,
): Promise<SignalBody | undefined> {
  const all = await signalsOf(service, tenantId, `&period=${period}&projectId=${projectId}`);
  const start = new Date(periodStartOf(period, Date.parse(periodStart))).toISOString();
  return all.find((s) => s.periodStart === start);
}

/**
 * Runs the export job until the export has left `pending`. Other suites' exports share the table
 * and each run takes the oldest ten; the bound only stops a broken job from looping forever.
 */
export async function runExportJobUntilDone(
  service: RunningService,
  tenantId: string,
  exportId: string,
): Promise<void> {
  for (let run = 0; run < 200; run += 1) {
    await service.jobs.get('cost-export')!.runOnce();
    const res = await service.app.inject({
      method: 'GET',
      url: `/v1/cost-signals/exports/${exportId}`,
      headers: reader(tenantId),
    });
    if (res.json<{ status: string }>().status !== 'pending') return;
  }
  throw new Error(`export ${exportId} is still pending`);
}
