import { windowMs, type WindowSize } from '@obs/domain';
import type {} from '@obs/local-infra';
import {
  createEnvelope,
  HEADERS,
  parseEnvelope,
  streamKeyOf,
  topicFor,
  type Envelope,
} from '@obs/event-envelope';
import type { BusMessage, RunningService } from '@obs/service-kit';
import { startTestService } from '@obs/service-kit/testing';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { inject } from 'vitest';
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

export interface WindowInput {
  readonly tenantId: string;
  readonly metric: string;
  readonly start: number;
  readonly p95: number;
  readonly projectId?: string;
  readonly group?: Record<string, string>;
  readonly traceId?: string | null;
  /** Defaults to 1m. */
  readonly window?: WindowSize;
}

/** A MetricAggregated record for one closed window, as metric-aggregation-service publishes it. */
export function windowMessage(input: WindowInput): BusMessage {
  return envelopeMessage(windowEnvelope(input));
}

/** The envelope of one closed window (1-minute unless `window` says otherwise). */
export function windowEnvelope(input: WindowInput): Envelope {
  const group = input.group ?? { service: 'payments-api' };
  const groupKey = Object.keys(group)
    .sort()
    .map((k) => `${k}=${group[k] ?? ''}`)
    .join(',');
  const window = input.window ?? '1m';
  const end = input.start + windowMs(window);
  const seriesId = `${input.metric}|${window}|${groupKey}`;
  return createEnvelope({
    eventType: 'MetricAggregated',
    producer: 'metric-aggregation-service',
    tenantId: input.tenantId,
    traceId: input.traceId ?? null,
    aggregate: { type: 'MetricSeries', id: `${seriesId}|${input.start}`, version: 1 },
    occurredAt: new Date(end + 30_000).toISOString(),
    payload: {
      seriesId,
      metricName: input.metric,
      unit: 'ms',
      window,
      windowStart: new Date(input.start).toISOString(),
      windowEnd: new Date(end).toISOString(),
      groupKey,
      group,
      projectId: input.projectId ?? 'checkout',
      values: {
        count: 10,
        sum: input.p95 * 10,
        avg: input.p95,
        p50: input.p95,
        p95: input.p95,
        p99: input.p95,
      },
    },
  });
}

/** The record the outbox relay of metric-aggregation-service would publish for an envelope. */
export function envelopeMessage(envelope: Envelope): BusMessage {
  return {
    topic: topicFor(envelope.eventType),
    // As the outbox writer keys it: the series, so a series' windows share a partition.
    key: streamKeyOf(envelope),
    value: JSON.stringify(envelope),
    headers: {
      [HEADERS.eventType]: envelope.eventType,
      [HEADERS.eventVersion]: String(envelope.eventVersion),
      [HEADERS.tenantId]: envelope.tenantId,
    },
  };
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

/** Reads AlertTriggered records from Kafka (validated envelopes, with their key and headers). */
export class AlertReader {
  readonly envelopes: Envelope[] = [];
  readonly records: { key: string; headers: Record<string, string>; envelope: Envelope }[] = [];
  private constructor(private readonly consumer: Consumer) {}

  static async open(): Promise<AlertReader> {
    const kafka = new Kafka({
      clientId: 'alert-reader',
      brokers: inject('infra').kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `alert-reader-${crypto.randomUUID()}` });
    const reader = new AlertReader(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: topicFor('AlertTriggered'), fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const envelope = parseEnvelope(JSON.parse(message.value?.toString() ?? 'null'));
        reader.envelopes.push(envelope);
        reader.records.push({
          key: message.key?.toString() ?? '',
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
          ),
          envelope,
        });
        return Promise.resolve();
      },
    });
    return reader;
  }

  forRule(ruleId: string): Envelope[] {
    return this.envelopes.filter(
      (e) => e.eventType === 'AlertTriggered' && e.payload.alertRuleId === ruleId,
    );
  }

  close(): Promise<void> {
    return this.consumer.disconnect();
  }
}
