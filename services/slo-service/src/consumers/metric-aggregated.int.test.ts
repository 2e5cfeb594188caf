import { topicFor } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GOOD_METRIC,
  LATENCY_METRIC,
  TOTAL_METRIC,
  createSlo,
  latencyBody,
  metricWindow,
  publish,
  ratioBody,
  reader,
  startSloService,
  statusOf,
  uniqueTenant,
  writer,
  type StatusBody,
} from '../../test/slo-test-kit.js';

let service: RunningService;
let probe: TopicReader;
beforeAll(async () => {
  service = await startSloService();
  probe = await TopicReader.open(service.ctx.bus, [topicFor('SloBreached')]);
});
afterAll(async () => {
  await probe.close();
  await service.close();
});

const T0 = Date.UTC(2025, 0, 1, 0, 0);
const minute = (n: number) => T0 + n * 60_000;
const iso = (n: number) => new Date(minute(n)).toISOString();

/** Good and total windows of minute n for a ratio SLO. */
const ratioWindows = (tenantId: string, n: number, good: number, total: number, extra = {}) => [
  metricWindow({ tenantId, metric: GOOD_METRIC, start: minute(n), sum: good, ...extra }),
  metricWindow({ tenantId, metric: TOTAL_METRIC, start: minute(n), sum: total, ...extra }),
];

async function until(
  tenantId: string,
  id: string,
  match: (status: StatusBody) => boolean,
): Promise<StatusBody> {
  await expect
    .poll(async () => match(await statusOf(service, tenantId, id)), {
      timeout: 30_000,
      interval: 100,
    })
    .toBe(true);
  return statusOf(service, tenantId, id);
}

describe('a ratio SLO counting MetricAggregated windows', () => {
  const tenant = uniqueTenant('slo-ratio');
  let sloId = '';

  it('stays healthy with its whole budget while every event is good', async () => {
    sloId = (await createSlo(service, tenant, ratioBody({ target: 99, windowMinutes: 60 }))).id;
    const windows = [...Array(10).keys()].flatMap((n) => ratioWindows(tenant, n, 100, 100));
    await publish(service, windows);
    const status = await until(tenant, sloId, (s) => s.totalEvents === 1_000);
    expect(status).toMatchObject({
      status: 'healthy',
      errorBudget: 1,
      budgetRemaining: 1,
      budgetRemainingPct: 100,
      badEvents: 0,
      burnRate: 0,
      burnRates: { '5m': 0, '30m': 0, '1h': 0, '6h': 0 },
      firingAlerts: [],
      lastEvaluatedAt: iso(10),
    });
  });

  it('is at risk once less than a quarter of the budget remains (hand-computed)', async () => {
    await publish(service, ratioWindows(tenant, 10, 90, 100));
    const status = await until(tenant, sloId, (s) => s.totalEvents === 1_100);
    // 10 bad of 1 100 = 0.909 %; budget 1 % → 0.0909 left (9 %); burn 0.909×; 5m: 10 of 500 = 2×.
    expect(status.status).toBe('at-risk');
    expect(status.badEvents).toBe(10);
    expect(status.badPct).toBeCloseTo(0.909_090_9, 6);
    expect(status.budgetRemaining).toBeCloseTo(0.090_909_1, 6);
    expect(status.burnRate).toBeCloseTo(0.909_090_9, 6);
    expect(status.burnRates['5m']).toBeCloseTo(2, 10);
    expect(status.burnRates['30m']).toBeCloseTo(0.909_090_9, 6);
    expect(status.firingAlerts).toEqual([]);
    expect(probe.of(tenant, 'SloBreached')).toEqual([]);
  });

  it('breaches when the bad share uses the whole budget and emits SloBreached once', async () => {
    await publish(service, ratioWindows(tenant, 11, 95, 100));
    const status = await until(tenant, sloId, (s) => s.totalEvents === 1_200);
    // 15 bad of 1 200 = 1.25 % ≥ 1 %.
    expect(status).toMatchObject({ status: 'breached', budgetRemaining: 0, badEvents: 15 });
    const [breach] = await probe.waitFor(tenant, 'SloBreached');
    expect(breach).toMatchObject({
      producer: 'slo-service',
      tenantId: tenant,
      aggregate: { type: 'SloDefinition', id: sloId },
      occurredAt: iso(12),
      payload: {
        sloId,
        projectId: 'checkout',
        target: 99,
        windowMinutes: 60,
        errorBudget: 1,
        budgetRemaining: 0,
        badPct: 1.25,
        breachedAt: iso(12),
      },
    });
    expect(probe.messageOf(breach!.eventId)?.headers).toMatchObject({
      'event-type': 'SloBreached',
      'tenant-id': tenant,
    });

    await publish(service, ratioWindows(tenant, 12, 100, 100));
    await until(tenant, sloId, (s) => s.totalEvents === 1_300 && s.status === 'breached');
    expect(probe.of(tenant, 'SloBreached')).toHaveLength(1);
  });

  it('counts a window delivered twice, or revised, once', async () => {
    const [good, total] = ratioWindows(tenant, 13, 100, 100);
    await publish(service, [good!, good!, total!]);
    const revised = metricWindow({
      tenantId: tenant,
      metric: TOTAL_METRIC,
      start: minute(13),
      sum: 100,
    });
    expect(revised.eventId).not.toBe(total!.eventId);
    await publish(service, [revised]);
    // A marker window after them on the same series keys (so the same partitions).
    await publish(service, ratioWindows(tenant, 14, 100, 100));
    const status = await until(tenant, sloId, (s) => s.lastEvaluatedAt === iso(15));
    await until(tenant, sloId, (s) => s.totalEvents === 1_500);
    expect(status.badEvents).toBe(15);
  });

  it('recovers as bad windows leave the rolling window, and a new breach emits again', async () => {
    // Minutes 15..74 all good: at 75 the window (15, 75] holds none of the bad minutes.
    const windows = [...Array(60).keys()].flatMap((i) => ratioWindows(tenant, 15 + i, 100, 100));
    await publish(service, windows);
    const healed = await until(
      tenant,
      sloId,
      (s) => s.lastEvaluatedAt === iso(75) && s.totalEvents === 6_000,
    );
    expect(healed).toMatchObject({ status: 'healthy', badEvents: 0, budgetRemaining: 1 });
    await publish(service, ratioWindows(tenant, 75, 0, 100));
    await until(tenant, sloId, (s) => s.status === 'breached');
    const breaches = await probe.waitFor(tenant, 'SloBreached', 2);
    expect(breaches.map((b) => b.payload.breachedAt)).toEqual([iso(12), iso(76)]);
    const burn = await service.app.inject({
      method: 'GET',
      url: `/v1/slos/${sloId}/burn-events?limit=2`,
      headers: reader(tenant),
    });
    const page = burn.json<{
      items: { timestamp: string; burnedPct: number }[];
      nextCursor: string;
    }>();
    // One point per 5-minute bucket: 01:16 replaced 01:15 (same bucket); 01:14 closed the last.
    expect(page.items).toEqual([
      { timestamp: iso(76), burnedPct: 100 },
      { timestamp: iso(74), burnedPct: 0 },
    ]);
    const next = await service.app.inject({
      method: 'GET',
      url: `/v1/slos/${sloId}/burn-events?limit=500&cursor=${page.nextCursor}`,
      headers: reader(tenant),
    });
    const rest = next.json<{ items: { timestamp: string }[]; nextCursor: string | null }>();
    expect(rest.nextCursor).toBeNull();
    expect(rest.items[0]!.timestamp < iso(74)).toBe(true);
  });
});

