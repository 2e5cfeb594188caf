import type { RunningService } from '@obs/service-kit';
import { TestClock, bearer, resourceAttributesOf } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ingester,
  point,
  reader,
  sendPoints,
  startMetricService,
  uniqueTenant,
} from '../../test/metric-test-kit.js';

/**
 * The Prometheus HTTP API over MetricSeries data: Prometheus' envelope, error types and status
 * codes, the OpenTelemetry name mapping, tenancy (another tenant's series are nowhere), bad input.
 */

const clock = new TestClock(Date.parse('2030-01-01T01:00:00.000Z'));
const NOW = clock.nowMs;
const T0 = NOW - 30 * 60_000; // points from T0, every 15 s
const sec = (ms: number) => String(ms / 1000);

const owner = uniqueTenant('prom-owner');
const other = uniqueTenant('prom-other');
let service: RunningService;

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
  values: [number, string][];
}

/** The envelope; `data` typed loosely for assertions (each test knows the endpoint's shape). */
interface Envelope {
  status: 'success' | 'error';
  data: { resultType: string; result: Sample[] } & Sample[] & string[] & Record<string, unknown>;
  errorType?: string;
  error?: string;
}

async function get(tenant: string, path: string, query: Record<string, string | string[]> = {}) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    for (const item of Array.isArray(v) ? v : [v]) search.append(k, item);
  }
  const res = await service.app.inject({
    method: 'GET',
    url: `/prometheus/api/v1${path}?${search.toString()}`,
    headers: reader(tenant),
  });
  return { status: res.statusCode, body: res.json<Envelope>(), type: res.headers['content-type'] };
}

async function post(tenant: string, path: string, form: Record<string, string>) {
  const res = await service.app.inject({
    method: 'POST',
    url: `/prometheus/api/v1${path}`,
    headers: { ...reader(tenant), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(form).toString(),
  });
  return { status: res.statusCode, body: res.json<Envelope>() };
}

/** An OTLP/JSON monotonic cumulative sum: the counter `orders_total` in Prometheus. */
async function sendCounter(tenant: string, values: readonly [number, number][], channel: string) {
  const attributes = Object.entries(resourceAttributesOf(tenant)).map(([key, value]) => ({
    key,
    value: { stringValue: value },
  }));
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
              metrics: [
                {
                  name: 'orders',
                  unit: '{order}',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: values.map(([at, value]) => ({
                      attributes: [{ key: 'channel', value: { stringValue: channel } }],
                      startTimeUnixNano: String(BigInt(T0 - 60_000) * 1_000_000n),
                      timeUnixNano: String(BigInt(at) * 1_000_000n),
                      asDouble: value,
                    })),
                  },
                },
              ],
            },
          ],
        },
      ],
    },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json()).not.toHaveProperty('partialSuccess.rejectedDataPoints', expect.any(String));
}

beforeAll(async () => {
  service = await startMetricService({ clock });
  // A gauge (native points are gauges; unit ms): 40 points every 15 s, value = index.
  const points = Array.from({ length: 40 }, (_, i) =>
    point('queue.latency', i, T0 + i * 15_000, { attributes: { 'http.route': '/pay' } }),
  );
  await sendPoints(service, owner, points);
  // The other tenant: the same metric, and a label value only it has.
  await sendPoints(service, other, [
    point('queue.latency', 999, T0, { attributes: { 'http.route': '/secret-route' } }),
    point('other.only', 1, T0),
  ]);
  // A counter: +10 every 15 s from 100, with a reset (to 5) at the 20th point.
  const counter: [number, number][] = Array.from({ length: 40 }, (_, i) => [
    T0 + i * 15_000,
    i < 20 ? 100 + 10 * i : 5 + 10 * (i - 20),
  ]);
  await sendCounter(owner, counter, 'web');
});
afterAll(async () => {
  await service.close();
});

const GAUGE = 'queue_latency_milliseconds';

