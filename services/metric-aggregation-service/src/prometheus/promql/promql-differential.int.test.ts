import type { GoPeer } from '@obs/local-infra';
import type { RunningService } from '@obs/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ingester,
  reader,
  startMetricService,
  uniqueTenant,
} from '../../../test/metric-test-kit.js';
import {
  remoteWrite,
  remoteWriteBody,
  startPrometheus,
  type WriteSeries,
} from '../../../test/prometheus-peer.js';

/*
 * Differential test: the real Prometheus 3.16 (remote-write receiver, no scrape targets) and this
 * service receive the same remote write request: deterministic series with explicit timestamps
 * (seeded jitter, a counter reset, a series with a gap, negative and fractional values). Then
 * every query below runs on both, as instant queries at two times and as a range query; results
 * must have the same type, the same label sets and values within 1e-9 relative. A 422 from the
 * platform counts as unsupported, and fails the test: every query here is of the supported subset.
 *
 * The data is written, not scraped: a Prometheus scraping itself changes its series between the
 * two evaluations. Timestamps end shortly before now, as Prometheus' head refuses samples more
 * than an hour older than its newest.
 */

const tenant = uniqueTenant('promql-diff');
const STEP_MS = 15_000;
const SPAN_MS = 45 * 60_000;
/** The last sample lands here; the range query runs to a few minutes after it (lookback). */
const END = Math.floor((Date.now() - 60_000) / 1000) * 1000;
const START = END - SPAN_MS;

/** The ten dimension labels a sender sets as external_labels (the tenant is the token's). */
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

/** mulberry32: a seeded generator, so a failure replays with the same data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(20261208);

/** Sample times from START to END every 15 s, each moved by up to ±2 s (whole ms), as scrapes drift. */
function times(from = START, to = END): number[] {
  const out: number[] = [];
  for (let t = from; t <= to; t += STEP_MS) {
    const jitter = t === from || t === to ? 0 : Math.round((rnd() - 0.5) * 4000);
    out.push(t + jitter);
  }
  return out;
}

function dataset(): WriteSeries[] {
  const series: WriteSeries[] = [];
  for (const job of ['api', 'web']) {
    for (const instance of ['a:9090', 'b:9090']) {
      for (const code of ['200', '500']) {
        let total = Math.floor(rnd() * 1000);
        const resetAt = job === 'api' && instance === 'a:9090' && code === '200' ? 100 : -1;
        const samples = times().map((t, i): [number, number] => {
          total = i === resetAt ? 3 : total + Math.floor(rnd() * (code === '200' ? 20 : 4));
          return [t, total];
        });
        series.push({
          labels: { __name__: 'diff_requests_total', job, instance, code, ...EXTERNAL },
          samples,
        });
      }
      series.push({
        labels: { __name__: 'diff_queue_depth', job, instance, ...EXTERNAL },
        samples: times().map((t) => [t, Math.round((rnd() * 40 - 10) * 1000) / 1000]),
      });
      series.push({
        labels: { __name__: 'diff_queue_capacity', job, instance, kind: 'max', ...EXTERNAL },
        samples: times().map((t) => [t, 20 + Math.floor(rnd() * 10)]),
      });
    }
  }
  for (const instance of ['a:9090', 'b:9090']) {
    series.push({
      labels: { __name__: 'diff_temperature_celsius', instance, ...EXTERNAL },
      samples: times().map((t) => [t, 18 + rnd() * 10]),
    });
  }
  // Ten minutes of samples, twenty of silence, then the rest: lookback and ranges over a gap.
  series.push({
    labels: { __name__: 'diff_sparse', job: 'batch', ...EXTERNAL },
    samples: [...times(START, START + 10 * 60_000), ...times(START + 30 * 60_000, END)].map(
      (t, i) => [t, i * 2.5],
    ),
  });
  return series;
}