describe('which windows count', () => {
  it('ignores other tenants, other projects, other window sizes, filtered-out groups and a lone side', async () => {
    const tenant = uniqueTenant('slo-scope');
    const slo = await createSlo(
      service,
      tenant,
      ratioBody({
        target: 99,
        sli: {
          kind: 'ratio',
          goodMetric: GOOD_METRIC,
          totalMetric: TOTAL_METRIC,
          filter: { service: 'payments-api' },
        },
      }),
    );
    await publish(service, [
      ...ratioWindows(uniqueTenant('slo-someone-else'), 0, 0, 100),
      ...ratioWindows(tenant, 0, 0, 100, { projectId: 'cart' }),
      ...ratioWindows(tenant, 0, 0, 100, { window: '5m' }),
      ...ratioWindows(tenant, 0, 0, 100, { group: { service: 'cart-api' } }),
      ...ratioWindows(tenant, 2, 50, 50),
      // Only the total side of minute 3, the latest: not counted until its good side arrives.
      metricWindow({ tenantId: tenant, metric: TOTAL_METRIC, start: minute(3), sum: 100 }),
    ]);
    const status = await until(
      tenant,
      slo.id,
      (s) => s.lastEvaluatedAt === iso(4) && s.totalEvents === 50,
    );
    expect(status).toMatchObject({ badEvents: 0, status: 'healthy' });
    await publish(service, [
      metricWindow({ tenantId: tenant, metric: GOOD_METRIC, start: minute(3), sum: 100 }),
    ]);
    const completed = await until(tenant, slo.id, (s) => s.totalEvents === 150);
    // None of the all-bad windows above ever counted.
    expect(completed).toMatchObject({ badEvents: 0, status: 'healthy' });
  });

  it('counts a total window without a good side as all bad once the good metric moved past it', async () => {
    const tenant = uniqueTenant('slo-no-good');
    const slo = await createSlo(service, tenant, ratioBody({ target: 99 }));
    // Minute 0: every request failed, so the good counter exported nothing for it; minute 1's
    // good side is merely late.
    await publish(service, [
      metricWindow({ tenantId: tenant, metric: TOTAL_METRIC, start: minute(0), sum: 100 }),
      metricWindow({ tenantId: tenant, metric: TOTAL_METRIC, start: minute(1), sum: 100 }),
    ]);
    const waiting = await until(tenant, slo.id, (s) => s.lastEvaluatedAt === iso(2));
    expect(waiting).toMatchObject({ totalEvents: 0, status: 'healthy' });
    await publish(service, [
      metricWindow({ tenantId: tenant, metric: GOOD_METRIC, start: minute(1), sum: 100 }),
    ]);
    // The good series reached minute 1: minute 0 had no good events (100 bad of 200).
    const counted = await until(tenant, slo.id, (s) => s.totalEvents === 200);
    expect(counted).toMatchObject({ badEvents: 100, status: 'breached' });
  });

  it('evaluates a late window at the last evaluation time, never rolling back', async () => {
    const tenant = uniqueTenant('slo-late');
    const slo = await createSlo(service, tenant, ratioBody({ target: 90 }));
    await publish(service, ratioWindows(tenant, 5, 100, 100));
    await until(tenant, slo.id, (s) => s.totalEvents === 100);
    await publish(service, ratioWindows(tenant, 3, 80, 100));
    const status = await until(tenant, slo.id, (s) => s.totalEvents === 200);
    expect(status).toMatchObject({ lastEvaluatedAt: iso(6), badEvents: 20, status: 'breached' });
  });
});

