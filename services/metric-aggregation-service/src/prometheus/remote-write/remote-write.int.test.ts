import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService } from '@obs/service-kit';
import { TestClock, bearer } from '@obs/service-kit/testing';
import snappy from 'snappyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reader, startMetricService, uniqueTenant } from '../../../test/metric-test-kit.js';
import { encodeWriteRequest, type RemoteSample } from './remote-write-decode.js';

/** Remote write 1.0 in, read back through the Prometheus API under the names it was sent with. */

const clock = new TestClock(Date.parse('2030-01-01T01:00:00.000Z'));
const T0 = clock.nowMs - 10 * 60_000;
let service: RunningService;

/** The ten dimension labels a sender sets as external_labels. */
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

type Series = { labels: Record<string, string>; samples: RemoteSample[] };

async function write(tenant: string, series: Series[], scopes: ('ingest' | 'read')[] = ['ingest']) {
  return service.app.inject({
    method: 'POST',
    url: '/prometheus/api/v1/write',
    headers: {
      ...bearer(tenant, scopes),
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

const every15s = (n: number, f: (i: number) => number): RemoteSample[] =>
  Array.from({ length: n }, (_, i) => ({ timestamp: T0 + i * 15_000, value: f(i) }));

/** One tenant limited to 20 samples, with no refill to speak of (0.01/s); the others at defaults. */
const LIMITED = uniqueTenant('rw-limited');
const limitsDir = mkdtempSync(join(tmpdir(), 'rw-limits-'));

beforeAll(async () => {
  const limitsFile = join(limitsDir, 'limits.json');
  writeFileSync(
    limitsFile,
    JSON.stringify({ tenants: { [LIMITED]: { points: { rate: 0.01, burst: 20 } } } }),
  );
  service = await startMetricService({ clock, env: { TENANT_LIMITS_FILE: limitsFile } });
});
afterAll(async () => {
  await service.close();
  rmSync(limitsDir, { recursive: true, force: true });
});

describe('POST /prometheus/api/v1/write', () => {
  it('stores counters and gauges, answered back under the same names, labels and values', async () => {
    const tenant = uniqueTenant('rw');
    const res = await write(tenant, [
      {
        labels: { __name__: 'rw_requests_total', job: 'api', code: '200', ...EXTERNAL },
        samples: every15s(20, (i) => (i < 10 ? 100 + i : i - 10)),
      },
      {
        labels: { __name__: 'rw_queue_depth', job: 'api', ...EXTERNAL },
        samples: [
          ...every15s(3, (i) => i * 1.5),
          { timestamp: T0 + 45_000, value: NaN, stale: true },
        ],
      },
      {
        labels: { __name__: 'rw_latency_seconds_bucket', le: '0.5', job: 'api', ...EXTERNAL },
        samples: every15s(2, (i) => 3 + i),
      },
    ]);
    expect(res.statusCode, res.body).toBe(204);
    const at = T0 + 19 * 15_000;
    expect(await query(tenant, 'rw_requests_total', at)).toEqual([
      {
        metric: { __name__: 'rw_requests_total', job: 'api', code: '200', ...EXTERNAL },
        value: [at / 1000, '9'],
      },
    ]);
    // The reset (109 → 0) is seen by rate() exactly as Prometheus would.
    // All 20 samples in (t − 5m, t]: 9 − 100 + 109 = 18, extrapolated 15 s to the range start.
    const [increase] = await query(tenant, 'increase(rw_requests_total[5m])', at);
    expect(Number(increase?.value[1])).toBeCloseTo((18 * 300) / 285, 12);
    expect(await query(tenant, 'rw_queue_depth', T0 + 30_000)).toEqual([
      expect.objectContaining({ value: [(T0 + 30_000) / 1000, '3'] }),
    ]);
    expect(
      (await query(tenant, 'rw_latency_seconds_bucket', T0 + 15_000))[0]?.metric,
    ).toMatchObject({
      le: '0.5',
    });
    // Another tenant sees nothing of it.
    expect(await query(uniqueTenant('rw-other'), 'rw_requests_total', at)).toEqual([]);
  });

  it('refuses the whole request with 400 naming a missing dimension label; nothing is stored', async () => {
    const tenant = uniqueTenant('rw-missing');
    const { service_name: _dropped, ...partial } = EXTERNAL;
    const res = await write(tenant, [
      { labels: { __name__: 'rw_ok', ...EXTERNAL }, samples: every15s(1, () => 1) },
      { labels: { __name__: 'rw_partial', ...partial }, samples: every15s(1, () => 1) },
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 'error', errorType: 'bad_data' });
    expect(res.json<{ error: string }>().error).toContain(
      'lacks the dimension labels service_name',
    );
    expect(await query(tenant, 'rw_ok', T0)).toEqual([]);
  });

  it("answers 429 with Retry-After once the tenant's sample limit is spent, storing nothing of that request", async () => {
    const first = await write(LIMITED, [
      { labels: { __name__: 'rw_limited_first', ...EXTERNAL }, samples: every15s(20, () => 1) },
    ]);
    expect(first.statusCode, first.body).toBe(204);
    const refused = await write(LIMITED, [
      { labels: { __name__: 'rw_limited_second', ...EXTERNAL }, samples: every15s(5, () => 2) },
    ]);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(100);
    expect(refused.json()).toMatchObject({ status: 'error', errorType: 'unavailable' });
    expect(refused.json<{ error: string }>().error).toContain('points (0.01/s, burst 20)');
    expect(await query(LIMITED, 'rw_limited_first', T0)).toHaveLength(1);
    expect(await query(LIMITED, 'rw_limited_second', T0 + 60_000)).toEqual([]);
  });

  it('answers 400 for a body that is not snappy, 415 for another content type, 401/403 without ingest', async () => {
    const tenant = uniqueTenant('rw-bad');
    const garbage = await service.app.inject({
      method: 'POST',
      url: '/prometheus/api/v1/write',
      headers: { ...bearer(tenant, ['ingest']), 'content-type': 'application/x-protobuf' },
      payload: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]),
    });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json<{ error: string }>().error).toMatch(
      /snappy decode error|protobuf decode error/,
    );
    const json = await service.app.inject({
      method: 'POST',
      url: '/prometheus/api/v1/write',
      headers: bearer(tenant, ['ingest']),
      payload: {},
    });
    expect(json.statusCode).toBe(415);
    expect((await write(tenant, [], ['read'])).statusCode).toBe(403);
    const anonymous = await service.app.inject({
      method: 'POST',
      url: '/prometheus/api/v1/write',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: Buffer.from(snappy.compress(encodeWriteRequest({ series: [] }))),
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('a resent batch does not count a counter twice', async () => {
    const tenant = uniqueTenant('rw-resend');
    const series = [
      {
        labels: { __name__: 'rw_jobs_total', ...EXTERNAL },
        samples: every15s(4, (i) => 10 * (i + 1)),
      },
    ];
    expect((await write(tenant, series)).statusCode).toBe(204);
    expect((await write(tenant, series)).statusCode).toBe(204);
    const res = await service.app.inject({
      method: 'GET',
      url: `/v1/metric-series?metricName=rw_jobs&aggregation=sum&window=1h&from=${new Date(T0 - 3_600_000).toISOString()}&to=${new Date(T0 + 3_600_000).toISOString()}`,
      headers: reader(tenant),
    });
    expect(res.statusCode, res.body).toBe(200);
    // The windows hold deltas: 10 (first point, whole value) + 10 + 10 + 10.
    const total = res
      .json<{ series: { points: { value: number }[] }[] }>()
      .series.flatMap((s) => s.points)
      .reduce((a, p) => a + p.value, 0);
    expect(total).toBe(40);
  });
});
