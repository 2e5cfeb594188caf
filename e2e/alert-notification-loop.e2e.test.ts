import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertRuleConfigFrom, createAlertRuleService } from '@obs/alert-rule-service';
import { DEFAULT_ALERT_LATENESS_GRACE_MS } from '@obs/domain';
import { topicFor } from '@obs/event-envelope';
import { incidentService } from '@obs/incident-service';
import type { RunningService } from '@obs/service-kit';
import { bearer, startTestService, TestClock, TopicReader } from '@obs/service-kit/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricService, type ListeningMetricService } from './fixtures/metric-service.js';
import { at, resourceAttributes, sdkMeter } from './fixtures/otel-metrics-sdk.js';

/**
 * The output side of the platform end to end (issue 22), over real HTTP, Kafka and PostgreSQL,
 * through public APIs only: an OpenTelemetry SDK's latency spike (OTLP/HTTP) → a rule with a
 * webhook and an incident action fires → incident-service opens an incident → the team's webhook
 * receiver gets ONE signed notification in the Alertmanager webhook format → an acknowledgement
 * stops the escalation → the latency recovers → AlertResolved → the receiver gets the resolved
 * notification, with the same group key.
 */
const tenant = `e2e-notify-${Date.now()}`;
const user = bearer(tenant, ['read', 'write']);
const METRIC = 'http.server.duration';
const MINUTE = 60_000;
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
const minute = (n: number, second = 0) => T0 + n * MINUTE + second * 1_000;
const metricClock = new TestClock(minute(6));
// Escalation and the alert clock run on their own clocks: the test moves the first past every
// step of the policy, the second past the lateness grace that makes the recovery final.
const incidentClock = new TestClock(Date.now());
const alertClock = new TestClock(Date.now());

interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** The team's webhook endpoint: a real HTTP server that records what it is sent. */
async function startReceiver(): Promise<{ url: string; deliveries: Delivery[]; server: Server }> {
  const deliveries: Delivery[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/alertmanager`, deliveries, server };
}

let metrics: ListeningMetricService;
let alerts: RunningService;
let incidents: RunningService;
let topics: TopicReader;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  metrics = await startMetricService(metricClock);
  alerts = await startTestService(
    createAlertRuleService({
      latenessGraceMs: DEFAULT_ALERT_LATENESS_GRACE_MS,
      metricServiceUrl: metrics.url,
      // The receiver listens on loopback, which only development mode may call.
      notify: {
        ...alertRuleConfigFrom({ NOTIFY_ALLOW_PRIVATE_TARGETS: 'true' }).notify,
        intervalMs: 200,
      },
    }),
    { clock: alertClock.now },
  );
  incidents = await startTestService(incidentService, {
    clock: incidentClock.now,
    runJobs: false,
  });
  topics = await TopicReader.open(alerts.ctx.bus, [
    topicFor('AlertTriggered'),
    topicFor('AlertResolved'),
    topicFor('IncidentEscalated'),
  ]);
});
afterAll(async () => {
  await topics.close();
  await incidents.close();
  await alerts.close();
  await metrics.service.close();
  await new Promise((resolve) => receiver.server.close(resolve));
});

interface AlertmanagerMessage {
  version: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupKey: string;
  alerts: { status: string; labels: Record<string, string>; fingerprint: string }[];
}

/** Verified with the receiver's secret as any Standard Webhooks consumer does, then parsed. */
function verified(delivery: Delivery, secret: string): AlertmanagerMessage & { id: string } {
  const headers = {
    'webhook-id': String(delivery.headers['webhook-id']),
    'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
    'webhook-signature': String(delivery.headers['webhook-signature']),
  };
  const message = new Webhook(secret).verify(delivery.body, headers) as AlertmanagerMessage;
  return { ...message, id: headers['webhook-id'] };
}

describe('from an OTLP latency spike to a signed notification, an incident and its resolution', () => {
  it('notifies once when firing, stops escalating on acknowledge, and notifies the resolution', async () => {
    const created = await alerts.app.inject({
      method: 'POST',
      url: '/v1/receivers',
      headers: user,
      payload: { name: 'team hook', type: 'webhook', url: receiver.url, sendResolved: true },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id: receiverId, secret } = created.json<{ id: string; secret: string }>();

    const sdk = sdkMeter({
      baseUrl: metrics.url,
      authorization: bearer(tenant, ['ingest']).authorization,
      resource: resourceAttributes(tenant),
    });
    const latency = sdk.meter.createHistogram(METRIC, {
      unit: 'ms',
      advice: { explicitBucketBoundaries: [100, 250, 500, 1000, 2500] },
    });
    const minuteOf = async (n: number, durations: readonly number[]) => {
      durations.forEach((ms, i) =>
        at(minute(n, 1 + i), () => latency.record(ms, { 'http.route': '/pay' })),
      );
      await sdk.exportAt(minute(n, 30));
    };

    await minuteOf(0, [80, 120, 140, 90]);
    const rule = await alerts.app.inject({
      method: 'POST',
      url: '/v1/alert-rules',
      headers: user,
      payload: {
        name: 'checkout latency',
        scope: { projectId: 'checkout' },
        condition: {
          metric: METRIC,
          aggregation: 'p95',
          groupBy: ['service'],
          operator: 'gt',
          threshold: 500,
          forMinutes: 2,
        },
        severity: 'critical',
        actions: [
          // No grouping delays: this loop is about one alert (grouping has its own test).
          { type: 'webhook', target: receiverId, groupWaitSeconds: 0, groupIntervalSeconds: 1 },
          { type: 'incident', target: 'on-call-primary' },
        ],
      },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const ruleId = rule.json<{ id: string }>().id;

    // The spike: three slow minutes, then a fast one that moves the watermark past them.
    for (const n of [1, 2, 3]) await minuteOf(n, [620, 780, 910, 700]);
    await minuteOf(4, [90, 110]);

    await expect
      .poll(
        async () => {
          await metrics.closeWindows();
          return topics.of(tenant, 'AlertTriggered').length;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(1);

    // One signed notification in the Alertmanager webhook format (version 4).
    await expect.poll(() => receiver.deliveries.length, { timeout: 30_000 }).toBe(1);
    const firing = verified(receiver.deliveries[0]!, secret);
    expect(firing).toMatchObject({ version: '4', status: 'firing' });
    expect(firing.alerts).toHaveLength(1);
    expect(firing.alerts[0]?.labels).toMatchObject({
      alertname: 'checkout latency',
      severity: 'critical',
      service: 'payments-api',
    });

    // The incident, escalated by the default policy (its first step is overdue: the episode
    // fired minutes ago in event time), then acknowledged.
    let incidentId = '';
    await expect
      .poll(
        async () => {
          const res = await incidents.app.inject({
            method: 'GET',
            url: '/v1/incidents?source=alert',
            headers: user,
          });
          incidentId = res.json<{ items: { id: string }[] }>().items[0]?.id ?? '';
          return incidentId;
        },
        { timeout: 60_000, interval: 200 },
      )
      .not.toBe('');
    const escalation = incidents.jobs.get('escalation');
    await escalation?.runOnce();
    await expect
      .poll(() => topics.of(tenant, 'IncidentEscalated').length, { timeout: 30_000 })
      .toBe(1);
    const ack = await incidents.app.inject({
      method: 'POST',
      url: `/v1/incidents/${incidentId}/acknowledge`,
      headers: user,
      payload: { actor: 'alice' },
    });
    expect(ack.statusCode, ack.body).toBe(200);
    // Past every later step of the policy: an acknowledged incident pages no one else.
    incidentClock.advanceMinutes(60);
    await escalation?.runOnce();

    // Recovery: the fast minute closes (the clock passes the idle timeout) and resolves the alert.
    metricClock.advanceMinutes(10);
    await metrics.closeWindows();
    // No window follows the fast one: the alert clock makes it final with the passing time.
    alertClock.advanceMinutes(5);
    await expect
      .poll(
        async () => {
          await alerts.jobs.get('alert-clock')?.runOnce();
          return topics.of(tenant, 'AlertResolved').length;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(1);
    await expect.poll(() => receiver.deliveries.length, { timeout: 30_000 }).toBe(2);
    const resolved = verified(receiver.deliveries[1]!, secret);
    expect(resolved).toMatchObject({ version: '4', status: 'resolved', groupKey: firing.groupKey });
    expect(resolved.alerts[0]?.fingerprint).toBe(firing.alerts[0]?.fingerprint);
    expect(resolved.id).not.toBe(firing.id);

    const [alert] = topics.of(tenant, 'AlertTriggered');
    expect(alert?.payload).toMatchObject({ alertRuleId: ruleId });
    expect(topics.of(tenant, 'IncidentEscalated')).toHaveLength(1);
    expect(receiver.deliveries).toHaveLength(2);
    expect(topics.invalid()).toEqual([]);
    await sdk.shutdown();
  });
});
