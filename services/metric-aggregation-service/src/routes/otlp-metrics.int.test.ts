import type { RunningService } from '@obs/service-kit';
import { TestClock, bearer } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ingester,
  reader,
  seriesOf,
  startMetricService,
  uniqueTenant,
  type SeriesBody,
} from '../../test/metric-test-kit.js';
import { resourceAttributes, sdkMeter } from '../../test/otel-sdk.js';

// The SDK stamps points with the wall clock, so the service's clock starts there too.
const clock = new TestClock(Date.now());
let service: RunningService;
let baseUrl: string;
const HOUR = 3_600_000;

beforeAll(async () => {
  service = await startMetricService({ clock });
  baseUrl = await service.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await service.close();
});

const auth = (tenant: string) => ingester(tenant).authorization;

/** Every window of the day around now, summed over the series' points. */
async function totals(tenant: string, metricName: string, groupBy?: string) {
  const body: SeriesBody = await seriesOf(service, tenant, {
    metricName,
    window: '1m',
    aggregation: 'sum',
    from: new Date(clock.nowMs - HOUR).toISOString(),
    to: new Date(clock.nowMs + HOUR).toISOString(),
    ...(groupBy ? { groupBy } : {}),
  });
  return body.series.map((s) => ({
    group: s.group,
    sum: s.points.reduce((a, p) => a + p.value, 0),
    count: s.points.reduce((a, p) => a + p.count, 0),
  }));
}

