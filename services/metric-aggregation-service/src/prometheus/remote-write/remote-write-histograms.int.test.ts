import type { RunningService } from '@obs/service-kit';
import { TestClock, bearer } from '@obs/service-kit/testing';
import snappy from 'snappyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reader, startMetricService, uniqueTenant } from '../../../test/metric-test-kit.js';
import { bucketQuantile } from '../promql/quantile.js';
import type { RemoteHistogram } from './remote-write-decode.js';
import { encodeWriteRequest, type EncodableSeries } from './remote-write-proto.js';

/** Remote write native histograms in, read back through the Prometheus API. */

const clock = new TestClock(Date.parse('2030-01-01T01:00:00.000Z'));
const T0 = clock.nowMs - 10 * 60_000;
let service: RunningService;

const EXTERNAL = {
  project_id: 'checkout',
  module_id: 'payments',
  artifact_id: 'payments-api',
  execution_id: 'exec-1',
  agent_id: 'none',
  service_name: 'payments-api',
  service_version: '1.0.0',
  deployment_environment_name: 'production',
  cloud_region: 'westeurope',
  telemetry_origin: 'generated-saas',
};

const base: RemoteHistogram = {
  count: 0,
  sum: 0,
  schema: 0,
  zeroThreshold: 0,
  zeroCount: 0,
  negativeSpans: [],
  negativeDeltas: [],
  negativeCounts: [],
  positiveSpans: [],
  positiveDeltas: [],
  positiveCounts: [],
  resetHint: 0,
  timestamp: 0,
  customValues: [],
};

async function write(tenant: string, series: EncodableSeries[]) {
  return service.app.inject({
    method: 'POST',
    url: '/prometheus/api/v1/write',
    headers: {
      ...bearer(tenant, ['ingest']),
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
    payload: Buffer.from(snappy.compress(encodeWriteRequest({ series }))),
  });
}

async function query(tenant: string, q: string, at: number) {
  const res = await service.app.inject({
    method: 'GET',
    url: `/prometheus/api/v1/query?${new URLSearchParams({ query: q, time: String(at / 1000) }).toString()}`,
    headers: reader(tenant),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  }>().data.result;
}

beforeAll(async () => {
  service = await startMetricService({ clock });
});
afterAll(async () => {
  await service.close();
});

describe('POST /prometheus/api/v1/write with native histograms', () => {
  it('custom buckets (NHCB) are stored as a histogram: _bucket{le}, _sum, _count, histogram_quantile', async () => {
    const tenant = uniqueTenant('rw-nhcb');
    // Per-bucket counts for (−∞, 0.1], (0.1, 0.5], (0.5, 1], (1, +Inf], growing each minute.
    const perBucket = (k: number) => [2 * k, 5 * k, 2 * k, k];
    const res = await write(tenant, [
      {
        labels: { __name__: 'rw_latency_seconds', job: 'api', ...EXTERNAL },
        samples: [],
        histograms: [0, 1, 2, 3].map((k) => ({
          ...base,
          schema: -53,
          customValues: [0.1, 0.5, 1],
          count: 10 * k,
          sum: 4 * k,
          positiveSpans: [{ offset: 0, length: 4 }],
          positiveCounts: perBucket(k),
          timestamp: T0 + k * 60_000,
        })),
      },
    ]);
    expect(res.statusCode, res.body).toBe(204);
    const at = T0 + 3 * 60_000;
    const buckets = await query(tenant, 'rw_latency_seconds_bucket', at);
    expect(Object.fromEntries(buckets.map((s) => [s.metric.le, s.value[1]]))).toEqual({
      '0.1': '6',
      '0.5': '21',
      '1': '27',
      '+Inf': '30',
    });
    expect((await query(tenant, 'rw_latency_seconds_count', at))[0]?.value[1]).toBe('30');
    expect((await query(tenant, 'rw_latency_seconds_sum', at))[0]?.value[1]).toBe('12');
    const q = await query(
      tenant,
      'histogram_quantile(0.9, rate(rw_latency_seconds_bucket[5m]))',
      at,
    );
    const expected = bucketQuantile(0.9, [
      { upperBound: 0.1, count: 6 },
      { upperBound: 0.5, count: 21 },
      { upperBound: 1, count: 27 },
      { upperBound: Infinity, count: 30 },
    ]);
    expect(Number(q[0]?.value[1])).toBeCloseTo(expected, 9);
    expect(q[0]?.metric).toMatchObject({ job: 'api' });
    expect(q[0]?.metric).not.toHaveProperty('__name__');
  });

  it('an exponential histogram is stored with its count and sum (queried as _count, _sum)', async () => {
    const tenant = uniqueTenant('rw-exp');
    const res = await write(tenant, [
      {
        labels: { __name__: 'rw_rpc_seconds', job: 'api', ...EXTERNAL },
        samples: [],
        histograms: [1, 2].map((k) => ({
          ...base,
          schema: 3,
          count: 3 * k,
          sum: 1.5 * k,
          zeroCount: k,
          positiveSpans: [{ offset: -1, length: 2 }],
          positiveDeltas: [k, 0],
          timestamp: T0 + k * 60_000,
        })),
      },
    ]);
    expect(res.statusCode, res.body).toBe(204);
    const at = T0 + 2 * 60_000;
    expect((await query(tenant, 'rw_rpc_seconds_count', at))[0]?.value[1]).toBe('6');
    expect((await query(tenant, 'rw_rpc_seconds_sum', at))[0]?.value[1]).toBe('3');
  });

  it('a gauge histogram refuses the whole request with 400 naming the series; nothing is stored', async () => {
    const tenant = uniqueTenant('rw-gauge-h');
    const res = await write(tenant, [
      {
        labels: { __name__: 'rw_ok', ...EXTERNAL },
        samples: [{ value: 1, timestamp: T0 }],
      },
      {
        labels: { __name__: 'rw_gauge_histogram', ...EXTERNAL },
        samples: [],
        histograms: [{ ...base, resetHint: 3, count: 1, timestamp: T0 }],
      },
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 'error', errorType: 'bad_data' });
    expect(res.json<{ error: string }>().error).toContain('gauge histograms are not accepted');
    expect(res.json<{ error: string }>().error).toContain('rw_gauge_histogram');
    expect(await query(tenant, 'rw_ok', T0 + 1000)).toEqual([]);
  });
});
