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
import { createTraceService, type TraceServiceAdapters } from '../src/app.js';
import { traceConfigFrom, type TraceServiceConfig } from '../src/config.js';

/** Test helpers shared by the trace-service integration tests (real Postgres and Kafka). */

export const TEST_CONFIG: TraceServiceConfig = {
  ...traceConfigFrom({}),
  // The tests drive the jobs with runOnce(); the intervals are the kit's concern.
  assemblyIntervalMs: 0,
  retentionIntervalMs: 0,
};

export async function startTraceService(
  options: {
    clock?: TestClock;
    config?: Partial<TraceServiceConfig>;
    kafka?: boolean;
    adapters?: TraceServiceAdapters;
  } = {},
): Promise<RunningService> {
  const definition = createTraceService({ ...TEST_CONFIG, ...options.config }, options.adapters);
  return startTestService(definition, {
    clock: options.clock?.now,
    runJobs: false,
    ...(options.kafka === undefined ? {} : { kafka: options.kafka }),
    env: { RATE_LIMIT_MAX: '100000', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' },
  });
}

export const uniqueTenant = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;
export const ingester = (tenantId: string) => bearer(tenantId, ['ingest']);
export const reader = (tenantId: string) => bearer(tenantId, ['read']);
export const writer = (tenantId: string) => bearer(tenantId, ['write']);

export const newTraceId = (): string => randomBytes(16).toString('hex');
export const newSpanId = (): string => randomBytes(8).toString('hex');

export { DIMENSIONS };

export { resourceAttributesOf as resourceAttributes } from '@obs/service-kit/testing';

export interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name?: string;
  startMs: number;
  durationMs: number;
  status?: 0 | 1 | 2;
  /** OTLP SpanKind; server (2) unless given. */
  kind?: number;
  attributes?: Record<string, string | number | boolean>;
  events?: { name: string; atMs: number }[];
}

const ns = (ms: number): string => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

function keyValues(record: Record<string, string | number | boolean>) {
  return Object.entries(record).map(([key, value]) => ({
    key,
    value:
      typeof value === 'string'
        ? { stringValue: value }
        : typeof value === 'boolean'
          ? { boolValue: value }
          : Number.isInteger(value)
            ? { intValue: String(value) }
            : { doubleValue: value },
  }));
}

/** An OTLP/JSON ExportTraceServiceRequest with one resource. */
export function otlpBody(resource: Record<string, string>, spans: readonly SpanSpec[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: keyValues(resource) },
        scopeSpans: [
          {
            scope: { name: 'trace-service-test' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId === undefined ? {} : { parentSpanId: s.parentSpanId }),
              name: s.name ?? 'op',
              kind: s.kind ?? 2,
              startTimeUnixNano: ns(s.startMs),
              endTimeUnixNano: ns(s.startMs + s.durationMs),
              attributes: keyValues(s.attributes ?? {}),
              events: (s.events ?? []).map((e) => ({ name: e.name, timeUnixNano: ns(e.atMs) })),
              status: { code: s.status ?? 0 },
            })),
          },
        ],
      },
    ],
  };
}

export interface ExportResponse {
  partialSuccess?: { rejectedSpans?: number; errorMessage?: string };
}

export async function sendSpans(
  service: RunningService,
  tenantId: string,
  body: unknown,
): Promise<ExportResponse> {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/traces',
    headers: { ...ingester(tenantId), 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ExportResponse>();
}

export interface TraceBody {
  traceId: string;
  status: string;
  version: number;
  problem: { code: string; message: string } | null;
  rootSpanId: string | null;
  rootSpanName: string | null;
  startedAt: string;
  durationMs: number;
  spanCount: number;
  pinned: boolean;
  dimensions: Record<string, string>;
  spans: {
    spanId: string;
    parentSpanId: string | null;
    depth: number;
    childSpanIds: string[];
    name: string;
    attributes: Record<string, unknown>;
    events: { name: string; timestamp: string }[];
    status: string;
  }[];
}

export async function getTrace(
  service: RunningService,
  tenantId: string,
  traceId: string,
): Promise<TraceBody> {
  const res = await service.app.inject({
    method: 'GET',
    url: `/v1/traces/${traceId}`,
    headers: reader(tenantId),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<TraceBody>();
}

export async function assemble(service: RunningService): Promise<void> {
  expect(await service.jobs.get('trace-assembly')?.runOnce()).toBe(true);
}
