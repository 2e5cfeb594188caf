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
import { sloService } from '@obs/slo-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The SLO path of issue 11 end to end, over real Kafka and Postgres: an SLO over a request
 * counter and its good-request counter → 1m MetricAggregated windows with a rising bad ratio →
 * the error budget is spent → SloBreached (once) → incident-service opens one incident.
 *
 * The windows are published as metric-aggregation-service publishes them (the kit's event
 * builder, keyed like production), since that service is built in parallel; the SLO and the
 * incident are reached through their public REST APIs only.
 */
const tenant = `e2e-slo-${Date.now()}`;
const auth = bearer(tenant, ['read', 'write']);
const GOOD = 'checkout.requests.good';
const TOTAL = 'checkout.requests';

let slos: RunningService;
let incidents: RunningService;
let sloTopic: TopicReader;

beforeAll(async () => {
  slos = await startTestService(sloService);
  incidents = await startTestService(incidentService);
  sloTopic = await TopicReader.open(slos.ctx.bus, [topicFor('SloBreached')]);
});
afterAll(async () => {
  await sloTopic.close();
  await incidents.close();
  await slos.close();
});

function window(metric: string, start: number, sum: number) {
  const group = { service: 'payments-api' };
  const seriesId = `${metric}|1m|service=payments-api`;
  return busMessageOf(
    buildEvent('MetricAggregated', {
      tenantId: tenant,
      traceId: null,
      aggregateId: `${seriesId}|${start}`,
      aggregateVersion: 1,
      occurredAt: new Date(start + 90_000).toISOString(),
      payload: {
        seriesId,
        metricName: metric,
        unit: '{request}',
        window: '1m',
        windowStart: new Date(start).toISOString(),
        windowEnd: new Date(start + 60_000).toISOString(),
        groupKey: 'service=payments-api',
        group,
        projectId: 'checkout',
        // A counter's window: sum is the requests in the minute (one data point per export).
        values: { count: 6, sum, avg: sum / 6, p50: sum / 6, p95: sum / 6, p99: sum / 6 },
      },
    }),
  );
}

async function sloStatus(
  id: string,
): Promise<{ status: string; totalEvents: number; budgetRemaining: number }> {
  const res = await slos.app.inject({ method: 'GET', url: `/v1/slos/${id}/status`, headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('an SLO over a bad-ratio metric to an incident', () => {
  it('spends the budget, publishes SloBreached once and opens one incident', async () => {
    const created = await slos.app.inject({
      method: 'POST',
      url: '/v1/slos',
      headers: auth,
      payload: {
        name: 'Checkout availability',
        projectId: 'checkout',
        target: 99.5,
        windowMinutes: 60,
        sli: { kind: 'ratio', goodMetric: GOOD, totalMetric: TOTAL },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const sloId = created.json<{ id: string }>().id;

    const first = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
    const minute = (n: number) => first + n * 60_000;
    // Three clean minutes, then 2 % of the requests fail.
    const goodPerMinute = [1_000, 1_000, 1_000, 980, 980, 980];
    const messages = goodPerMinute.flatMap((good, n) => [
      window(GOOD, minute(n), good),
      window(TOTAL, minute(n), 1_000),
    ]);
    await slos.ctx.bus.publish(messages.slice(0, 6));
    await expect
      .poll(async () => (await sloStatus(sloId)).totalEvents, { timeout: 60_000, interval: 200 })
      .toBe(3_000);
    expect(await sloStatus(sloId)).toMatchObject({ status: 'healthy', budgetRemaining: 0.5 });

    await slos.ctx.bus.publish(messages.slice(6));
    // After minute 3: 20 bad of 4 000 = 0.5 %, the whole budget.
    await expect
      .poll(async () => (await sloStatus(sloId)).totalEvents, { timeout: 60_000, interval: 200 })
      .toBe(6_000);
    expect(await sloStatus(sloId)).toMatchObject({ status: 'breached', budgetRemaining: 0 });

    const [breach] = await sloTopic.waitFor(tenant, 'SloBreached', 1, 60_000);
    expect(breach!.payload).toMatchObject({
      sloId,
      projectId: 'checkout',
      name: 'Checkout availability',
      target: 99.5,
      errorBudget: 0.5,
      budgetRemaining: 0,
    });
    expect(breach!.payload.badPct).toBeGreaterThanOrEqual(0.5);

    let incident: Record<string, unknown> | undefined;
    await expect
      .poll(
        async () => {
          const res = await incidents.app.inject({
            method: 'GET',
            url: '/v1/incidents?source=slo',
            headers: auth,
          });
          incident = res.json<{ items: Record<string, unknown>[] }>().items[0];
          return incident?.sourceRef;
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe(sloId);
    expect(incident).toMatchObject({
      tenantId: tenant,
      source: 'slo',
      sourceRef: sloId,
      projectId: 'checkout',
      title: 'SLO breached: Checkout availability',
      severity: 'critical',
      status: 'open',
      openedAt: breach!.payload.breachedAt,
    });

    // Still breached with more bad minutes: no second SloBreached, still one incident.
    await slos.ctx.bus.publish([window(GOOD, minute(6), 900), window(TOTAL, minute(6), 1_000)]);
    await expect
      .poll(async () => (await sloStatus(sloId)).totalEvents, { timeout: 60_000, interval: 200 })
      .toBe(7_000);
    expect(sloTopic.of(tenant, 'SloBreached')).toHaveLength(1);
    expect(sloTopic.invalid()).toEqual([]);
    const all = await incidents.app.inject({ method: 'GET', url: '/v1/incidents', headers: auth });
    expect(all.json<{ items: unknown[] }>().items).toHaveLength(1);
  });
});
