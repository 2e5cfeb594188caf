import { topicFor, type Envelope } from '@obs/event-envelope';
import type { BusMessage, RunningService } from '@obs/service-kit';
import {
  bearer,
  busMessageOf,
  metricWindowEvent,
  startTestService,
  TopicReader,
  type MetricWindowInput,
} from '@obs/service-kit/testing';
import { createMetricAggregationService, metricConfigFrom } from '@obs/metric-aggregation-service';
import { alertRuleConfigFrom, type AlertRuleServiceConfig } from '../src/config.js';
import { createAlertRuleService } from '../src/app.js';

/** Test helpers shared by the alert-rule-service integration tests (real Postgres and Kafka). */

/** The metric-aggregation-service each alert-rule-service of a test resolves metrics against. */
const catalogues = new WeakMap<RunningService, RunningService>();

/**
 * The service under test, with a real metric-aggregation-service (over HTTP, on a free port) as
 * its metric catalogue; closing the returned service closes both.
 */
export async function startAlertRuleService(
  options: {
    env?: Record<string, string>;
    runConsumers?: boolean;
    config?: Partial<AlertRuleServiceConfig>;
  } = {},
): Promise<RunningService> {
  // Suites send hundreds of requests per tenant within a minute; the limiter is the kit's concern.
  const env = { RATE_LIMIT_MAX: '100000', ...options.env };
  const metrics = await startTestService(
    createMetricAggregationService({ ...metricConfigFrom({}), closeIntervalMs: 0 }),
    { runJobs: false, env },
  );
  const metricServiceUrl = await metrics.app.listen({ port: 0, host: '127.0.0.1' });
  const config = { ...alertRuleConfigFrom({}), metricServiceUrl, ...options.config };
  const service = await startTestService(createAlertRuleService(config), {
    runConsumers: options.runConsumers,
    env,
  });
  const both: RunningService = {
    ...service,
    close: async () => {
      await service.close();
      await metrics.close();
    },
  };
  catalogues.set(both, metrics);
  return both;
}

export const uniqueTenant = (prefix: string): string =>
  `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

export const MINUTE = 60_000;
/** A minute-aligned instant in the past, so windows are plainly closed. */
export const baseMinute = (): number => Math.floor(Date.now() / MINUTE) * MINUTE - 60 * MINUTE;

export type WindowInput = MetricWindowInput;
/** The envelope of one closed window (1-minute unless `window` says otherwise). */
export const windowEnvelope = metricWindowEvent;

/** A MetricAggregated record for one closed window, as metric-aggregation-service publishes it. */
export function windowMessage(input: WindowInput): BusMessage {
  return busMessageOf(windowEnvelope(input));
}

/** Reads obs.alert-rule.v1 from the beginning over the service's own bus. */
export function openAlerts(service: RunningService): Promise<TopicReader> {
  return TopicReader.open(service.ctx.bus, [topicFor('AlertTriggered')]);
}

/** The AlertTriggered of one rule that reached the topic, in arrival order. */
export function alertsOf(
  reader: TopicReader,
  tenantId: string,
  ruleId: string,
): Envelope<'AlertTriggered'>[] {
  return reader.of(tenantId, 'AlertTriggered').filter((e) => e.payload.alertRuleId === ruleId);
}

/**
 * Reports a metric for the tenant to the metric catalogue (metric-aggregation-service), as a
 * client would (one native point), and checks that it resolves with the caller's headers.
 */
export async function seedMetric(
  service: RunningService,
  headers: Record<string, string>,
  tenantId: string,
  metric: string,
): Promise<void> {
  const metrics = catalogues.get(service);
  if (!metrics) throw new Error('seedMetric needs a service from startAlertRuleService');
  const sent = await metrics.app.inject({
    method: 'POST',
    url: '/v1/metric-points',
    headers: bearer(tenantId, ['ingest']),
    payload: {
      points: [
        {
          metricName: metric,
          value: 1,
          unit: 'ms',
          timestamp: new Date(baseMinute() - 120 * MINUTE).toISOString(),
          dimensions: {
            projectId: 'checkout',
            moduleId: 'payments',
            artifactId: 'payments-api',
            executionId: 'exec-1',
            agentId: 'none',
            service: 'payments-api',
            serviceVersion: '1.0.0',
            environment: 'production',
            region: 'westeurope',
            origin: 'generated-saas',
          },
        },
      ],
    },
  });
  if (sent.statusCode !== 200) throw new Error(`seeding ${metric} failed: ${sent.body}`);
  const resolved = await metrics.app.inject({
    method: 'GET',
    url: `/v1/metrics/${encodeURIComponent(metric)}`,
    headers,
  });
  if (resolved.statusCode !== 200) throw new Error(`${metric} does not resolve: ${resolved.body}`);
}

/** Bounded polling that works in hooks too (expect.poll only works inside a test). */
export async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function ruleBody(
  metric: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: `rule-${crypto.randomUUID().slice(0, 8)}`,
    scope: { projectId: 'checkout' },
    condition: {
      metric,
      aggregation: 'p95',
      groupBy: ['service'],
      operator: 'gt',
      threshold: 500,
      forMinutes: 3,
    },
    severity: 'critical',
    ...overrides,
  };
}
