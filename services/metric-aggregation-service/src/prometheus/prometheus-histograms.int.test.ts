import type { RunningService } from '@obs/service-kit';
import { TestClock, resourceAttributesOf } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingester, reader, startMetricService, uniqueTenant } from '../../test/metric-test-kit.js';
import { bucketQuantile } from './promql/quantile.js';

/**
 * OTLP explicit-bucket histograms through the Prometheus API: `_bucket{le}` (cumulative, +Inf),
 * `_sum`, `_count` in /query, /series, /labels, /label/__name__/values and /metadata, and
 * histogram_quantile as Prometheus computes it, checked against the exact quantile of the raw
 * values within 1 % where the buckets resolve 1 % (docs/services/metric-aggregation.md#histograms).
 */

const clock = new TestClock(Date.parse('2030-01-01T01:00:00.000Z'));
const NOW = clock.nowMs;
const T0 = NOW - 10 * 60_000;
const STEP = 60_000;
const CYCLES = 4;
const PER_CYCLE = 1_500;
const sec = (ms: number) => String(ms / 1000);

const owner = uniqueTenant('prom-hist');
const other = uniqueTenant('prom-hist-other');
let service: RunningService;

/** Bounds 1, 1.01, 1.01², … < 10,000: each bucket 1 % wide, so interpolation is within 1 %. */
const FINE = Array.from({ length: 926 }, (_, i) => 1.01 ** i);
/** The OpenTelemetry SDK's default bounds: what most senders use. */
const COARSE = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

/** A seeded generator (mulberry32) and log-normal values in [1, 9999], so runs are identical. */
function values(seed: number, n: number, mu: number, sigma: number): number[] {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: number[] = [];
  while (out.length < n) {
    const z = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    const v = Math.exp(mu + sigma * z);
    if (v >= 1 && v < 9999) out.push(v);
  }
  return out;
}

/** Per-bucket counts (OTLP bucketCounts: bucket i is (bounds[i-1], bounds[i]]) of some values. */
function bucketCounts(bounds: readonly number[], observed: readonly number[]): number[] {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  for (const v of observed) {
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v <= (bounds[mid] as number)) hi = mid;
      else lo = mid + 1;
    }
    counts[lo] = (counts[lo] as number) + 1;
  }
  return counts;
}

/** Nearest-rank quantile of the raw values. */
function exactQuantile(observed: readonly number[], q: number): number {
  const sorted = [...observed].sort((x, y) => x - y);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

const streams = {
  a: values(7, CYCLES * PER_CYCLE, 4, 1),
  b: values(11, CYCLES * PER_CYCLE, 5.5, 0.5),
};

/**
 * A cumulative OTLP/JSON histogram per route, as the SDK exports one: the first point at T0 with
 * nothing observed yet (the process start), then one point a minute with everything so far.
 */
async function sendHistogram(tenant: string, name: string, bounds: readonly number[]) {
  const attributes = Object.entries(resourceAttributesOf(tenant)).map(([key, value]) => ({
    key,
    value: { stringValue: value },
  }));
  const dataPoints = Object.entries(streams).flatMap(([route, all]) =>
    Array.from({ length: CYCLES + 1 }, (_, cycle) => {
      const seen = all.slice(0, cycle * PER_CYCLE);
      return {
        attributes: [{ key: 'route', value: { stringValue: route } }],
        startTimeUnixNano: String(BigInt(T0) * 1_000_000n),
        timeUnixNano: String(BigInt(T0 + cycle * STEP) * 1_000_000n),
        count: String(seen.length),
        sum: seen.reduce((s, v) => s + v, 0),
        explicitBounds: bounds,
        bucketCounts: bucketCounts(bounds, seen).map(String),
      };
    }),
  );
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/metrics',
    headers: { ...ingester(tenant), 'content-type': 'application/json' },
    payload: {
      resourceMetrics: [
        {
          resource: { attributes },
          scopeMetrics: [
            {
              metrics: [{ name, unit: 'ms', histogram: { aggregationTemporality: 2, dataPoints } }],
            },
          ],
        },
      ],
    },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json()).not.toHaveProperty('partialSuccess.rejectedDataPoints', expect.any(String));
}

interface Envelope {
  status: string;
  errorType?: string;
  error?: string;
  data: {
    resultType: string;
    result: { metric: Record<string, string>; value: [number, string] }[];
  } & Record<string, string>[] &
    string[] &
    Record<string, unknown>;
}

async function get(tenant: string, path: string, query: Record<string, string | string[]>) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    for (const item of Array.isArray(v) ? v : [v]) search.append(k, item);
  }
  const res = await service.app.inject({
    method: 'GET',
    url: `/prometheus/api/v1${path}?${search.toString()}`,
    headers: reader(tenant),
  });
  return { status: res.statusCode, body: res.json<Envelope>() };
}

/** An instant query's result as label-set → value. */
async function query(tenant: string, promql: string, at = T0 + CYCLES * STEP) {
  const { status, body } = await get(tenant, '/query', { query: promql, time: sec(at) });
  expect(status, JSON.stringify(body)).toBe(200);
  return new Map(
    body.data.result.map((s) => [
      Object.entries(s.metric)
        .filter(([k]) => k === 'route' || k === 'le' || k === '__name__')
        .map(([k, v]) => `${k}=${v}`)
        .sort()
        .join(','),
      Number(s.value[1]),
    ]),
  );
}

beforeAll(async () => {
  service = await startMetricService({ clock });
  await sendHistogram(owner, 'http.latency', FINE);
  await sendHistogram(owner, 'db.latency', COARSE);
  await sendHistogram(other, 'other.latency', COARSE);
}, 120_000);
afterAll(async () => {
  await service.close();
});