describe('a latency SLO', () => {
  it('counts a window whose p95 is above the threshold as all bad', async () => {
    const tenant = uniqueTenant('slo-lat');
    const slo = await createSlo(service, tenant, latencyBody({ target: 90 }));
    const w = (n: number, count: number, p95: number) =>
      metricWindow({
        tenantId: tenant,
        metric: LATENCY_METRIC,
        start: minute(n),
        count,
        sum: count * 50,
        p95,
      });
    await publish(service, [w(0, 100, 120), w(1, 100, 300), w(2, 100, 280)]);
    const healthy = await until(tenant, slo.id, (s) => s.totalEvents === 300);
    expect(healthy).toMatchObject({ status: 'healthy', badEvents: 0 });
    await publish(service, [w(3, 50, 301)]);
    // 50 bad of 350 = 14.29 % ≥ 10 %.
    const breached = await until(tenant, slo.id, (s) => s.totalEvents === 350);
    expect(breached).toMatchObject({ status: 'breached', badEvents: 50 });
    expect(breached.badPct).toBeCloseTo(14.285_714, 5);
    expect(await probe.waitFor(tenant, 'SloBreached')).toHaveLength(1);
  });
});

describe('maintenance windows and redefinition', () => {
  it('leaves a maintenance window out of the budget at once, and later windows too', async () => {
    const tenant = uniqueTenant('slo-maint');
    const slo = await createSlo(service, tenant, ratioBody({ target: 99 }));
    await publish(service, [
      ...ratioWindows(tenant, 0, 100, 100),
      ...ratioWindows(tenant, 1, 50, 100),
    ]);
    const breached = await until(tenant, slo.id, (s) => s.totalEvents === 200);
    expect(breached.status).toBe('breached');
    const res = await service.app.inject({
      method: 'POST',
      url: `/v1/slos/${slo.id}/maintenance-windows`,
      headers: writer(tenant),
      payload: { start: iso(1), end: iso(3), reason: 'failover drill' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'healthy', budgetRemaining: 1 });
    expect(await statusOf(service, tenant, slo.id)).toMatchObject({
      totalEvents: 100,
      badEvents: 0,
      lastEvaluatedAt: iso(2),
    });
    // Minute 2 lies in the window too; minute 3 counts.
    await publish(service, [
      ...ratioWindows(tenant, 2, 0, 100),
      ...ratioWindows(tenant, 3, 100, 100),
    ]);
    // Minute 3's two sides may arrive in either order: wait for both.
    const after = await until(
      tenant,
      slo.id,
      (s) => s.lastEvaluatedAt === iso(4) && s.totalEvents === 200,
    );
    expect(after).toMatchObject({ badEvents: 0, status: 'healthy' });
  });

  it('re-evaluates under a new target at once; a new indicator starts from no windows', async () => {
    const tenant = uniqueTenant('slo-redefine');
    const slo = await createSlo(service, tenant, ratioBody({ target: 99 }));
    await publish(service, ratioWindows(tenant, 0, 98, 100));
    await until(tenant, slo.id, (s) => s.status === 'breached');
    const looser = await service.app.inject({
      method: 'PUT',
      url: `/v1/slos/${slo.id}`,
      headers: writer(tenant),
      payload: ratioBody({ name: slo.name, target: 95 }),
    });
    expect(looser.statusCode, looser.body).toBe(200);
    // 2 % bad of a 5 % budget: 3 % left.
    expect(looser.json()).toMatchObject({ status: 'healthy', errorBudget: 5, budgetRemaining: 3 });
    const other = await service.app.inject({
      method: 'PUT',
      url: `/v1/slos/${slo.id}`,
      headers: writer(tenant),
      payload: ratioBody({
        name: slo.name,
        target: 95,
        sli: { kind: 'ratio', goodMetric: 'other.good', totalMetric: 'other.total' },
      }),
    });
    expect(other.statusCode, other.body).toBe(200);
    expect(await statusOf(service, tenant, slo.id)).toMatchObject({
      totalEvents: 0,
      budgetRemaining: 5,
      status: 'healthy',
    });
    expect(probe.of(tenant, 'SloBreached')).toHaveLength(1);
  });
});
