import { randomUUID } from 'node:crypto';
import { topicFor } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { TestClock, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GOOD_METRIC,
  TOTAL_METRIC,
  createSlo,
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
import { BURN_CLOCK_JOB } from '../jobs/burn-clock.job.js';

/*
 * Burn-rate alerts over real Kafka and PostgreSQL. The service clock is a TestClock in 2001, so
 * the burn clock job (run by hand) only ever finds the SLOs of this file: the other files'
 * SLOs are evaluated in 2024-2025, after any time this file's clock reaches.
 */
const T0 = Date.UTC(2001, 0, 1);
const MINUTE = 60_000;
const minute = (n: number) => T0 + n * MINUTE;
const iso = (n: number) => new Date(minute(n)).toISOString();
const clock = new TestClock(minute(-1));

let service: RunningService;
let probe: TopicReader;
beforeAll(async () => {
  service = await startSloService({ clock, runJobs: false });
  probe = await TopicReader.open(service.ctx.bus, [topicFor('SloBreached')]);
});
afterAll(async () => {
  await probe.close();
  await service.close();
});

const ratioWindows = (tenantId: string, n: number, good: number, total: number) => [
  metricWindow({ tenantId, metric: GOOD_METRIC, start: minute(n), sum: good }),
  metricWindow({ tenantId, metric: TOTAL_METRIC, start: minute(n), sum: total }),
];

async function until(
  tenantId: string,
  id: string,
  match: (status: StatusBody & { activeBurnAlerts: unknown[] }) => boolean,
): Promise<StatusBody & { activeBurnAlerts: { severity: string; rules: string[] }[] }> {
  const read = async () =>
    (await statusOf(service, tenantId, id)) as StatusBody & {
      activeBurnAlerts: { severity: string; rules: string[] }[];
    };
  await expect.poll(async () => match(await read()), { timeout: 30_000, interval: 100 }).toBe(true);
  return read();
}

/** Publishes minute n's windows the way the metric service does: at its end + 30 s. */
async function arrive(tenantId: string, sloId: string, n: number, good: number, total: number) {
  clock.nowMs = Math.max(clock.nowMs, minute(n + 1) + 30_000);
  await publish(service, ratioWindows(tenantId, n, good, total));
  await until(tenantId, sloId, (s) => s.lastEvaluatedAt === iso(n + 1));
}

async function runClock(atMs: number): Promise<void> {
  clock.nowMs = Math.max(clock.nowMs, atMs);
  expect(await service.jobs.get(BURN_CLOCK_JOB)?.runOnce()).toBe(true);
}

/**
 * The tenant's events of a type, one per eventId: delivery is at least once (a relay retry or a
 * rebalance may deliver an event twice), and consumers de-duplicate on the eventId.
 */
function distinct<T extends 'SloBurnRateAlertFired' | 'SloBurnRateAlertResolved'>(
  tenantId: string,
  type: T,
) {
  const seen = new Set<string>();
  return probe.of(tenantId, type).filter((e) => !seen.has(e.eventId) && seen.add(e.eventId));
}
const fired = (tenantId: string) => distinct(tenantId, 'SloBurnRateAlertFired');
const resolved = (tenantId: string) => distinct(tenantId, 'SloBurnRateAlertResolved');

describe('a steady 20× burn', () => {
  const tenant = uniqueTenant('slo-burn');
  let sloId = '';

  it('pages within the first five minutes of data, while SloBreached has not happened', async () => {
    sloId = (await createSlo(service, tenant, ratioBody({ target: 99.9, windowMinutes: 1_440 })))
      .id;
    // Ten minutes of clean traffic (a million events) that ended 90 minutes before the burn.
    await publish(
      service,
      [...Array(10).keys()].flatMap((n) => ratioWindows(tenant, n, 100_000, 100_000)),
    );
    await until(tenant, sloId, (s) => s.totalEvents === 1_000_000);
    // 2 % bad against a 0.1 % budget: 20× the sustainable rate, five minutes of it.
    for (let n = 100; n < 105; n += 1) await arrive(tenant, sloId, n, 980, 1_000);

    const status = await until(tenant, sloId, (s) => s.activeBurnAlerts.length > 0);
    expect(status.status).not.toBe('breached');
    expect(status.budgetRemaining).toBeGreaterThan(0.09);
    expect(status.activeBurnAlerts).toEqual([
      { severity: 'page', firedAt: iso(101), rules: ['page-1h-5m'] },
    ]);
    const [alert] = await probe.waitFor(tenant, 'SloBurnRateAlertFired');
    expect(alert).toMatchObject({
      producer: 'slo-service',
      tenantId: tenant,
      aggregate: { type: 'SloDefinition', id: sloId },
      occurredAt: iso(101),
      payload: {
        sloId,
        projectId: 'checkout',
        severity: 'page',
        target: 99.9,
        windowMinutes: 1_440,
        errorBudget: 0.1,
        rules: [
          {
            rule: 'page-1h-5m',
            longWindow: '1h',
            shortWindow: '5m',
            threshold: 14.4,
            longBurnRate: 20,
            shortBurnRate: 20,
          },
        ],
        dimensions: {},
        receivers: [],
        traceIds: [],
        firedAt: iso(101),
      },
    });
    expect(Date.parse(alert!.payload.firedAt)).toBeLessThanOrEqual(minute(105));
    expect(probe.messageOf(alert!.eventId)?.headers).toMatchObject({
      'event-type': 'SloBurnRateAlertFired',
      'tenant-id': tenant,
    });
    expect(fired(tenant)).toHaveLength(1);
    expect(probe.of(tenant, 'SloBreached')).toEqual([]);
  });

  it('clears with the wall clock once the metric goes silent, not before the short window empties', async () => {
    // (now − 2 min) = minute 106: the 5m window still holds four burning minutes.
    await runClock(minute(108));
    const still = await until(tenant, sloId, (s) => s.lastEvaluatedAt === iso(106));
    expect(still.activeBurnAlerts).toHaveLength(1);
    expect(resolved(tenant)).toEqual([]);

    // Minute 110: nothing ended in (105, 110]; the 1h window still burns, the page clears.
    await runClock(minute(112));
    const cleared = await until(tenant, sloId, (s) => s.lastEvaluatedAt === iso(110));
    expect(cleared.activeBurnAlerts).toEqual([]);
    expect(cleared.burnRates['1h']).toBeCloseTo(20, 10);
    const [end] = await probe.waitFor(tenant, 'SloBurnRateAlertResolved');
    expect(end).toMatchObject({
      occurredAt: iso(110),
      payload: {
        sloId,
        severity: 'page',
        firedAt: iso(101),
        resolvedAt: iso(110),
        rules: [{ rule: 'page-1h-5m', longBurnRate: 20, shortBurnRate: 0 }],
      },
    });
    // Another run in the same minute changes nothing.
    await runClock(minute(112) + 20_000);
    expect(resolved(tenant)).toHaveLength(1);
    expect(fired(tenant)).toHaveLength(1);
  });
});

describe('a burn whose good counter goes silent', () => {
  it('is counted once the pairing grace has passed, and pages from the clock', async () => {
    const tenant = uniqueTenant('slo-silent');
    const slo = await createSlo(service, tenant, ratioBody({ target: 99, windowMinutes: 60 }));
    const base = 300;
    for (let n = base; n < base + 10; n += 1) await arrive(tenant, slo.id, n, 100, 100);
    // Three minutes where nothing succeeds: the good counter exports nothing, only the total.
    clock.nowMs = minute(base + 13) + 30_000;
    await publish(
      service,
      [10, 11, 12].map((k) =>
        metricWindow({ tenantId: tenant, metric: TOTAL_METRIC, start: minute(base + k), sum: 100 }),
      ),
    );
    const waiting = await until(tenant, slo.id, (s) => s.lastEvaluatedAt === iso(base + 13));
    // Not counted yet: the good side may still be on its way.
    expect(waiting).toMatchObject({ totalEvents: 1_000, activeBurnAlerts: [] });

    // Two minutes later by the service clock the good side has not come: the minutes count
    // with no good events. 5m window (base+9, base+14]: 300 bad of 400 = 75 % → 75×.
    await runClock(minute(base + 16));
    const paging = await until(tenant, slo.id, (s) => s.activeBurnAlerts.length > 0);
    expect(paging).toMatchObject({ totalEvents: 1_300, badEvents: 300 });
    const [alert] = await probe.waitFor(tenant, 'SloBurnRateAlertFired');
    expect(alert?.payload).toMatchObject({ severity: 'page', firedAt: iso(base + 14) });
    expect(alert?.payload.rules.map((r) => r.rule)).toEqual(['page-1h-5m', 'page-6h-30m']);

    // A good side that does arrive late still adds to its minute.
    clock.nowMs = minute(base + 16) + 10_000;
    await publish(service, [
      metricWindow({ tenantId: tenant, metric: GOOD_METRIC, start: minute(base + 12), sum: 40 }),
      ...ratioWindows(tenant, base + 15, 100, 100),
    ]);
    // Two partitions: whichever is read first, both end at the same budget.
    await until(tenant, slo.id, (s) => s.lastEvaluatedAt === iso(base + 16) && s.badEvents === 260);
  });
});

describe('maintenance windows and settings', () => {
  it('fires no burn-rate alert in a maintenance window, and fires once it ends', async () => {
    const tenant = uniqueTenant('slo-burn-mw');
    const slo = await createSlo(service, tenant, ratioBody({ target: 99.9, windowMinutes: 1_440 }));
    const res = await service.app.inject({
      method: 'POST',
      url: `/v1/slos/${slo.id}/maintenance-windows`,
      headers: writer(tenant),
      payload: { start: iso(500), end: iso(530), reason: 'failover drill' },
    });
    expect(res.statusCode, res.body).toBe(200);
    await arrive(tenant, slo.id, 400, 100_000, 100_000);
    for (let n = 500; n < 505; n += 1) await arrive(tenant, slo.id, n, 0, 1_000);
    const during = await statusOf(service, tenant, slo.id);
    expect(during).toMatchObject({ totalEvents: 100_000, badEvents: 0 });
    expect(fired(tenant)).toEqual([]);

    await arrive(tenant, slo.id, 530, 980, 1_000);
    const [alert] = await probe.waitFor(tenant, 'SloBurnRateAlertFired');
    expect(alert?.payload).toMatchObject({ severity: 'page', firedAt: iso(531) });
  });

  it('fires nothing when the SLO turns its burn-rate alerts off, and names its receivers', async () => {
    const tenant = uniqueTenant('slo-burn-off');
    const receiver = randomUUID();
    const off = await createSlo(
      service,
      tenant,
      ratioBody({ target: 99.9, burnRateAlerts: { enabled: false } }),
    );
    expect(off).toMatchObject({ burnRateAlerts: { enabled: false, receivers: [] } });
    const on = await createSlo(
      service,
      tenant,
      ratioBody({ target: 99.9, burnRateAlerts: { receivers: [receiver, receiver] } }),
    );
    expect(on).toMatchObject({ burnRateAlerts: { enabled: true, receivers: [receiver] } });
    clock.nowMs = Math.max(clock.nowMs, minute(601) + 30_000);
    await publish(service, ratioWindows(tenant, 600, 900, 1_000));
    await until(tenant, on.id, (s) => s.lastEvaluatedAt === iso(601));
    await until(tenant, off.id, (s) => s.lastEvaluatedAt === iso(601));
    const [alert] = await probe.waitFor(tenant, 'SloBurnRateAlertFired');
    expect(alert?.payload).toMatchObject({ sloId: on.id, receivers: [receiver] });
    // One minute of data at 100×: every window burns, so the ticket (3d & 6h ≥ 1×) fires too,
    // in the same evaluation; the disabled SLO fires neither.
    expect(fired(tenant).map((e) => [e.payload.sloId, e.payload.severity])).toEqual([
      [on.id, 'page'],
      [on.id, 'ticket'],
    ]);
  });

  it('PUT replaces the settings, and a firing alert resolves when they are turned off', async () => {
    const tenant = uniqueTenant('slo-burn-put');
    const body = ratioBody({ target: 99.9 });
    const slo = await createSlo(service, tenant, body);
    clock.nowMs = Math.max(clock.nowMs, minute(701) + 30_000);
    await publish(service, ratioWindows(tenant, 700, 900, 1_000));
    await probe.waitFor(tenant, 'SloBurnRateAlertFired');
    const put = await service.app.inject({
      method: 'PUT',
      url: `/v1/slos/${slo.id}`,
      headers: writer(tenant),
      payload: { ...body, burnRateAlerts: { enabled: false } },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ burnRateAlerts: { enabled: false, receivers: [] } });
    const [end] = await probe.waitFor(tenant, 'SloBurnRateAlertResolved');
    expect(end?.payload).toMatchObject({ sloId: slo.id, resolvedAt: iso(701) });
    const status = await statusOf(service, tenant, slo.id);
    expect(status).toMatchObject({ activeBurnAlerts: [] });
  });

  it.each([
    ['a receiver that is not an id', { receivers: ['hook'] }, 'body.burnRateAlerts.receivers.0'],
    [
      'eleven receivers',
      { receivers: Array.from({ length: 11 }, () => randomUUID()) },
      'body.burnRateAlerts.receivers',
    ],
    ['an unknown field', { enabled: true, severity: 'page' }, 'body.burnRateAlerts.severity'],
    ['a non-boolean switch', { enabled: 'yes' }, 'body.burnRateAlerts.enabled'],
  ])('answers 400 naming the field for %s', async (_name, burnRateAlerts, field) => {
    const tenant = uniqueTenant('slo-burn-400');
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/slos',
      headers: writer(tenant),
      payload: ratioBody({ burnRateAlerts }),
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json<{ errors?: { field: string }[] }>();
    expect(problem.errors?.map((e) => e.field)).toContain(field);
    const list = await service.app.inject({
      method: 'GET',
      url: '/v1/slos',
      headers: reader(tenant),
    });
    expect(list.json<{ items: unknown[] }>().items).toEqual([]);
  });

  it("answers 404 for another tenant's SLO status, and never shows its alerts", async () => {
    const owner = uniqueTenant('slo-burn-owner');
    const slo = await createSlo(service, owner, ratioBody());
    const res = await service.app.inject({
      method: 'GET',
      url: `/v1/slos/${slo.id}/status`,
      headers: reader(uniqueTenant('slo-burn-other')),
    });
    expect(res.statusCode).toBe(404);
    const put = await service.app.inject({
      method: 'PUT',
      url: `/v1/slos/${slo.id}`,
      headers: writer(uniqueTenant('slo-burn-other')),
      payload: ratioBody({ burnRateAlerts: { enabled: false } }),
    });
    expect(put.statusCode).toBe(404);
    expect((await statusOf(service, owner, slo.id)).version).toBe(slo.version);
  });
});