/** The supported subset (docs/services/metric-aggregation.md#promql), histograms left out. */
const QUERIES = [
  // selectors: the four matchers, offset
  'diff_requests_total',
  'diff_requests_total{code="200"}',
  'diff_requests_total{code!="200"}',
  'diff_requests_total{instance=~"a.*"}',
  'diff_requests_total{instance!~"b.*",job="api"}',
  '{__name__=~"diff_queue_.*"}',
  'diff_queue_depth offset 5m',
  'diff_sparse',
  'diff_queue_depth[2m]',
  // range functions
  'rate(diff_requests_total[5m])',
  'irate(diff_requests_total[5m])',
  'increase(diff_requests_total[10m])',
  'increase(diff_requests_total[10m] offset 7m)',
  'delta(diff_queue_depth[10m])',
  'rate(diff_sparse[15m])',
  'avg_over_time(diff_queue_depth[5m])',
  'min_over_time(diff_queue_depth[5m])',
  'max_over_time(diff_temperature_celsius[3m])',
  'sum_over_time(diff_queue_depth[5m])',
  'count_over_time(diff_sparse[10m])',
  // aggregations
  'sum by (job) (rate(diff_requests_total[5m]))',
  'sum without (code, instance) (diff_requests_total)',
  'avg without (instance) (diff_queue_depth)',
  'min by (job) (diff_queue_depth)',
  'max(diff_queue_depth)',
  'count by (code) (diff_requests_total)',
  'avg(diff_temperature_celsius)',
  'topk(2, diff_queue_depth)',
  'bottomk by (job) (1, diff_queue_depth)',
  'topk(3, rate(diff_requests_total[5m]))',
  // binary operators, matching, comparisons
  'sum by (job) (rate(diff_requests_total{code="500"}[5m])) / sum by (job) (rate(diff_requests_total[5m]))',
  'diff_queue_depth / ignoring(kind) diff_queue_capacity',
  'diff_queue_depth - on(job, instance) diff_queue_capacity',
  'diff_queue_depth > 5',
  'diff_queue_depth > bool 5',
  '10 <= diff_queue_depth',
  'diff_queue_depth < ignoring(kind) diff_queue_capacity',
  'diff_queue_depth != bool on(job, instance) diff_queue_capacity',
  'sum(rate(diff_requests_total[5m])) * 60',
  '-diff_queue_depth % 7',
  '2 ^ 3 + 1 < bool 2',
  'diff_requests_total and diff_requests_total{code="200"}',
  'diff_queue_depth or diff_temperature_celsius',
  'diff_requests_total unless on(code) diff_requests_total{code="500"}',
  // functions
  'abs(diff_queue_depth)',
  'clamp_min(diff_queue_depth, 0)',
  'clamp_max(diff_queue_depth, 10)',
  'round(diff_temperature_celsius, 0.5)',
  'round(diff_queue_depth)',
  'time()',
  'time() - 60',
  'vector(1) + scalar(sum(diff_queue_depth))',
  'scalar(max(diff_temperature_celsius))',
  'scalar(diff_queue_depth)',
  'label_replace(diff_queue_depth, "host", "$1", "instance", "(.*):.*")',
  'label_replace(diff_requests_total, "code_class", "${1}xx", "code", "(\\\\d).*")',
  // edges: literals, NaN and infinities, lookback boundaries, empty matchers, k out of range
  '"a string"',
  'NaN',
  '-Inf',
  '0x10 + 1e2',
  '-diff_queue_depth',
  'diff_queue_depth / 0',
  'sum(diff_queue_depth / 0)',
  'avg(diff_queue_depth / 0)',
  'max by (job) (diff_queue_depth / 0)',
  'min(diff_queue_depth / 0)',
  // (No topk/bottomk over ties such as ±Inf: Prometheus keeps the first k it meets, in the
  // order of a Go map after a binary operator, so which tied series it answers varies by run.)
  'topk(0, diff_queue_depth)',
  'topk(scalar(vector(2)), diff_queue_depth) by (job)',
  'bottomk(100, diff_queue_capacity)',
  'round(vector(-2.5))',
  'round(vector(2.5))',
  'clamp_min(diff_queue_depth / 0, 1)',
  'label_replace(diff_queue_depth, "instance", "", "instance", ".*")',
  'label_replace(diff_queue_depth, "x", "$1", "job", "nomatch(.*)")',
  'vector(time())',
  '5 < bool diff_queue_depth',
  'sum(diff_queue_depth) / on() sum(diff_queue_capacity)',
  'diff_requests_total{kind=""}',
  'diff_requests_total{code=~"2..|5..",job=~".*"}',
  'diff_temperature_celsius{instance=~"(?i)A:9090"}',
  'diff_queue_depth offset -5m',
  'count without (instance) (diff_requests_total)',
  'sum by (__name__) ({__name__=~"diff_queue_.*"})',
  'rate(diff_requests_total[1m])',
  'increase(diff_requests_total[16s])',
  'irate(diff_sparse[10m])',
  'sum_over_time(diff_sparse[30m])',
  'avg_over_time(diff_sparse[25m] offset 2m)',
  'delta(diff_temperature_celsius[2m])',
  'diff_requests_total or diff_requests_total{code="200"} * 2',
  'sum(diff_queue_depth * 1e16) / 1e16',
  'avg(diff_queue_depth * 1e308)',
  'avg by (job) (diff_queue_capacity * 1e308)',
  'sum(diff_queue_capacity * 1e308)',
  'round(diff_temperature_celsius, 0)',
  'round(diff_temperature_celsius, 0.001)',
  'diff_queue_depth % 0',
  'diff_queue_depth ^ 0.5',
  '-2 ^ 2',
  '2 ^ 3 ^ 2',
  '1 == bool 1',
  'diff_queue_depth > on(job, instance) diff_queue_capacity - 15',
  'diff_queue_capacity - 15 < on(job, instance) diff_queue_depth',
  'max by (job) (sum without (code) (rate(diff_requests_total[5m])))',
  'topk by (job) (3, diff_queue_depth)',
  'vector(1) and on() diff_sparse',
  'diff_sparse unless diff_sparse offset 5m',
  'delta(diff_requests_total[10m])',
  'sum(vector(time()))',
  'count(diff_queue_depth > 1000)',
  '{__name__=~"diff_.*", job=~"api|web", code!~""}',
  'diff_queue_depth{job=~".+"} offset 1m',
  'sum by (job) (diff_queue_depth) * on(job) sum by (job) (diff_queue_capacity)',
  'sum by (job) (diff_queue_depth) + ignoring(job) sum by (job) (diff_queue_capacity)',
  'max_over_time(diff_sparse[20m]) - min_over_time(diff_sparse[20m])',
  'rate(diff_requests_total[5m] offset 30m)',
  'increase(diff_requests_total[44m])',
  'clamp_max(clamp_min(diff_queue_depth, -1), 1)',
  'abs(-diff_queue_depth) == bool diff_queue_depth',
  'label_replace(vector(1), "dst", "x-$1", "src", "(.*)")',
  'scalar(diff_sparse) * diff_queue_depth',
  '- diff_queue_depth offset 1m',
  'diff_requests_total{code="200"} - diff_requests_total{code="200"} offset 10m',
  'sum without () (diff_queue_depth)',
  'sum by () (diff_queue_depth)',
  'count_over_time(diff_queue_depth[45m])',
  'rate(diff_requests_total[5m]) > bool 0.5',
  '{__name__="diff_sparse"}',
  'label_replace(diff_queue_depth, "job", "$2-$1", "instance", "(.):(.*)")',
  'label_replace(diff_queue_depth, "host", "$host", "instance", "(?P<host>[^:]+):.*")',
  '1e-3 * diff_queue_depth',
  'Inf - Inf',
  '0.1 + 0.2',
  'time() % 3600',
  'irate(diff_sparse[20s])',
  'delta(diff_sparse[1m])',
  'scalar(vector(1)) + vector(2)',
  'vector(scalar(diff_sparse))',
  'round(diff_queue_depth, -1)',
  'clamp_min(diff_queue_depth, NaN)',
  'max_over_time(diff_requests_total[1h])',
  'diff_requests_total{instance=~"a:9090|"}',
  'diff_requests_total{code=~"[25]0{2}"}',
  'diff_temperature_celsius{instance=~"\\\\w:\\\\d+"}',
  'diff_requests_total{code=~"2.*", code!="201"}',
  '{job="api", __name__=~"diff_req.*"}',
  "diff_queue_depth{instance=~'a:9090'}",
  'diff_queue_depth{instance=~`a:.*`}',
  'label_replace(diff_queue_depth, "x", "\\u00e9$1", "job", "(.*)")',
  'sum by (job) (diff_queue_depth) and on(job) sum by (job) (diff_queue_capacity)',
] as const;