describe('GET|POST /prometheus/api/v1/query', () => {
  it('answers an instant vector in Prometheus envelope with the OpenTelemetry names and labels', async () => {
    const at = T0 + 10 * 15_000 + 5_000;
    const { status, body, type } = await get(owner, '/query', { query: GAUGE, time: sec(at) });
    expect(status).toBe(200);
    expect(type).toMatch(/^application\/json/);
    expect(body).toEqual({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          {
            metric: {
              __name__: GAUGE,
              http_route: '/pay',
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
            },
            value: [at / 1000, '10'],
          },
        ],
      },
    });
  });

  it('reads a monotonic cumulative sum as the counter orders_total, its total as received', async () => {
    const at = T0 + 5 * 15_000;
    const { body } = await get(owner, '/query', { query: 'orders_total', time: sec(at) });
    expect(body.data.result).toHaveLength(1);
    expect(body.data.result[0]?.metric).toMatchObject({ __name__: 'orders_total', channel: 'web' });
    expect(body.data.result[0]?.value).toEqual([at / 1000, '150']);
  });

  it('rate() over the counter handles the reset as Prometheus does (form-encoded POST)', async () => {
    const at = T0 + 39 * 15_000;
    // (t − 5m, t]: 20 samples at 15 s, 19 intervals of +10 with one reset (the next value 5).
    const { status, body } = await post(owner, '/query', {
      query: 'sum by (channel) (rate(orders_total[5m]))',
      time: sec(at),
    });
    expect(status).toBe(200);
    // Samples 20..39 at t − 285 s … t: 5 + 10·19 − 5 = 190 increase, no reset inside;
    // first sample 15 s after the range start (extrapolated), zero point 285·5/190 = 7.5 s earlier.
    const increase = 190 * ((285 + 7.5) / 285);
    expect(body.data.result).toEqual([
      { metric: { channel: 'web' }, value: [at / 1000, expect.any(String)] },
    ]);
    expect(Number(body.data.result[0]?.value[1])).toBeCloseTo(increase / 300, 12);
  });

  it('a scalar and a string answer as [time, "value"]', async () => {
    const { body } = await get(owner, '/query', { query: '1 + 2', time: '100' });
    expect(body.data).toEqual({ resultType: 'scalar', result: [100, '3'] });
    const str = await get(owner, '/query', { query: '"x"', time: '100.5' });
    expect(str.body.data).toEqual({ resultType: 'string', result: [100.5, 'x'] });
  });
});

