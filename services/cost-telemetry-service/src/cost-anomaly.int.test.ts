import { topicFor } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TRACE_A,
  TRACE_B,
  TRACE_C,
  line,
  sendLines,
  signalAt,
  startCostService,
  uniqueTenant,
} from '../test/cost-test-kit.js';

let service: RunningService;
let probe: TopicReader;

beforeAll(async () => {
  service = await startCostService();
  probe = await TopicReader.open(service.ctx.bus, [topicFor('CostAnomalyDetected')]);
});
afterAll(async () => {
  await probe.close();
  await service.close();
});

const day = (n: number) => `2030-03-${String(n).padStart(2, '0')}T10:00:00Z`;

/** Seven days of 100 compute (the baseline median is 100), as lines with stable ids. */
const baseline = (prefix: string) =>
  Array.from({ length: 7 }, (_, i) =>
    line({ lineId: `${prefix}-base-${i + 1}`, amount: '100', occurredAt: day(i + 1) }),
  );

/** Day 8: 160 compute (+60 %, +60), in three traces of 100, 40 and 20. */
const spike = (prefix: string) => [
  line({ lineId: `${prefix}-c`, amount: '20', occurredAt: day(8), traceId: TRACE_C }),
  line({ lineId: `${prefix}-a`, amount: '100', occurredAt: day(8), traceId: TRACE_A }),
  line({ lineId: `${prefix}-b`, amount: '40', occurredAt: day(8), traceId: TRACE_B }),
];

/** Outbox rows of the tenant: what the relay publishes (or has published). */
async function outboxCount(tenantId: string): Promise<number> {
  const rows: { n: string }[] = await service.ctx.dataSource.query(
    `SELECT count(*)::text AS n FROM ${service.ctx.table('outbox')}
      WHERE (envelope::jsonb)->>'tenantId' = $1`,
    [tenantId],
  );
  return Number(rows[0]?.n);
}

