import type {} from '@obs/local-infra';
import { randomBytes, randomUUID } from 'node:crypto';
import type { RunningService } from '@obs/service-kit';
import {
  TEST_DIMENSIONS as DIMENSIONS,
  bearer,
  startTestService,
  type TestClock,
} from '@obs/service-kit/testing';
import { expect } from 'vitest';
import { createLogQueryService, type LogQueryServiceDeps } from '../src/app.js';
import { logQueryConfigFrom, type LogQueryServiceConfig } from '../src/config.js';

/** Helpers shared by the log-query-service integration tests (real Postgres, Kafka). */

export async function startLogService(
  options: {
    clock?: TestClock;
    config?: Partial<LogQueryServiceConfig>;
    deps?: LogQueryServiceDeps;
    env?: Record<string, string>;
  } = {},
): Promise<RunningService> {
  return startTestService(
    createLogQueryService({ ...logQueryConfigFrom({}), ...options.config }, options.deps),
    {
      clock: options.clock?.now,
      runJobs: false,
      env: {
        RATE_LIMIT_MAX: '100000',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        ...options.env,
      },
    },
  );
}

export function uniqueTenant(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export const newTraceId = () => randomBytes(16).toString('hex');
export const ingester = (tenantId: string) => bearer(tenantId, ['ingest']);
export const reader = (tenantId: string) => bearer(tenantId, ['read']);

export { DIMENSIONS };

export { resourceAttributesOf as resourceAttributes } from '@obs/service-kit/testing';

export interface TestRecord {
  readonly timeMs: number;
  readonly body: string;
  readonly severityNumber?: number;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly attributes?: Record<string, string>;
}

const kv = (attributes: Record<string, string>) =>
  Object.entries(attributes).map(([key, value]) => ({ key, value: { stringValue: value } }));

/** An OTLP/JSON ExportLogsServiceRequest with one resource per entry. */
export function otlpLogs(
  resources: readonly { attributes: Record<string, string>; records: readonly TestRecord[] }[],
) {
  return {
    resourceLogs: resources.map((resource) => ({
      resource: { attributes: kv(resource.attributes) },
      scopeLogs: [
        {
          scope: { name: 'log-test' },
          logRecords: resource.records.map((r) => ({
            timeUnixNano: `${BigInt(r.timeMs) * 1_000_000n + 123_456n}`,
            severityNumber: r.severityNumber ?? 9,
            body: { stringValue: r.body },
            ...(r.traceId ? { traceId: r.traceId } : {}),
            ...(r.spanId ? { spanId: r.spanId } : {}),
            attributes: kv(r.attributes ?? {}),
          })),
        },
      ],
    })),
  };
}

export async function sendLogs(service: RunningService, tenantId: string, body: unknown) {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/logs',
    headers: { ...ingester(tenantId), 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ partialSuccess?: { rejectedLogRecords?: number; errorMessage?: string } }>();
}

export interface RecordPage {
  items: {
    id: string;
    timestamp: string;
    level: string;
    body: string;
    traceId: string | null;
    spanId: string | null;
    executionId: string | null;
    attributes: Record<string, unknown>;
    workspaceId: string;
  }[];
  nextCursor: string | null;
}

export async function queryLogs(
  service: RunningService,
  tenantId: string,
  body: Record<string, unknown>,
  expectedStatus = 200,
) {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/log-queries',
    headers: { ...reader(tenantId), 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  expect(res.statusCode, res.body).toBe(expectedStatus);
  return res;
}

export async function recordsOf(
  service: RunningService,
  tenantId: string,
  body: Record<string, unknown>,
): Promise<RecordPage> {
  return (await queryLogs(service, tenantId, body)).json<RecordPage>();
}

export async function referencesOf(
  service: RunningService,
  tenantId: string,
  query: Record<string, string>,
) {
  const res = await service.app.inject({
    method: 'GET',
    url: '/v1/log-references',
    query,
    headers: reader(tenantId),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{
    items: {
      id: string;
      traceId: string;
      executionId: string;
      level: string;
      timestamp: string;
      recordCount: number;
      logAnalyticsRef: { workspaceId: string; queryHandle: string };
      dimensions: Record<string, string>;
    }[];
    nextCursor: string | null;
  }>();
}

export const HOUR = 3_600_000;
