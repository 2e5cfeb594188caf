import { topicFor } from '@obs/event-envelope';
import { incidentService } from '@obs/incident-service';
import type { RunningService } from '@obs/service-kit';
import { bearer, startTestService, TestClock, TopicReader } from '@obs/service-kit/testing';
import { sloService } from '@obs/slo-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricService, type ListeningMetricService } from './fixtures/metric-service.js';
import { at, resourceAttributes, sdkMeter } from './fixtures/otel-metrics-sdk.js';

/**
 * The SLO path of issue 11 end to end, over real HTTP, Kafka and Postgres, through public APIs
 * only: an application's OpenTelemetry SDK counts requests and good requests (two cumulative
 * counters, OTLP/HTTP) → metric-aggregation-service turns them into deltas and closes 1m windows
 * on the event-time watermark → MetricAggregated → slo-service spends the error budget →
 * SloBreached (once) → incident-service opens one incident.
 */
const tenant = `e2e-slo-${Date.now()}`;
const user = bearer(tenant, ['read', 'write']);
const GOOD = 'checkout.requests.good';
const TOTAL = 'checkout.requests';
const MINUTE = 60_000;
// Event time well before the wall clock, so no point is "in the future" for the service; the
// service's clock sits after the last point, short of the idle timeout (five minutes here, the
// setting this test was written for: the windows close on the SDK's points, not on the clock).
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
const minute = (n: number, second = 0) => T0 + n * MINUTE + second * 1_000;
const clock = new TestClock(minute(8));

let metrics: ListeningMetricService;
let slos: RunningService;
let incidents: RunningService;
let sloTopic: TopicReader;

beforeAll(async () => {
  metrics = await startMetricService(clock, { idleCloseMs: 5 * MINUTE });
  slos = await startTestService(sloService);
  incidents = await startTestService(incidentService);
  sloTopic = await TopicReader.open(slos.ctx.bus, [topicFor('SloBreached')]);
});
afterAll(async () => {
  await sloTopic.close();
  await incidents.close();
  await slos.close();
  await metrics.service.close();
});

async function sloStatus(
  id: string,
): Promise<{ status: string; totalEvents: number; budgetRemaining: number }> {
  const res = await slos.app.inject({ method: 'GET', url: `/v1/slos/${id}/status`, headers: user });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Runs the metric close job until slo-service has counted `total` events. */
async function closeUntilCounted(sloId: string, total: number): Promise<void> {
  await expect
    .poll(
      async () => {
        await metrics.closeWindows();
        return (await sloStatus(sloId)).totalEvents;
      },
      { timeout: 60_000, interval: 300 },
    )
    .toBe(total);
}

describe('an SLO over a bad-ratio metric, fed by OTLP, to an incident', () => {
  it('spends the budget, publishes SloBreached once and opens one incident', async () => {
    const created = await slos.app.inject({
      method: 'POST',
      url: '/v1/slos',
      headers: user,
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

    const sdk = sdkMeter({
      baseUrl: metrics.url,
      authorization: bearer(tenant, ['ingest']).authorization,
      resource: resourceAttributes(tenant),
    });
    const requests = sdk.meter.createCounter(TOTAL, { unit: '{request}' });
    const goodRequests = sdk.meter.createCounter(GOOD, { unit: '{request}' });
    const route = { 'http.route': '/pay' };
    /** A minute of 1 000 requests, `good` of them good, exported (cumulative) at its half. */
    const minuteOf = async (n: number, good: number) => {
      at(minute(n, 5), () => requests.add(1_000, route));
      if (good > 0) at(minute(n, 5), () => goodRequests.add(good, route));
      await sdk.exportAt(minute(n, 30));
    };

    // Three clean minutes, then 2 % of the requests fail. Minute 3's export moves the watermark
    // to 3m30s: minutes 0 to 2 close (end plus the 30 s grace), minute 3 stays open.
    for (const n of [0, 1, 2]) await minuteOf(n, 1_000);
    await minuteOf(3, 980);
    await closeUntilCounted(sloId, 3_000);
    expect(await sloStatus(sloId)).toMatchObject({ status: 'healthy', budgetRemaining: 0.5 });

    // Minutes 3 and 4 close: 40 bad of 5 000 = 0.8 %, more than the 0.5 % budget.
    await minuteOf(4, 980);
    await minuteOf(5, 980);
    await closeUntilCounted(sloId, 5_000);
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
            headers: user,
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

    // Still breached with a worse minute: no second SloBreached, still one incident.
    await minuteOf(6, 900);
    await closeUntilCounted(sloId, 6_000);
    await sdk.shutdown();
    expect(await sloStatus(sloId)).toMatchObject({ status: 'breached' });
    expect(sloTopic.of(tenant, 'SloBreached')).toHaveLength(1);
    expect(sloTopic.invalid()).toEqual([]);
    const all = await incidents.app.inject({ method: 'GET', url: '/v1/incidents', headers: user });
    expect(all.json<{ items: unknown[] }>().items).toHaveLength(1);
  });
});