describe('cost anomalies', () => {
  it('publishes CostAnomalyDetected on Kafka once the spike crosses both thresholds, with the largest traces first', async () => {
    const tenant = uniqueTenant('cost-anomaly');
    await sendLines(service, tenant, baseline('t'));
    // +40 % is below the 50 % threshold: no anomaly yet.
    await sendLines(service, tenant, [
      line({ lineId: 't-early', amount: '140', occurredAt: day(8), traceId: TRACE_B }),
    ]);
    expect((await signalAt(service, tenant, 'day', day(8)))?.anomalies).toEqual([]);
    await sendLines(service, tenant, [
      line({ lineId: 't-late', amount: '20', occurredAt: day(8), traceId: TRACE_A }),
    ]);
    const signal = await signalAt(service, tenant, 'day', day(8));
    expect(signal).toMatchObject({
      total: '160',
      version: 2,
      anomalies: [
        {
          category: 'compute',
          detectedAt: '2030-03-09T00:00:00.000Z',
          deltaPct: 60,
          baseline: '100',
          observed: '160',
          traceIds: [TRACE_B, TRACE_A],
        },
      ],
    });
    const [event] = await probe.waitFor(tenant, 'CostAnomalyDetected', 1);
    expect(event).toMatchObject({
      producer: 'cost-telemetry-service',
      traceId: TRACE_B,
      aggregate: { type: 'CostSignal', id: signal?.id, version: 2 },
      payload: {
        costSignalId: signal?.id,
        projectId: 'checkout',
        periodStart: '2030-03-08T00:00:00.000Z',
        periodEnd: '2030-03-09T00:00:00.000Z',
        currency: 'USD',
        category: 'compute',
        observed: 160,
        baseline: 100,
        deltaPct: 60,
        detectedAt: '2030-03-09T00:00:00.000Z',
        traceIds: [TRACE_B, TRACE_A],
      },
    });
    const message = probe.messageOf(event!.eventId);
    expect(message?.key).toBe(signal?.id);
    expect(message?.headers['event-type']).toBe('CostAnomalyDetected');
    expect(message?.headers['tenant-id']).toBe(tenant);
    // The month has no trailing months yet: no baseline, no month anomaly.
    expect((await signalAt(service, tenant, 'month', '2030-03-01'))?.anomalies).toEqual([]);
    expect(await outboxCount(tenant)).toBe(1);
  });

  it('recomputing the same lines stores the same signal and publishes nothing new', async () => {
    const tenant = uniqueTenant('cost-idem');
    await sendLines(service, tenant, [...baseline('i'), ...spike('i')]);
    const before = await signalAt(service, tenant, 'day', day(8));
    expect(before?.anomalies.map((a) => a.traceIds)).toEqual([[TRACE_A, TRACE_B, TRACE_C]]);
    expect(await outboxCount(tenant)).toBe(1);
    const again = await sendLines(service, tenant, [...spike('i'), ...baseline('i')]);
    expect(again).toMatchObject({ accepted: 0, duplicates: 10, signalIds: [] });
    expect(await signalAt(service, tenant, 'day', day(8))).toEqual(before);
    expect(await outboxCount(tenant)).toBe(1);
  });

  it('stores the same signal whatever order (and however late) the lines arrive in', async () => {
    const inOrder = uniqueTenant('cost-order');
    await sendLines(service, inOrder, [...baseline('o'), ...spike('o')]);
    const late = uniqueTenant('cost-order');
    // The spike first (no baseline yet: no anomaly), then the history, one day per batch, newest first.
    await sendLines(service, late, spike('o'));
    expect((await signalAt(service, late, 'day', day(8)))?.anomalies).toEqual([]);
    for (const history of baseline('o').reverse()) await sendLines(service, late, [history]);
    const strip = (s: Awaited<ReturnType<typeof signalAt>>) => {
      const { id: _id, tenantId: _t, version: _v, ...rest } = s!;
      return rest;
    };
    expect(strip(await signalAt(service, late, 'day', day(8)))).toEqual(
      strip(await signalAt(service, inOrder, 'day', day(8))),
    );
    expect(strip(await signalAt(service, late, 'month', '2030-03-01'))).toEqual(
      strip(await signalAt(service, inOrder, 'month', '2030-03-01')),
    );
    const events = await probe.waitFor(late, 'CostAnomalyDetected', 1);
    expect(events.map((e) => e.payload.category)).toEqual(['compute']);
    expect(await outboxCount(late)).toBe(1);
  });

  it('does not page for a small project: +200 % but less than the minimum amount', async () => {
    const tenant = uniqueTenant('cost-small');
    await sendLines(service, tenant, [
      ...Array.from({ length: 7 }, (_, i) => line({ amount: '1', occurredAt: day(i + 1) })),
      line({ amount: '3', occurredAt: day(8) }),
    ]);
    expect((await signalAt(service, tenant, 'day', day(8)))?.anomalies).toEqual([]);
    // The same rise on a larger project crosses 10 units: it pages.
    const large = uniqueTenant('cost-small');
    await sendLines(service, large, [
      ...Array.from({ length: 7 }, (_, i) => line({ amount: '10', occurredAt: day(i + 1) })),
      line({ amount: '30', occurredAt: day(8) }),
    ]);
    expect((await signalAt(service, large, 'day', day(8)))?.anomalies).toMatchObject([
      { category: 'compute', deltaPct: 200, baseline: '10', observed: '30', traceIds: [] },
    ]);
    expect(await outboxCount(tenant)).toBe(0);
  });

  it('flags a month against the median of the trailing months', async () => {
    const tenant = uniqueTenant('cost-month');
    const months = ['2029-12-15', '2030-01-15', '2030-02-15'].map((d, i) =>
      line({ category: 'storage', amount: ['300', '100', '200'][i], occurredAt: `${d}T00:00:00Z` }),
    );
    await sendLines(service, tenant, [
      ...months,
      line({ category: 'storage', amount: '350', occurredAt: '2030-03-02T00:00:00Z' }),
    ]);
    const march = await signalAt(service, tenant, 'month', '2030-03-01');
    expect(march?.anomalies).toMatchObject([
      { category: 'storage', baseline: '200', observed: '350', deltaPct: 75 },
    ]);
    const [event] = await probe.waitFor(tenant, 'CostAnomalyDetected', 1);
    expect(event?.payload).toMatchObject({
      periodStart: '2030-03-01T00:00:00.000Z',
      periodEnd: '2030-04-01T00:00:00.000Z',
      category: 'storage',
    });
    // The lines carried no trace: the anomaly names none.
    expect(event?.payload.traceIds).toEqual([]);
  });
});
