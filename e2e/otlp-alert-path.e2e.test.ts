import { alertRuleConfigFrom, createAlertRuleService } from '@obs/alert-rule-service';
import { DEFAULT_ALERT_LATENESS_GRACE_MS } from '@obs/domain';
import { topicFor } from '@obs/event-envelope';
import { incidentService } from '@obs/incident-service';
import type { RunningService } from '@obs/service-kit';
import { bearer, startTestService, TestClock, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricService, type ListeningMetricService } from './fixtures/metric-service.js';
import { at, resourceAttributes, sdkMeter } from './fixtures/otel-metrics-sdk.js';

/**
 * The alert path of issue 11 end to end, over real HTTP, Kafka and Postgres, through public APIs
 * only: an application's OpenTelemetry SDK exports a latency histogram (OTLP/HTTP, cumulative)
 * to metric-aggregation-service → its 1m windows close on the event-time watermark →
 * MetricAggregated → alert-rule-service's rule on p95 fires → incident-service opens an incident.
 */
const tenant = `e2e-otlp-alert-${Date.now()}`;
const user = bearer(tenant, ['read', 'write']);
const METRIC = 'http.server.duration';
const MINUTE = 60_000;
// Five minutes of event time, ending well before the wall clock (the SDK's points are never
// "in the future" for the service); the service's clock sits a minute after the last one.
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
const minute = (n: number, second = 0) => T0 + n * MINUTE + second * 1_000;
const clock = new TestClock(minute(6));

let metrics: ListeningMetricService;
let alerts: RunningService;
let incidents: RunningService;
let alertTopic: TopicReader;

beforeAll(async () => {
  metrics = await startMetricService(clock);
  // Rules resolve their metric in this metric-aggregation-service's catalogue, with the
  // caller's token, as in production.
  alerts = await startTestService(
    createAlertRuleService({
      latenessGraceMs: DEFAULT_ALERT_LATENESS_GRACE_MS,
      metricServiceUrl: metrics.url,
      notify: alertRuleConfigFrom({}).notify,
    }),
  );
  incidents = await startTestService(incidentService);
  alertTopic = await TopicReader.open(alerts.ctx.bus, [topicFor('AlertTriggered')]);
});
afterAll(async () => {
  await alertTopic.close();
  await incidents.close();
  await alerts.close();
  await metrics.service.close();
});

const RULE = {
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
  // incident-service opens incidents only for rules with an incident action.
  actions: [{ type: 'incident', target: 'on-call-primary' }],
};

const createRule = () =>
  alerts.app.inject({ method: 'POST', url: '/v1/alert-rules', headers: user, payload: RULE });

describe('OTLP metrics from the OpenTelemetry SDK to an incident', () => {
  it('fires once on a p95 above the threshold and opens one incident', async () => {
    const sdk = sdkMeter({
      baseUrl: metrics.url,
      authorization: bearer(tenant, ['ingest']).authorization,
      resource: resourceAttributes(tenant),
    });
    const latency = sdk.meter.createHistogram(METRIC, {
      unit: 'ms',
      advice: { explicitBucketBoundaries: [100, 250, 500, 1000, 2500] },
    });
    /** One minute of requests: recorded in its first seconds, exported at its half. */
    const minuteOf = async (n: number, durations: readonly number[]) => {
      durations.forEach((ms, i) =>
        at(minute(n, 1 + i), () => latency.record(ms, { 'http.route': '/pay' })),
      );
      await sdk.exportAt(minute(n, 30));
    };

    // Before the first export the tenant's catalogue has no such metric: the rule is refused.
    const early = await createRule();
    expect(early.statusCode, early.body).toBe(422);
    expect(early.json()).toMatchObject({ code: 'alert_rule.metric_unresolvable' });

    await minuteOf(0, [80, 120, 140, 90]);
    const created = await createRule();
    expect(created.statusCode, created.body).toBe(201);
    const ruleId = created.json<{ id: string }>().id;

    // Three slow minutes (every request in (500, 1000] ms), then a fast one whose export moves
    // the tenant's watermark to 4m30s: minutes 0 to 3 are past their end plus the 15 s grace
    // (and the service's clock, at 6m, is past minute 4's end + grace + the 5 s idle close).
    for (const n of [1, 2, 3]) await minuteOf(n, [620, 780, 910, 700]);
    await minuteOf(4, [90, 110]);
    await sdk.shutdown();

    // The windows a chart shows: p95 per minute, the slow ones at the (500, 1000] midpoint.
    const series = await metrics.service.app.inject({
      method: 'GET',
      url: '/v1/metric-series',
      query: {
        metricName: METRIC,
        window: '1m',
        aggregation: 'p95',
        groupBy: 'service',
        from: new Date(minute(0)).toISOString(),
        to: new Date(minute(5)).toISOString(),
      },
      headers: user,
    });
    expect(series.statusCode, series.body).toBe(200);
    const [chart] = series.json<{ series: { points: { value: number; count: number }[] }[] }>()
      .series;
    expect(chart?.points.map((p) => p.count)).toEqual([4, 4, 4, 4, 2]);
    for (const p of chart!.points.slice(1, 4))
      expect(Math.abs(p.value - 750) / 750).toBeLessThan(0.01);

    // The close job publishes MetricAggregated; alert-rule-service evaluates the 1m windows.
    // (A run closes a bounded number of batches over all tenants, so it runs until ours fired.)
    await expect
      .poll(
        async () => {
          await metrics.closeWindows();
          return alertTopic.of(tenant, 'AlertTriggered').length;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(1);
    const [alert] = alertTopic.of(tenant, 'AlertTriggered');
    if (alert?.eventType !== 'AlertTriggered') throw new Error('unreachable');
    expect(alert.payload).toMatchObject({
      alertRuleId: ruleId,
      metric: METRIC,
      aggregation: 'p95',
      threshold: 500,
      forMinutes: 2,
      group: { service: 'payments-api' },
      // Pending at the end of minute 1, firing two minutes later, at the end of minute 3.
      activeAt: new Date(minute(2)).toISOString(),
      firedAt: new Date(minute(4)).toISOString(),
    });
    expect(Math.abs(alert.payload.observedValue - 750) / 750).toBeLessThan(0.01);

    let incidentId = '';
    await expect
      .poll(
        async () => {
          const res = await incidents.app.inject({
            method: 'GET',
            url: '/v1/incidents?source=alert',
            headers: user,
          });
          const items = res.json<{ items: { id: string }[] }>().items;
          incidentId = items[0]?.id ?? '';
          return items;
        },
        { timeout: 60_000, interval: 200 },
      )
      .toEqual([
        expect.objectContaining({
          status: 'open',
          source: 'alert',
          severity: 'critical',
          projectId: 'checkout',
        }),
      ]);
    expect(incidentId).not.toBe('');

    // The fast minute, closed by the clock (the idle close), ends the episode: no second alert,
    // still one incident, however far the clock moves.
    clock.advanceMinutes(10);
    await metrics.closeWindows();
    await expect
      .poll(
        async () => {
          const res = await alerts.app.inject({
            method: 'GET',
            url: `/v1/alert-rules/${ruleId}/state`,
            headers: user,
          });
          return res.json<{ groups: { status: string }[] }>().groups.map((g) => g.status);
        },
        { timeout: 60_000, interval: 200 },
      )
      .toEqual(['inactive']);
    expect(alertTopic.of(tenant, 'AlertTriggered')).toHaveLength(1);
    expect(alertTopic.invalid()).toEqual([]);
  });
});
