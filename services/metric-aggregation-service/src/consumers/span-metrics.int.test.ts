import { randomUUID } from 'node:crypto';
import { getEvent, type Envelope, type PayloadOf } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { buildEvent, busMessageOf } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIMENSIONS,
  reader,
  seriesOf,
  startMetricService,
  uniqueTenant,
} from '../../test/metric-test-kit.js';

/**
 * SpanMetricsRecorded over real Kafka into ordinary series: read back through GET /v1/metric-series
 * and the Prometheus API; a redelivered event (same eventId) counts once.
 */
type Payload = PayloadOf<'SpanMetricsRecorded'>;
type Series = Payload['series'][number];
const BOUNDS = getEvent('SpanMetricsRecorded', 1).example.payload as Payload;
const MINUTE = 60_000;
const AT = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE + 5_000;

let service: RunningService;

beforeAll(async () => {
  service = await startMetricService();
}, 180_000);
afterAll(async () => {
  await service.close();
});

const publish = (envelope: Envelope) => service.ctx.bus.publish([busMessageOf(envelope)]);

function series(
  tenant: string,
  spanName: string,
  statusCode: Series['statusCode'],
  durations: number[],
): Series {
  const bucketCounts = new Array<number>(BOUNDS.durationBoundsMs.length + 1).fill(0);
  for (const d of durations) {
    const i = BOUNDS.durationBoundsMs.findIndex((b) => d <= b);
    const at = i === -1 ? BOUNDS.durationBoundsMs.length : i;
    bucketCounts[at] = (bucketCounts[at] as number) + 1;
  }
  return {
    dimensions: { ...DIMENSIONS, tenantId: tenant, service: 'gateway' },
    spanName,
    spanKind: 'SPAN_KIND_SERVER',
    statusCode,
    calls: durations.length,
    durationSumMs: durations.reduce((a, b) => a + b, 0),
    durationMinMs: Math.min(...durations),
    durationMaxMs: Math.max(...durations),
    bucketCounts,
  };
}

function event(tenant: string, at: number, list: Series[]): Envelope<'SpanMetricsRecorded'> {
  return buildEvent('SpanMetricsRecorded', {
    tenantId: tenant,
    aggregateId: randomUUID(),
    occurredAt: new Date(at).toISOString(),
    payload: {
      observedAt: new Date(at).toISOString(),
      part: 1,
      spanCount: list.reduce((sum, s) => sum + s.calls, 0),
      durationBoundsMs: BOUNDS.durationBoundsMs,
      series: list,
    },
  });
}

async function promQuery(tenant: string, query: string, time: number) {
  const res = await service.app.inject({
    method: 'GET',
    url: '/prometheus/api/v1/query',
    query: { query, time: String(time / 1000) },
    headers: reader(tenant),
  });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<{
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  }>();
  return Object.fromEntries(
    body.data.result.map((r) => [r.metric.status_code ?? '', Number(r.value[1])]),
  );
}

const range = {
  from: new Date(AT - 10 * MINUTE).toISOString(),
  to: new Date(AT + 10 * MINUTE).toISOString(),
};

describe('SpanMetricsRecorded → traces.service.calls and traces.service.duration', () => {
  it('writes calls, errors and durations as ordinary series; a redelivery counts once', async () => {
    const tenant = uniqueTenant('red');
    const first = event(tenant, AT, [
      series(tenant, 'GET /cart', 'STATUS_CODE_OK', [5, 30, 120]),
      series(tenant, 'GET /cart', 'STATUS_CODE_ERROR', [2_500]),
    ]);
    const second = event(tenant, AT + 20_000, [series(tenant, 'GET /cart', 'STATUS_CODE_OK', [8])]);
    // The first event twice (a redelivery: same eventId), then the second.
    await publish(first);
    await publish(first);
    await publish(second);

    const callsBy = async (): Promise<Record<string, number>> => {
      const body = await seriesOf(service, tenant, {
        metricName: 'traces.service.calls',
        aggregation: 'sum',
        groupBy: 'status.code',
        ...range,
      });
      return Object.fromEntries(
        body.series.map((s): [string, number] => [
          s.group['status.code'] ?? '',
          s.points.reduce((sum, p) => sum + p.value, 0),
        ]),
      );
    };
    await expect
      .poll(callsBy, { timeout: 60_000, interval: 200 })
      .toEqual({ STATUS_CODE_OK: 4, STATUS_CODE_ERROR: 1 });
    const runner = service.consumers.find((c) => c.name === 'span-metrics');
    await expect
      .poll(() => runner?.stats.duplicates, { timeout: 30_000 })
      .toBeGreaterThanOrEqual(1);

    const duration = await seriesOf(service, tenant, {
      metricName: 'traces.service.duration',
      aggregation: 'count',
      groupBy: 'span.name,status.code',
      ...range,
    });
    expect(
      duration.series
        .map((s) => [s.group['status.code'], s.points.reduce((n, p) => n + p.value, 0)])
        .sort(),
    ).toEqual([
      ['STATUS_CODE_ERROR', 1],
      ['STATUS_CODE_OK', 4],
    ]);
    const max = await seriesOf(service, tenant, {
      metricName: 'traces.service.duration',
      aggregation: 'max',
      ...range,
    });
    expect(Math.max(...(max.series[0]?.points.map((p) => p.value) ?? []))).toBe(2_500);

    // Prometheus reads the running totals: a counter with the spanmetrics connector's labels.
    expect(
      await promQuery(
        tenant,
        'sum by (status_code) (traces_service_calls_total{service_name="gateway",span_name="GET /cart",span_kind="SPAN_KIND_SERVER"})',
        AT + 30_000,
      ),
    ).toEqual({ STATUS_CODE_OK: 4, STATUS_CODE_ERROR: 1 });
  });

  it('refuses (dead-letters) a series of another tenant, counting nothing', async () => {
    const tenant = uniqueTenant('red-x');
    const victim = uniqueTenant('victim');
    const runner = service.consumers.find((c) => c.name === 'span-metrics');
    const before = runner?.stats.deadLettered ?? 0;
    await publish(event(tenant, AT, [series(victim, 'GET /x', 'STATUS_CODE_OK', [1])]));
    await expect
      .poll(() => runner?.stats.deadLettered, { timeout: 60_000, interval: 200 })
      .toBe(before + 1);
    for (const t of [tenant, victim]) {
      const body = await seriesOf(service, t, { metricName: 'traces.service.calls', ...range });
      expect(body.series).toEqual([]);
    }
  });
});