async function catalogue(tenant: string, name: string) {
  const res = await service.app.inject({
    method: 'GET',
    url: `/v1/metrics/${name}`,
    headers: reader(tenant),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ kind: string; unit: string; attributes: string[] }>();
}

describe('POST /v1/metrics with the real OpenTelemetry SDK (cumulative temporality)', () => {
  it('turns cumulative counter exports into deltas over several cycles, per stream', async () => {
    const tenant = uniqueTenant('otlp-sum');
    const sdk = sdkMeter({
      baseUrl,
      authorization: auth(tenant),
      resource: resourceAttributes(tenant),
    });
    const counter = sdk.meter.createCounter('orders.placed', { unit: '{order}' });
    const increments = [5, 3, 0, 4];
    for (const n of increments) {
      if (n > 0) counter.add(n, { channel: 'web' });
      counter.add(1, { channel: 'app' });
      await sdk.cycle();
    }
    await sdk.shutdown();
    const byChannel = await totals(tenant, 'orders.placed', 'channel');
    // Four exports per stream and the one shutdown makes; their deltas add up to the last
    // cumulative value, never more.
    expect(byChannel).toEqual([
      { group: { channel: 'app' }, sum: 4, count: 5 },
      { group: { channel: 'web' }, sum: 12, count: 5 },
    ]);
    expect(await catalogue(tenant, 'orders.placed')).toMatchObject({
      kind: 'sum',
      unit: '{order}',
      attributes: ['channel'],
    });
  });

  it('starts a new baseline on a counter reset (a later startTimeUnixNano): no negative delta', async () => {
    const tenant = uniqueTenant('otlp-reset');
    const first = sdkMeter({
      baseUrl,
      authorization: auth(tenant),
      resource: resourceAttributes(tenant),
    });
    const before = first.meter.createCounter('jobs.done');
    before.add(10);
    await first.cycle();
    before.add(5);
    await first.cycle();
    await first.shutdown();
    // The process restarts: a new provider, cumulative from zero with a later start time.
    const second = sdkMeter({
      baseUrl,
      authorization: auth(tenant),
      resource: resourceAttributes(tenant),
    });
    const after = second.meter.createCounter('jobs.done');
    after.add(2);
    await second.cycle();
    after.add(1);
    await second.cycle();
    await second.shutdown();
    const [total] = await totals(tenant, 'jobs.done');
    // Two cycles and a shutdown export per process: 10, 15, 15 then 2, 3, 3 cumulative.
    expect(total).toEqual({ group: {}, sum: 18, count: 6 });
    const min = await seriesOf(service, tenant, {
      metricName: 'jobs.done',
      window: '1d',
      aggregation: 'min',
      from: new Date(clock.nowMs - 2 * 86_400_000).toISOString(),
      to: new Date(clock.nowMs + 86_400_000).toISOString(),
    });
    for (const s of min.series) for (const p of s.points) expect(p.value).toBeGreaterThanOrEqual(0);
  });

  it('aggregates cumulative histograms into window distributions, and exponential ones too', async () => {
    const tenant = uniqueTenant('otlp-hist');
    const sdk = sdkMeter({
      baseUrl,
      authorization: auth(tenant),
      resource: resourceAttributes(tenant),
      exponentialHistograms: ['queue.wait'],
    });
    const latency = sdk.meter.createHistogram('http.server.duration', {
      unit: 'ms',
      advice: { explicitBucketBoundaries: [10, 20, 50, 100, 200, 500] },
    });
    const wait = sdk.meter.createHistogram('queue.wait', { unit: 's' });
    for (const v of [15, 15, 30]) latency.record(v);
    for (const v of [1, 2, 4]) wait.record(v);
    await sdk.cycle();
    for (const v of [150, 15]) latency.record(v);
    wait.record(8);
    await sdk.cycle();
    await sdk.cycle();
    await sdk.shutdown();
    const [latencyTotal] = await totals(tenant, 'http.server.duration');
    expect(latencyTotal).toEqual({ group: {}, sum: 225, count: 5 });
    const [waitTotal] = await totals(tenant, 'queue.wait');
    expect(waitTotal).toEqual({ group: {}, sum: 15, count: 4 });
    const day = async (aggregation: string) => {
      const body = await seriesOf(service, tenant, {
        metricName: 'http.server.duration',
        window: '1d',
        aggregation,
        from: new Date(clock.nowMs - 2 * 86_400_000).toISOString(),
        to: new Date(clock.nowMs + 86_400_000).toISOString(),
      });
      return body.series.flatMap((s) => s.points.map((p) => p.value));
    };
    // Each bucket stands for its midpoint: 150 for (100, 200], 15 for (10, 20].
    const max = Math.max(...(await day('max')));
    expect(Math.abs(max - 150) / 150).toBeLessThanOrEqual(0.01);
    for (const p50 of await day('p50')) expect(Math.abs(p50 - 15) / 15).toBeLessThanOrEqual(0.01);
    expect((await catalogue(tenant, 'http.server.duration')).kind).toBe('histogram');
    expect((await catalogue(tenant, 'queue.wait')).kind).toBe('exponential_histogram');
  });

  it('takes protobuf from the proto exporter, and gauges from UpDownCounters and gauges', async () => {
    const tenant = uniqueTenant('otlp-proto');
    const sdk = sdkMeter({
      baseUrl,
      authorization: auth(tenant),
      resource: resourceAttributes(tenant),
      protocol: 'protobuf',
    });
    const inFlight = sdk.meter.createUpDownCounter('requests.in_flight');
    const temperature = sdk.meter.createGauge('room.temperature', { unit: 'Cel' });
    inFlight.add(5);
    temperature.record(21.5);
    await sdk.cycle();
    inFlight.add(-3);
    temperature.record(-2);
    await sdk.cycle();
    await sdk.shutdown();
    // An UpDownCounter's cumulative value is a level: the readings are 5 then 2, no deltas.
    const levels = await seriesOf(service, tenant, {
      metricName: 'requests.in_flight',
      window: '1d',
      aggregation: 'max',
      from: new Date(clock.nowMs - 2 * 86_400_000).toISOString(),
      to: new Date(clock.nowMs + 86_400_000).toISOString(),
    });
    expect(levels.series.flatMap((s) => s.points.map((p) => p.value))).toContain(5);
    // Two readings and the last one again at shutdown.
    const [temp] = await totals(tenant, 'room.temperature');
    expect(temp).toEqual({ group: {}, sum: 17.5, count: 3 });
    expect((await catalogue(tenant, 'requests.in_flight')).kind).toBe('sum');
    expect((await catalogue(tenant, 'room.temperature')).kind).toBe('gauge');
  });
});

describe('POST /v1/metrics edge cases (OTLP JSON by hand)', () => {
  const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
  const resource = (tenant: string) => ({
    attributes: Object.entries(resourceAttributes(tenant)).map(([key, value]) => ({
      key,
      value: { stringValue: value },
    })),
  });
  const post = (tenant: string, body: unknown) =>
    service.app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: { ...ingester(tenant), 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const sumRequest = (tenant: string, start: number, points: [number, number][]) => ({
    resourceMetrics: [
      {
        resource: resource(tenant),
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'bytes.sent',
                unit: 'By',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: points.map(([at, value]) => ({
                    startTimeUnixNano: ns(start),
                    timeUnixNano: ns(at),
                    asInt: String(value),
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  });

  it('never counts a retransmitted export twice', async () => {
    const tenant = uniqueTenant('otlp-retry');
    const start = clock.nowMs - 10 * 60_000;
    const body = sumRequest(tenant, start, [
      [start + 60_000, 100],
      [start + 120_000, 250],
    ]);
    for (let i = 0; i < 3; i += 1) {
      const res = await post(tenant, body);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({});
    }
    expect(await totals(tenant, 'bytes.sent')).toEqual([{ group: {}, sum: 250, count: 2 }]);
    // An older incarnation (an earlier start) arriving late is not counted either.
    await post(tenant, sumRequest(tenant, start - 60_000, [[start + 30_000, 7]]));
    expect(await totals(tenant, 'bytes.sent')).toEqual([{ group: {}, sum: 250, count: 2 }]);
  });

  it('takes summaries as count and sum, and answers partialSuccess for what it rejects', async () => {
    const tenant = uniqueTenant('otlp-partial');
    const at = clock.nowMs - 60_000;
    const res = await post(tenant, {
      resourceMetrics: [
        {
          resource: resource(tenant),
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'rpc.duration',
                  unit: 'ms',
                  summary: {
                    dataPoints: [
                      {
                        startTimeUnixNano: ns(at - 60_000),
                        timeUnixNano: ns(at),
                        count: '4',
                        sum: 40,
                        quantileValues: [
                          { quantile: 0, value: 2 },
                          { quantile: 0.5, value: 9 },
                          { quantile: 1, value: 20 },
                        ],
                      },
                    ],
                  },
                },
                {
                  name: 'bad.gauge',
                  unit: 'ms',
                  gauge: {
                    dataPoints: [
                      { timeUnixNano: ns(at), asDouble: -1 },
                      { timeUnixNano: ns(at), asDouble: 3 },
                    ],
                  },
                },
              ],
            },
          ],
        },
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'x' } }] },
          scopeMetrics: [
            {
              metrics: [
                { name: 'orphan', gauge: { dataPoints: [{ timeUnixNano: ns(at), asDouble: 1 }] } },
              ],
            },
          ],
        },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{
      partialSuccess: { rejectedDataPoints: string | number; errorMessage: string };
    }>();
    expect(Number(body.partialSuccess.rejectedDataPoints)).toBe(2);
    expect(body.partialSuccess.errorMessage).toContain('project.id');
    expect(body.partialSuccess.errorMessage).toContain('bad.gauge');
    expect(await totals(tenant, 'rpc.duration')).toEqual([{ group: {}, sum: 40, count: 4 }]);
    expect(await totals(tenant, 'bad.gauge')).toEqual([{ group: {}, sum: 3, count: 1 }]);
    expect((await catalogue(tenant, 'rpc.duration')).kind).toBe('summary');
  });

  it('rejects the points of another tenant, and needs the ingest scope', async () => {
    const tenant = uniqueTenant('otlp-tenant');
    const res = await post(
      tenant,
      sumRequest('someone-else', clock.nowMs - 60_000, [[clock.nowMs - 1000, 1]]),
    );
    expect(res.statusCode).toBe(200);
    expect(
      res.json<{ partialSuccess: { errorMessage: string } }>().partialSuccess.errorMessage,
    ).toContain("not the token's tenant");
    const denied = await service.app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: { ...bearer(tenant, ['read', 'write']), 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(denied.statusCode).toBe(403);
  });
});
