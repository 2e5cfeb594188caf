import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
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
    /** false: jobs (delivery) run only through `jobs.get(name).runOnce()`. */
    runJobs?: boolean;
    clock?: () => number;
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
  // Test receivers listen on 127.0.0.1: private targets are allowed unless a test says otherwise.
  // The alert clock runs only through `jobs.get('alert-clock').runOnce()`: suites replay windows an
  // hour old and decide themselves when event time moves with the (test) clock.
  const config = {
    ...alertRuleConfigFrom({ NOTIFY_ALLOW_PRIVATE_TARGETS: 'true', ALERT_CLOCK_INTERVAL_MS: '0' }),
    metricServiceUrl,
    ...options.config,
  };
  const service = await startTestService(createAlertRuleService(config), {
    runConsumers: options.runConsumers,
    runJobs: options.runJobs,
    clock: options.clock,
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

/** A webhook receiver created through the API; answers its id and the once-shown secret. */
export async function createReceiver(
  service: RunningService,
  headers: Record<string, string>,
  url: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; secret: string }> {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/receivers',
    headers,
    payload: { name: `hook-${crypto.randomUUID().slice(0, 8)}`, type: 'webhook', url, ...extra },
  });
  if (res.statusCode !== 201) throw new Error(`creating a receiver failed: ${res.body}`);
  return res.json<{ id: string; secret: string }>();
}

export interface NotificationItem {
  id: string;
  receiverId: string;
  alertRuleId: string;
  fingerprint: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  lastStatusCode: number | null;
  deliveredAt: string | null;
}

/** The tenant's notifications as GET /v1/notifications lists them (filters as query). */
export async function listNotifications(
  service: RunningService,
  headers: Record<string, string>,
  query: Record<string, string> = {},
): Promise<NotificationItem[]> {
  const res = await service.app.inject({
    method: 'GET',
    url: '/v1/notifications',
    headers,
    query,
  });
  if (res.statusCode !== 200) throw new Error(`listing notifications failed: ${res.body}`);
  return res.json<{ items: NotificationItem[] }>().items;
}

/**
 * Creates the tenant's rule "p95 of `metric` > 500 per service for `forMinutes`" (the metric seeded
 * first), with `extra` fields over the defaults; returns its id.
 */
export async function createP95Rule(
  service: RunningService,
  tenantId: string,
  metric: string,
  forMinutes: number,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const headers = bearer(tenantId, ['read', 'write']);
  await seedMetric(service, headers, tenantId, metric);
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/alert-rules',
    headers,
    payload: ruleBody(metric, {
      condition: {
        metric,
        aggregation: 'p95',
        groupBy: ['service'],
        operator: 'gt',
        threshold: 500,
        forMinutes,
      },
      ...extra,
    }),
  });
  if (res.statusCode !== 201) throw new Error(`creating the rule failed: ${res.body}`);
  return res.json<{ id: string }>().id;
}

/**
 * A rule (forMinutes 0) whose webhook actions name the receivers, made to fire once through real
 * MetricAggregated windows on the bus (group service=payments-api, p95 900 > 500); resolves once
 * the windows are published, not when the alert is evaluated. Returns the rule's id. The actions
 * have groupWaitSeconds 0, so the notification is queued with the alert (these suites test what
 * happens to one notification, not grouping).
 */
export async function fireRule(
  service: RunningService,
  tenantId: string,
  receiverIds: readonly string[],
): Promise<string> {
  const metric = 'http.server.duration';
  const ruleId = await createP95Rule(service, tenantId, metric, 0, {
    actions: receiverIds.map((id) => ({ type: 'webhook', target: id, groupWaitSeconds: 0 })),
  });
  const start = baseMinute();
  // forMinutes 0 still waits for the window before the breach to be final (the lateness grace).
  for (let minute = 0; minute < 4; minute += 1) {
    await service.ctx.bus.publish([
      windowMessage({ tenantId, metric, start: start + minute * MINUTE, p95: 900 }),
    ]);
  }
  return ruleId;
}

/**
 * fireRule, then waits until the rule's notifications (one per receiver) exist.
 */
export async function fireRuleAt(
  service: RunningService,
  tenantId: string,
  receiverIds: readonly string[],
): Promise<{ ruleId: string; notifications: NotificationItem[] }> {
  const headers = bearer(tenantId, ['read', 'write']);
  const ruleId = await fireRule(service, tenantId, receiverIds);
  let notifications: NotificationItem[] = [];
  await waitUntil(async () => {
    notifications = await listNotifications(service, headers, { alertRuleId: ruleId });
    return notifications.length >= receiverIds.length;
  }, `notifications of rule ${ruleId}`);
  return { ruleId, notifications };
}

/** A request a WebhookCatcher received. */
export interface CaughtRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface WebhookCatcher {
  /** `http://127.0.0.1:<port>`; receivers point at a path below it to tell tests apart. */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly received: CaughtRequest[];
  close(): Promise<void>;
}

/** A real HTTP receiver on a free loopback port: answers 200 and records every request. */
export async function startWebhookCatcher(): Promise<WebhookCatcher> {
  const received: CaughtRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', headers: req.headers, body });
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