describe('OTLP histograms as Prometheus series', () => {
  it('_bucket holds cumulative counts with le (+Inf = count), _sum and _count as received', async () => {
    const all = streams.a.slice(0, CYCLES * PER_CYCLE);
    const buckets = await query(owner, 'db_latency_milliseconds_bucket{route="a"}');
    const perBucket = bucketCounts(COARSE, all);
    let cumulative = 0;
    COARSE.forEach((bound, i) => {
      cumulative += perBucket[i] as number;
      expect(buckets.get(`__name__=db_latency_milliseconds_bucket,le=${bound},route=a`)).toBe(
        cumulative,
      );
    });
    expect(buckets.get('__name__=db_latency_milliseconds_bucket,le=+Inf,route=a')).toBe(all.length);
    expect(buckets.size).toBe(COARSE.length + 1);
    const count = await query(owner, 'db_latency_milliseconds_count');
    expect(count.get('__name__=db_latency_milliseconds_count,route=a')).toBe(all.length);
    const sum = await query(owner, 'db_latency_milliseconds_sum{route="b"}');
    expect(sum.get('__name__=db_latency_milliseconds_sum,route=b')).toBeCloseTo(
      streams.b.reduce((s, v) => s + v, 0),
      6,
    );
  });

  it('rate(x_bucket[5m]) is per bucket, name dropped, le kept', async () => {
    const rates = await query(owner, 'rate(db_latency_milliseconds_bucket{route="a"}[5m])');
    // Samples at T0 (0) … T0+4m (6,000): the zero point bounds extrapolation at the start; the
    // range ends at the last sample, so the increase is the count over the 5 minutes.
    expect(rates.get('le=+Inf,route=a')).toBeCloseTo(6_000 / 300, 9);
  });

  it('lists the series, label names, names and histogram metadata', async () => {
    const series = await get(owner, '/series', {
      'match[]': 'db_latency_milliseconds_bucket{route="b",le=~"10|\\\\+Inf"}',
    });
    expect(series.body.data.map((s) => s.le).sort()).toEqual(['+Inf', '10']);
    const names = await get(owner, '/label/__name__/values', {});
    expect(names.body.data).toEqual([
      'db_latency_milliseconds_bucket',
      'db_latency_milliseconds_count',
      'db_latency_milliseconds_sum',
      'http_latency_milliseconds_bucket',
      'http_latency_milliseconds_count',
      'http_latency_milliseconds_sum',
    ]);
    const labels = await get(owner, '/labels', { 'match[]': 'db_latency_milliseconds_bucket' });
    expect(labels.body.data).toEqual(expect.arrayContaining(['__name__', 'le', 'route']));
    const le = await get(owner, '/label/le/values', {
      'match[]': 'db_latency_milliseconds_bucket',
    });
    expect(le.body.data).toEqual(
      [...COARSE.map(String), '+Inf'].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
    );
    const metadata = await get(owner, '/metadata', {});
    expect(metadata.body.data).toEqual({
      db_latency_milliseconds: [{ type: 'histogram', help: '', unit: '' }],
      http_latency_milliseconds: [{ type: 'histogram', help: '', unit: '' }],
    });
  });

  it("another tenant's histogram is in no endpoint", async () => {
    const names = await get(owner, '/label/__name__/values', {});
    expect(names.body.data).not.toContain('other_latency_milliseconds_bucket');
    const result = await query(owner, 'other_latency_milliseconds_bucket');
    expect(result.size).toBe(0);
    const own = await query(other, 'other_latency_milliseconds_count');
    expect(own.size).toBe(2);
  });
});

describe('histogram_quantile', () => {
  const quantiles = [0.5, 0.9, 0.95, 0.99];

  it('equals Prometheus bucket interpolation over the same buckets (coarse default bounds)', async () => {
    for (const q of quantiles) {
      const result = await query(
        owner,
        `histogram_quantile(${q}, sum by (le) (rate(db_latency_milliseconds_bucket[5m])))`,
      );
      const perBucket = bucketCounts(COARSE, [...streams.a, ...streams.b]);
      let cumulative = 0;
      const buckets = [...COARSE, Infinity].map((upperBound, i) => {
        cumulative += perBucket[i] as number;
        return { upperBound, count: cumulative };
      });
      const expected = bucketQuantile(q, buckets);
      expect(Math.abs((result.get('') as number) - expected) / expected).toBeLessThan(1e-9);
    }
  });

  it('is within 1 % of the exact quantile of the raw values when the buckets are 1 % wide', async () => {
    const report: string[] = [];
    for (const q of quantiles) {
      for (const [selector, raw] of [
        ['sum by (le) (rate(http_latency_milliseconds_bucket[5m]))', [...streams.a, ...streams.b]],
        ['rate(http_latency_milliseconds_bucket{route="a"}[5m])', streams.a],
        ['sum by (le) (increase(http_latency_milliseconds_bucket{route="b"}[5m]))', streams.b],
      ] as const) {
        const result = await query(owner, `histogram_quantile(${q}, ${selector})`);
        const value = [...result.values()][0] as number;
        const exact = exactQuantile(raw, q);
        const error = Math.abs(value - exact) / exact;
        report.push(
          `${q} ${selector}: ${value.toFixed(3)} vs ${exact.toFixed(3)} (${(error * 100).toFixed(3)} %)`,
        );
        expect(error, report.join('\n')).toBeLessThanOrEqual(0.01);
      }
    }
    console.info(`histogram_quantile vs exact quantile of the raw values:\n${report.join('\n')}`);
  });
});
