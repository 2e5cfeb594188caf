import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertRuleConfigFrom, createAlertRuleService } from '@obs/alert-rule-service';
import { topicFor } from '@obs/event-envelope';
import { incidentService } from '@obs/incident-service';
import type { RunningService } from '@obs/service-kit';
import {
  bearer,
  buildEvent,
  busMessageOf,
  startTestService,
  TopicReader,
} from '@obs/service-kit/testing';
import { createSloService } from '@obs/slo-service';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * SLO burn-rate alerts end to end, over real Kafka and PostgreSQL, public APIs only: closed 1m
 * MetricAggregated windows (as metric-aggregation-service publishes them) burn a 99.9 % SLO at 20×
 * → slo-service publishes SloBurnRateAlertFired (page), long before any SloBreached →
 * incident-service opens one incident → the metric goes silent → the burn clock (run by hand, on
 * the wall clock) resolves the page → the incident's timeline records it. The SLO names a webhook
 * receiver of alert-rule-service: it gets the page and its resolution, signed, as Alertmanager v4
 * alerts (alert-rule-service's slo-burn-rate-alert consumer and delivery job).
 */
const tenant = `e2e-burn-${Date.now()}`;
const user = bearer(tenant, ['read', 'write']);
const GOOD = 'checkout.requests.good';
const TOTAL = 'checkout.requests';
const MINUTE = 60_000;
const NOW = Math.floor(Date.now() / MINUTE) * MINUTE;
const minute = (n: number) => NOW + n * MINUTE;

let slos: RunningService;
let incidents: RunningService;
let alerts: RunningService;
let sloTopic: TopicReader;
let hook: Server;
let hookUrl = '';
const hooked: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  // The burn clock's timer is off: the test runs it once, after the page fired.
  slos = await startTestService(
    createSloService({ pairingGraceMs: 120_000, burnClockLagMs: 120_000, burnClockIntervalMs: 0 }),
  );
  incidents = await startTestService(incidentService);
  // Its delivery job on a short timer; receivers on 127.0.0.1 allowed (development setting).
  alerts = await startTestService(
    createAlertRuleService(
      alertRuleConfigFrom({
        NOTIFY_ALLOW_PRIVATE_TARGETS: 'true',
        NOTIFY_INTERVAL_MS: '200',
        ALERT_CLOCK_INTERVAL_MS: '0',
      }),
    ),
  );
  hook = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      hooked.push({ headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/slo-hook`;
  sloTopic = await TopicReader.open(slos.ctx.bus, [topicFor('SloBreached')]);
});
afterAll(async () => {
  await sloTopic.close();
  await alerts.close();
  await new Promise((resolve) => hook.close(resolve));
  await incidents.close();
  await slos.close();
});

function window(metric: string, start: number, events: number) {
  const groupKey = 'service=payments-api';
  const seriesId = `${metric}|1m|${groupKey}`;
  return busMessageOf(
    buildEvent('MetricAggregated', {
      tenantId: tenant,
      aggregateId: `${seriesId}|${start}`,
      aggregateVersion: 1,
      occurredAt: new Date(start + MINUTE + 30_000).toISOString(),
      payload: {
        seriesId,
        metricName: metric,
        unit: '1',
        window: '1m',
        windowStart: new Date(start).toISOString(),
        windowEnd: new Date(start + MINUTE).toISOString(),
        groupKey,
        group: { service: 'payments-api' },
        projectId: 'checkout',
        values: { count: events, sum: events, avg: 1, p50: 1, p95: 1, p99: 1 },
      },
    }),
  );
}

const minuteOf = (n: number, good: number, total: number) => [
  window(GOOD, minute(n), good),
  window(TOTAL, minute(n), total),
];

async function incidentsOfSlo(sloId: string): Promise<Record<string, unknown>[]> {
  const res = await incidents.app.inject({
    method: 'GET',
    url: '/v1/incidents?source=slo',
    headers: user,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res
    .json<{ items: Record<string, unknown>[] }>()
    .items.filter((i) => i.sourceRef === sloId);
}

describe('an SLO burning at 20×, to an incident and back', () => {
  it('pages before any breach, opens one incident, notifies the receiver, and records the clearing', async () => {
    const receiver = await alerts.app.inject({
      method: 'POST',
      url: '/v1/receivers',
      headers: user,
      payload: { name: 'on-call hook', type: 'webhook', url: hookUrl, sendResolved: true },
    });
    expect(receiver.statusCode, receiver.body).toBe(201);
    const { id: receiverId, secret } = receiver.json<{ id: string; secret: string }>();
    const created = await slos.app.inject({
      method: 'POST',
      url: '/v1/slos',
      headers: user,
      payload: {
        name: `Checkout availability ${randomUUID().slice(0, 8)}`,
        projectId: 'checkout',
        target: 99.9,
        windowMinutes: 1_440,
        sli: { kind: 'ratio', goodMetric: GOOD, totalMetric: TOTAL },
        burnRateAlerts: { receivers: [receiverId] },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const sloId = created.json<{ id: string }>().id;

    const totalEvents = async () =>
      (
        await slos.app.inject({ method: 'GET', url: `/v1/slos/${sloId}/status`, headers: user })
      ).json<{ totalEvents: number }>().totalEvents;
    // Ten clean minutes well over an hour ago (counted first: windows of different series may be
    // read in any order), then five minutes at 2 % bad, 20× the budget.
    await slos.ctx.bus.publish(
      [...Array(10).keys()].flatMap((k) => minuteOf(k - 100, 100_000, 100_000)),
    );
    await expect.poll(totalEvents, { timeout: 60_000, interval: 200 }).toBe(1_000_000);
    await slos.ctx.bus.publish([...Array(5).keys()].flatMap((k) => minuteOf(k - 20, 980, 1_000)));

    const [fired] = await sloTopic.waitFor(tenant, 'SloBurnRateAlertFired', 1, 60_000);
    expect(fired?.payload).toMatchObject({ sloId, severity: 'page' });
    let incident: Record<string, unknown> | undefined;
    await expect
      .poll(async () => (incident = (await incidentsOfSlo(sloId))[0])?.status, {
        timeout: 60_000,
        interval: 200,
      })
      .toBe('open');
    expect(incident).toMatchObject({
      tenantId: tenant,
      source: 'slo',
      sourceRef: sloId,
      severity: 'critical',
      openedAt: fired!.payload.firedAt,
    });
    expect(String(incident?.title)).toMatch(/^SLO burning: Checkout availability .+ \(page\)$/);

    // Wait for the whole spike, then check the budget: far from breached.
    await expect.poll(totalEvents, { timeout: 60_000, interval: 200 }).toBe(1_005_000);
    expect(sloTopic.of(tenant, 'SloBreached')).toEqual([]);

    // The metric is silent since minute −15: at (now − 2 min) the 5m window is empty.
    expect(await slos.jobs.get('slo-burn-clock')?.runOnce()).toBe(true);
    const [cleared] = await sloTopic.waitFor(tenant, 'SloBurnRateAlertResolved', 1, 60_000);
    expect(cleared?.payload).toMatchObject({ sloId, severity: 'page' });
    const id = String(incident?.id);
    await expect
      .poll(
        async () => {
          const res = await incidents.app.inject({
            method: 'GET',
            url: `/v1/incidents/${id}/events?limit=50`,
            headers: user,
          });
          return res.json<{ items: { type: string }[] }>().items.map((l) => l.type);
        },
        { timeout: 60_000, interval: 200 },
      )
      .toEqual(['opened', 'alert_resolved']);
    expect(await incidentsOfSlo(sloId)).toHaveLength(1);
    expect(sloTopic.invalid()).toEqual([]);

    // The receiver the SLO names got the page and then its resolution, signed.
    const messages = () =>
      hooked.map(
        (h) => JSON.parse(h.body) as { status: string; alerts: Record<string, unknown>[] },
      );
    await expect
      .poll(() => messages().map((m) => m.status), { timeout: 60_000, interval: 200 })
      .toEqual(['firing', 'resolved']);
    for (const h of hooked) {
      expect(() =>
        new Webhook(secret).verify(h.body, h.headers as Record<string, string>),
      ).not.toThrow();
    }
    const labels = {
      alertname: 'SloBurnRate',
      slo_id: sloId,
      severity: 'page',
      project: 'checkout',
    };
    expect(messages().map((m) => m.alerts[0])).toEqual([
      expect.objectContaining({ labels: expect.objectContaining(labels) as unknown }),
      expect.objectContaining({
        labels: expect.objectContaining(labels) as unknown,
        endsAt: cleared?.payload.resolvedAt,
      }),
    ]);
    const listed = await alerts.app.inject({
      method: 'GET',
      url: `/v1/notifications?sloId=${sloId}`,
      headers: user,
    });
    expect(listed.json<{ items: { status: string }[] }>().items.map((n) => n.status)).toEqual([
      'delivered',
      'delivered',
    ]);
  });
});
