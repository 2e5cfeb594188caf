import type {} from '@obs/local-infra';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Envelope } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { bearer, busMessageOf, startTestService } from '@obs/service-kit/testing';
import { createTelemetryCorrelationService } from '../src/app.js';
import { correlationConfigFrom, type CorrelationServiceConfig } from '../src/config.js';

/** Test helpers shared by the telemetry-correlation-service integration tests (real Postgres and Kafka). */

export async function startCorrelationService(
  options: {
    config?: Partial<CorrelationServiceConfig>;
    runConsumers?: boolean;
    env?: Record<string, string>;
  } = {},
): Promise<RunningService> {
  const config = { ...correlationConfigFrom({}), ...options.config };
  return startTestService(createTelemetryCorrelationService(config), {
    runConsumers: options.runConsumers,
    env: { RATE_LIMIT_MAX: '100000', ...options.env },
  });
}

/** A tenant no other test (or earlier run against the same database) uses. */
export function uniqueTenant(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A fresh W3C trace id. */
export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

export const reader = (tenantId: string) => bearer(tenantId, ['read']);

export interface LinkBody {
  kind: string;
  targetId: string;
  store: string;
  record?: unknown;
}

export interface CorrelationBody {
  traceId: string;
  tenantId: string;
  projectId: string | null;
  dimensions: Record<string, string> | null;
  links: {
    trace: LinkBody | null;
    logReferences: { store: string; path: string; record?: unknown };
    metricSeries: (LinkBody & { series: Record<string, unknown> })[];
    incidents: LinkBody[];
    feedback: LinkBody[];
    costSignals: LinkBody[];
    costs: { store: string; path: string; record?: unknown };
  };
  missing?: {
    service: string;
    link: { kind: string; targetId: string };
    reason: string;
    detail: string;
  }[];
  updatedAt: string;
  version: number;
}

export async function getCorrelation(
  service: RunningService,
  tenantId: string,
  traceId: string,
  options: { expand?: boolean; headers?: Record<string, string> } = {},
) {
  return service.app.inject({
    method: 'GET',
    url: `/v1/correlations/${traceId}${options.expand ? '?expand=true' : ''}`,
    headers: options.headers ?? reader(tenantId),
  });
}

/** Publishes as the owning service's relay would: busMessageOf keys and labels like production. */
export function publish(service: RunningService, ...envelopes: Envelope[]): Promise<void> {
  return service.ctx.bus.publish(envelopes.map((e) => busMessageOf(e)));
}

/**
 * Polls until `check` holds (as expect.poll does, but usable in beforeAll): for asynchronous
 * delivery over the bus, never a fixed sleep.
 */
export async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Waits until every given event has been applied (its inbox row committed), whatever its topic:
 * then the correlation is final for these events, not just momentarily right.
 */
export async function waitForApplied(
  service: RunningService,
  eventIds: readonly string[],
  timeoutMs?: number,
) {
  const distinct = [...new Set(eventIds)];
  await until(
    async () => {
      const rows: { n: string }[] = await service.ctx.dataSource.query(
        `SELECT count(DISTINCT event_id) AS n FROM ${service.ctx.table('inbox')} WHERE event_id = ANY($1::uuid[])`,
        [distinct],
      );
      return Number(rows[0]?.n ?? 0) === distinct.length;
    },
    `${distinct.length} events to be applied`,
    timeoutMs,
  );
}
