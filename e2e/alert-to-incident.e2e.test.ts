import { alertRuleService } from '@obs/alert-rule-service';
import { topicFor } from '@obs/event-envelope';
import { incidentService } from '@obs/incident-service';
import type { RunningService } from '@obs/service-kit';
import {
  bearer,
  metricWindowMessages,
  startTestService,
  TopicReader,
} from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The loop of issue 4 end to end, over real Kafka and Postgres: metric windows → AlertTriggered →
 * an incident → its lifecycle → IncidentResolved, with the trace and tenant carried throughout.
 */
const tenant = `e2e-${Date.now()}`;
const auth = bearer(tenant, ['read', 'write']);
const traceId = '0af7651916cd43dd8448eb211c80319c';
const metricName = 'http.server.duration';

let alerts: RunningService;
let incidents: RunningService;
let alertTopic: TopicReader;
let incidentTopic: TopicReader;

beforeAll(async () => {
  alerts = await startTestService(alertRuleService);
  incidents = await startTestService(incidentService);
  // Both services run on the Kafka bus of the global setup; the readers read through it too.
  alertTopic = await TopicReader.open(alerts.ctx.bus, [topicFor('AlertTriggered')]);
  incidentTopic = await TopicReader.open(incidents.ctx.bus, [topicFor('IncidentOpened')]);
});
afterAll(async () => {
  await alertTopic.close();
  await incidentTopic.close();
  await incidents.close();
  await alerts.close();
});

describe('metric windows to a resolved incident', () => {
  it('fires once, opens one incident, and resolves it with the trace and tenant intact', async () => {
    const firstWindowStart = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
    const spec = {
      tenantId: tenant,
      metric: metricName,
      projectId: 'checkout',
      group: { service: 'payments-api' },
      firstWindowStart,
      traceId,
    };
    // A quiet window first, so the series exists before the rule evaluates it.
    await alerts.ctx.bus.publish(metricWindowMessages(spec, [120]));
    const ruleBody = {
      name: 'checkout latency',
      scope: { projectId: 'checkout' },
      condition: {
        metric: metricName,
        aggregation: 'p95',
        groupBy: ['service'],
        operator: 'gt',
        threshold: 500,
        forMinutes: 3,
      },
      severity: 'critical',
      // incident-service opens incidents only for rules with an incident action.
      actions: [{ type: 'incident', target: 'on-call-primary' }],
    };
    let ruleId = '';
    await expect
      .poll(
        async () => {
          const res = await alerts.app.inject({
            method: 'POST',
            // Written before metric-aggregation-service has seen the metric (this test feeds
            // windows to Kafka directly), which is what ?allowUnresolved=true is for.
            url: '/v1/alert-rules?allowUnresolved=true',
            headers: auth,
            payload: ruleBody,
          });
          if (res.statusCode === 201) ruleId = res.json<{ id: string }>().id;
          return res.statusCode;
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(201);

    // Four consecutive 1-minute windows above the threshold, after the quiet one.
    const breaching = metricWindowMessages(
      { ...spec, firstWindowStart: firstWindowStart + 60_000 },
      [700, 720, 810, 690],
    );
    await alerts.ctx.bus.publish(breaching);

    await expect
      .poll(() => alertTopic.of(tenant, 'AlertTriggered')[0], {
        timeout: 60_000,
        interval: 100,
      })
      .toBeDefined();
    const triggered = alertTopic.of(tenant, 'AlertTriggered');
    expect(triggered).toHaveLength(1);
    expect(alertTopic.invalid()).toEqual([]);
    const alert = triggered[0]!;
    expect(alert.traceId).toBe(traceId);
    if (alert.eventType !== 'AlertTriggered') throw new Error('unreachable');
    expect(alert.payload).toMatchObject({
      alertRuleId: ruleId,
      severity: 'critical',
      metric: metricName,
      threshold: 500,
      forMinutes: 3,
    });

    let incidentId = '';
    await expect
      .poll(
        async () => {
          const res = await incidents.app.inject({
            method: 'GET',
            url: '/v1/incidents?source=alert',
            headers: auth,
          });
          const items = res.json<{
            items: {
              id: string;
              status: string;
              source: string;
              severity: string;
              traceId: string | null;
            }[];
          }>().items;
          incidentId = items[0]?.id ?? '';
          return items;
        },
        { timeout: 60_000, interval: 200 },
      )
      .toEqual([
        expect.objectContaining({ status: 'open', source: 'alert', severity: 'critical', traceId }),
      ]);

    for (const verb of ['acknowledge', 'investigate', 'mitigate']) {
      const res = await incidents.app.inject({
        method: 'POST',
        url: `/v1/incidents/${incidentId}/${verb}`,
        headers: auth,
        payload: { actor: 'oncall@acme', note: verb },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const resolved = await incidents.app.inject({
      method: 'POST',
      url: `/v1/incidents/${incidentId}/resolve`,
      headers: auth,
      payload: { actor: 'oncall@acme', rootCause: 'connection pool exhausted after deploy 1.14.2' },
    });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json()).toMatchObject({
      status: 'resolved',
      rootCause: 'connection pool exhausted after deploy 1.14.2',
    });

    await expect
      .poll(() => incidentTopic.of(tenant, 'IncidentResolved')[0], {
        timeout: 60_000,
        interval: 100,
      })
      .toBeDefined();
    const resolvedEvent = incidentTopic.of(tenant, 'IncidentResolved')[0]!;
    expect(resolvedEvent.tenantId).toBe(tenant);
    expect(resolvedEvent.traceId).toBe(traceId);
    expect(resolvedEvent.aggregate.id).toBe(incidentId);
    expect(incidentTopic.of(tenant, 'IncidentOpened')).toHaveLength(1);
    expect(incidentTopic.invalid()).toEqual([]);
  });
});
