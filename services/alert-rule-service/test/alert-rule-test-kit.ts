import { topicFor, type Envelope } from '@obs/event-envelope';
import type { BusMessage, RunningService } from '@obs/service-kit';
import {
  busMessageOf,
  metricWindowEvent,
  startTestService,
  TopicReader,
  type MetricWindowInput,
} from '@obs/service-kit/testing';
import { alertRuleConfigFrom, type AlertRuleServiceConfig } from '../src/config.js';
import { createAlertRuleService } from '../src/app.js';

/** Test helpers shared by the alert-rule-service integration tests (real Postgres and Kafka). */

export function startAlertRuleService(
  options: {
    env?: Record<string, string>;
    runConsumers?: boolean;
    config?: Partial<AlertRuleServiceConfig>;
  } = {},
): Promise<RunningService> {
  const config = { ...alertRuleConfigFrom({}), ...options.config };
  // Suites send hundreds of requests per tenant within a minute; the limiter is the kit's concern.
  return startTestService(createAlertRuleService(config), {
    runConsumers: options.runConsumers,
    env: { RATE_LIMIT_MAX: '100000', ...options.env },
  });
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

/** Teaches the service's catalogue a metric and waits until it resolves. */
export async function seedMetric(
  service: RunningService,
  headers: Record<string, string>,
  tenantId: string,
  metric: string,
): Promise<void> {
  await service.ctx.bus.publish([
    windowMessage({ tenantId, metric, start: baseMinute() - 120 * MINUTE, p95: 1 }),
  ]);
  await waitUntil(async () => {
    const res = await service.app.inject({ method: 'GET', url: '/v1/metrics', headers });
    return res.json<{ items: { name: string }[] }>().items.some((m) => m.name === metric);
  }, `metric ${metric} in the catalogue`);
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