describe('GET|POST /prometheus/api/v1/query_range', () => {
  it('evaluates at start + k·step and answers a matrix sorted by labels', async () => {
    const start = T0 + 60_000;
    const form = {
      query: `max_over_time(${GAUGE}[1m])`,
      start: new Date(start).toISOString(),
      end: sec(start + 120_000),
      step: '1m',
    };
    const viaGet = await get(owner, '/query_range', form);
    const viaPost = await post(owner, '/query_range', form);
    expect(viaGet.status).toBe(200);
    expect(viaPost.body).toEqual(viaGet.body);
    expect(viaGet.body.data.resultType).toBe('matrix');
    expect(viaGet.body.data.result[0]?.values).toEqual([
      [start / 1000, '4'],
      [start / 1000 + 60, '8'],
      [start / 1000 + 120, '12'],
    ]);
  });

  it.each([
    [
      { query: GAUGE, end: '10', step: '1' },
      'invalid parameter "start": cannot parse "" to a valid timestamp',
    ],
    [
      { query: GAUGE, start: 'x', end: '10', step: '1' },
      'invalid parameter "start": cannot parse "x" to a valid timestamp',
    ],
    [
      { query: GAUGE, start: '10', end: '5', step: '1' },
      'end timestamp must not be before start time',
    ],
    [
      { query: GAUGE, start: '0', end: '10', step: '0' },
      'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
    ],
    [
      { query: GAUGE, start: '0', end: '0', step: '0.0001' },
      'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
    ],
    [
      { query: GAUGE, start: '0', end: '10', step: 'abc' },
      'invalid parameter "step": cannot parse "abc" to a valid duration',
    ],
    [
      { query: GAUGE, start: '0', end: '100000', step: '1' },
      'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    ],
    [
      { query: `${GAUGE}[5m]`, start: '0', end: '10', step: '1' },
      'invalid expression type "range vector" for range query, must be Scalar or instant Vector',
    ],
    [{ query: 'sum(', start: '0', end: '10', step: '1' }, 'invalid parameter "query": 1:'],
  ])('answers 400 bad_data naming the parameter: %j', async (query, message) => {
    const { status, body } = await get(owner, '/query_range', query);
    expect(status).toBe(400);
    expect(body.status).toBe('error');
    expect(body.errorType).toBe('bad_data');
    expect(body.error).toContain(message);
  });

  it('answers 422 execution naming what is not supported', async () => {
    const { status, body } = await get(owner, '/query', {
      query: `quantile_over_time(0.9, ${GAUGE}[5m])`,
    });
    expect(status).toBe(422);
    expect(body).toEqual({
      status: 'error',
      errorType: 'execution',
      error: 'unsupported by this platform: function "quantile_over_time"',
    });
  });
});

describe('series, labels, label values, metadata, buildinfo', () => {
  it('/series answers the label sets matching match[], and needs one', async () => {
    const { body } = await get(owner, '/series', { 'match[]': ['{__name__=~"orders.*|queue.*"}'] });
    expect((body.data as unknown as Record<string, string>[]).map((l) => l.__name__)).toEqual([
      'orders_total',
      GAUGE,
    ]);
    const missing = await get(owner, '/series');
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({
      errorType: 'bad_data',
      error: 'no match[] parameter provided',
    });
    const bad = await get(owner, '/series', { 'match[]': 'rate(x[5m])' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^invalid parameter "match\[\]"/);
  });

  it('a body key named like an Object.prototype member is a parameter like any other (fuzz regression)', async () => {
    for (const payload of [
      { toString: 0 },
      { toString: 'x', 'match[]': GAUGE },
      { __proto__: 'y' },
    ]) {
      const res = await service.app.inject({
        method: 'POST',
        url: '/prometheus/api/v1/series',
        headers: { ...reader(owner), 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });
      expect(res.statusCode, JSON.stringify(payload)).toBeLessThan(500);
    }
    const form = await post(owner, '/series', { toString: 'x', 'match[]': GAUGE });
    expect(form.status).toBe(200);
    expect((form.body.data as unknown as Record<string, string>[]).map((l) => l.__name__)).toEqual([
      GAUGE,
    ]);
  });

  it('/series honours start and end', async () => {
    const before = await get(owner, '/series', {
      'match[]': GAUGE,
      start: sec(T0 - 3_600_000),
      end: sec(T0 - 1),
    });
    expect(before.body.data).toEqual([]);
  });

  it('/labels and /label/{name}/values list names and values, sorted', async () => {
    const labels = await get(owner, '/labels');
    expect(labels.body.data).toEqual([...labels.body.data].sort());
    expect(labels.body.data).toEqual(
      expect.arrayContaining(['__name__', 'channel', 'http_route', 'project_id']),
    );
    const names = await get(owner, '/label/__name__/values');
    expect(names.body.data).toEqual(['orders_total', GAUGE]);
  });

  it('/metadata names each family with its Prometheus type', async () => {
    const { body } = await get(owner, '/metadata');
    expect(body.data).toEqual({
      orders_total: [{ type: 'counter', help: '', unit: '' }],
      [GAUGE]: [{ type: 'gauge', help: '', unit: '' }],
    });
  });

  it('/status/buildinfo answers the Prometheus API version spoken', async () => {
    const { body } = await get(owner, '/status/buildinfo');
    expect(body.data).toMatchObject({ version: '3.0.0' });
  });
});

describe('tenancy', () => {
  it("never shows another tenant's series, values or names, in any endpoint", async () => {
    const query = await get(owner, '/query', { query: GAUGE, time: sec(T0 + 1000) });
    expect(query.body.data.result.map((s) => s.value[1])).toEqual(['0']);
    const values = await get(owner, '/label/http_route/values');
    expect(values.body.data).toEqual(['/pay']);
    const otherValues = await get(other, '/label/http_route/values');
    expect(otherValues.body.data).toEqual(['/secret-route']);
    const names = await get(owner, '/label/__name__/values');
    expect(names.body.data).not.toContain('other_only_milliseconds');
    const series = await get(owner, '/series', { 'match[]': '{__name__=~".+"}' });
    expect(JSON.stringify(series.body.data)).not.toContain('secret');
    const range = await get(other, '/query_range', {
      query: 'orders_total',
      start: sec(T0),
      end: sec(NOW),
      step: '60',
    });
    expect(range.body.data.result).toEqual([]);
  });

  it('needs a token with the read scope (401, 403 as problem+json from the platform auth)', async () => {
    const none = await service.app.inject({ method: 'GET', url: '/prometheus/api/v1/labels' });
    expect(none.statusCode).toBe(401);
    const ingestOnly = await service.app.inject({
      method: 'GET',
      url: '/prometheus/api/v1/labels',
      headers: bearer(owner, ['ingest']),
    });
    expect(ingestOnly.statusCode).toBe(403);
  });
});

describe('limits', () => {
  it('too many samples answers 422 execution with Prometheus words; a spent timeout 503', async () => {
    const limited = await startMetricService({
      clock,
      config: { promql: { maxSamples: 10, maxSeries: 10_000, timeoutMs: 30_000 } },
    });
    try {
      const res = await limited.app.inject({
        method: 'GET',
        url: `/prometheus/api/v1/query?query=${GAUGE}[30m]&time=${sec(NOW)}`,
        headers: reader(owner),
      });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toEqual({
        status: 'error',
        errorType: 'execution',
        error: 'query processing would load too many samples into memory in query execution',
      });
    } finally {
      await limited.close();
    }
    const slow = await get(owner, '/query_range', {
      query: GAUGE,
      start: sec(T0),
      end: sec(NOW),
      step: '1',
      timeout: '0.000001',
    });
    expect(slow.status).toBe(503);
    expect(slow.body).toEqual({
      status: 'error',
      errorType: 'timeout',
      error: 'query timed out in expression evaluation',
    });
  });
});