/** Queries whose answer is empty on purpose (k = 0, a filter nothing passes). */
const EMPTY_BY_DESIGN = new Set<string>([
  'topk(0, diff_queue_depth)',
  'count(diff_queue_depth > 1000)',
]);

/** Results of these are no vectors over time: an instant query only (a range query is bad_data). */
const instantOnly = (query: string) => query.endsWith(']') || query.startsWith('"');

interface Envelope {
  status: string;
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

type Answer = { status: number; body: Envelope };

let prometheus: GoPeer;
let service: RunningService;

async function askPrometheus(path: string, params: Record<string, string>): Promise<Answer> {
  const res = await fetch(
    `${prometheus.url}/api/v1/${path}?${new URLSearchParams(params).toString()}`,
  );
  return { status: res.status, body: (await res.json()) as Envelope };
}

async function askPlatform(path: string, params: Record<string, string>): Promise<Answer> {
  const res = await service.app.inject({
    method: 'GET',
    url: `/prometheus/api/v1/${path}?${new URLSearchParams(params).toString()}`,
    headers: reader(tenant),
  });
  return { status: res.statusCode, body: res.json<Envelope>() };
}

type Point = [number, string];
type Series = { metric: Record<string, string>; value?: Point; values?: Point[] };

const labelKey = (metric: Record<string, string>) =>
  JSON.stringify(Object.entries(metric).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function sameValue(a: string, b: string): boolean {
  if (a === b) return true;
  const [x, y] = [Number(a), Number(b)];
  if (Number.isNaN(x) || Number.isNaN(y)) return false;
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
}

function samePoints(a: readonly Point[], b: readonly Point[]): string | undefined {
  if (a.length !== b.length) return `${a.length} points vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const [p, q] = [a[i] as Point, b[i] as Point];
    if (p[0] !== q[0]) return `timestamp ${p[0]} vs ${q[0]}`;
    if (!sameValue(p[1], q[1])) return `at ${p[0]}: ${p[1]} vs ${q[1]}`;
  }
  return undefined;
}

/** Why the platform's answer differs from Prometheus', or undefined when they agree. */
function difference(platform: Envelope, reference: Envelope): string | undefined {
  const [a, b] = [platform.data, reference.data];
  if (!a || !b) return `no data: ${JSON.stringify(platform)} vs ${JSON.stringify(reference)}`;
  if (a.resultType !== b.resultType) return `type ${a.resultType} vs ${b.resultType}`;
  if (a.resultType === 'scalar' || a.resultType === 'string') {
    return samePoints([a.result as Point], [b.result as Point]);
  }
  const byLabels = (result: unknown) =>
    new Map((result as Series[]).map((s) => [labelKey(s.metric), s]));
  const [mine, theirs] = [byLabels(a.result), byLabels(b.result)];
  const missing = [...theirs.keys()].filter((k) => !mine.has(k));
  const extra = [...mine.keys()].filter((k) => !theirs.has(k));
  if (missing.length > 0 || extra.length > 0) {
    return `label sets differ: missing ${missing.join(' ')}; extra ${extra.join(' ')}`;
  }
  for (const [key, s] of mine) {
    const t = theirs.get(key) as Series;
    const why = s.value
      ? samePoints([s.value], [t.value as Point])
      : samePoints(s.values ?? [], t.values ?? []);
    if (why) return `${key}: ${why}`;
  }
  return undefined;
}

/** An error Prometheus answers (a duplicate series after label_replace) must be the platform's too. */
function sameError(mine: Answer, theirs: Answer): string | undefined {
  const [a, b] = [mine.body, theirs.body];
  if (mine.status === theirs.status && a.errorType === b.errorType && a.error === b.error) {
    return undefined;
  }
  return `${mine.status} ${JSON.stringify(a)} vs ${theirs.status} ${JSON.stringify(b)}`;
}

const isEmpty = (body: Envelope) =>
  Array.isArray(body.data?.result) && (body.data.result as unknown[]).length === 0;

beforeAll(async () => {
  [prometheus, service] = await Promise.all([startPrometheus(), startMetricService()]);
  const body = remoteWriteBody(dataset());
  await remoteWrite(`${prometheus.url}/api/v1/write`, body);
  const res = await service.app.inject({
    method: 'POST',
    url: '/prometheus/api/v1/write',
    headers: {
      ...ingester(tenant),
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(204);
}, 300_000);

afterAll(async () => {
  await Promise.all([prometheus?.stop(), service?.close()]);
});

describe('PromQL on the platform and on the real Prometheus 3.16, over the same series', () => {
  it(`agrees on ${QUERIES.length} queries, instant (three times) and range`, async () => {
    const seconds = (ms: number) => (ms / 1000).toFixed(3);
    const evaluations: { query: string; path: string; params: Record<string, string> }[] = [];
    for (const query of QUERIES) {
      // The end of diff_sparse's first part plus exactly the lookback (left-open: gone), a time
      // inside its gap, and one after the last samples of all.
      for (const at of [START + 15 * 60_000, END - 17 * 60_000 + 500, END + 90_000]) {
        evaluations.push({ query, path: 'query', params: { query, time: seconds(at) } });
      }
      if (!instantOnly(query)) {
        const params = {
          query,
          start: seconds(START + 3 * 60_000),
          end: seconds(END + 4 * 60_000),
          step: '45',
        };
        evaluations.push({ query, path: 'query_range', params });
      }
    }
    const failures: string[] = [];
    let unsupported = 0;
    let errors = 0;
    const answered = new Set<string>();
    for (const { query, path, params } of evaluations) {
      const [mine, theirs] = await Promise.all([
        askPlatform(path, params),
        askPrometheus(path, params),
      ]);
      if (mine.status === 422 && /unsupported/.test(mine.body.error ?? '')) unsupported += 1;
      if (!isEmpty(theirs.body)) answered.add(query);
      if (theirs.status !== 200) errors += 1;
      const why =
        theirs.status !== 200
          ? sameError(mine, theirs)
          : mine.status === 200
            ? difference(mine.body, theirs.body)
            : `${mine.status} ${JSON.stringify(mine.body)}`;
      if (why) failures.push(`${path} ${query} @${params.time ?? params.start}: ${why}`);
    }
    console.info(
      `PromQL differential: ${QUERIES.length} queries, ${evaluations.length} evaluations compared, ` +
        `${evaluations.length - failures.length} agreed, ${unsupported} unsupported (422), ${errors} answered with an error by Prometheus (the platform's must match)`,
    );
    expect(failures).toEqual([]);
    // Agreement on nothing proves nothing: every query has a result on Prometheus somewhere.
    expect(QUERIES.filter((q) => !answered.has(q) && !EMPTY_BY_DESIGN.has(q))).toEqual([]);
  }, 600_000);
});
