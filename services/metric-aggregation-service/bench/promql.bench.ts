/**
 * `pnpm bench:promql` (tsx services/metric-aggregation-service/bench/promql.bench.ts): not a test,
 * it prints figures measured in one run. The same 1,000 series (counters, every 15 s over the
 * last hour: 241,000 samples) are remote-written to the platform (real PostgreSQL: DATABASE_URL,
 * or a local one) and to the real Prometheus 3.16 (the Go peer, in-memory head); then 5
 * representative `query_range` requests over that hour (step 60 s, 61 points per series) run
 * alternately on each, over HTTP, and the latency p50/p99 of each is printed with the
 * platform/Prometheus ratio. Both answers are checked to have the same series first.
 *
 *   env: BENCH_ROUNDS=30 (measured requests per query and server, after 3 warm-ups)
 */
import { startPostgres } from '@obs/local-infra';
import { buildService, mintToken } from '@obs/service-kit';
import pg from 'pg';
import { createMetricAggregationService, metricConfigFrom } from '../src/app.js';
import {
  remoteWrite,
  remoteWriteBody,
  startPrometheus,
  type WriteSeries,
} from '../test/prometheus-peer.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
const WARMUP = 3;
const JWT_SECRET = 'bench-secret-0123456789abcdef';
const HOUR = 3_600_000;
const INTERVAL = 15_000;

const QUERIES = [
  ['all series, rate summed', 'sum(rate(bench_requests_total[5m]))'],
  ['regex matcher, grouped', 'sum by (route) (rate(bench_requests_total{code=~"5.."}[5m]))'],
  [
    'error ratio (vector / vector)',
    'sum by (route) (rate(bench_requests_total{code="500"}[5m])) / sum by (route) (rate(bench_requests_total[5m]))',
  ],
  ['topk of increase', 'topk(5, sum by (instance) (increase(bench_requests_total[10m])))'],
  ['raw selector, 50 series', 'bench_requests_total{route="r07"}'],
] as const;

const DIMENSIONS = {
  project_id: 'bench',
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

/** mulberry32: a seeded generator, so every run measures the same data. */
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

/** 20 routes × 10 instances × 5 codes = 1,000 counters over [start, end], every 15 s. */
function dataset(start: number, end: number): WriteSeries[] {
  const next = random(42);
  const series: WriteSeries[] = [];
  for (let r = 0; r < 20; r += 1) {
    for (let i = 0; i < 10; i += 1) {
      for (const code of ['200', '302', '404', '500', '503']) {
        let total = 0;
        const samples: [number, number][] = [];
        for (let t = start; t <= end; t += INTERVAL) {
          total += Math.floor(next() * (code === '200' ? 50 : 5));
          samples.push([t, total]);
        }
        const route = `r${String(r).padStart(2, '0')}`;
        const labels = { __name__: 'bench_requests_total', route, instance: `i${i}`, code };
        series.push({ labels: { ...labels, ...DIMENSIONS }, samples });
      }
    }
  }
  return series;
}

/**
 * Written in time order, ten minutes of every series per round of requests (100 series each):
 * Prometheus' head refuses samples more than an hour older than its newest.
 */
async function writeAll(url: string, series: readonly WriteSeries[], authorization?: string) {
  const slice = 10 * 60_000;
  const first = series[0]?.samples[0]?.[0] ?? 0;
  for (let from = first; from <= first + HOUR; from += slice) {
    for (let s = 0; s < series.length; s += 100) {
      const part = series.slice(s, s + 100).map((one) => ({
        labels: one.labels,
        samples: one.samples.filter(([t]) => t >= from && t < from + slice),
      }));
      await remoteWrite(url, remoteWriteBody(part), authorization);
    }
  }
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const ms = (n: number) => n.toFixed(n < 10 ? 1 : 0);

interface Matrix {
  data: { result: { metric: Record<string, string>; values: unknown[] }[] };
}

async function timed(url: string, authorization?: string): Promise<[number, Matrix]> {
  const started = performance.now();
  const res = await fetch(url, { headers: authorization ? { authorization } : {} });
  const text = await res.text();
  const elapsed = performance.now() - started;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${text.slice(0, 300)}`);
  return [elapsed, JSON.parse(text) as Matrix];
}

const postgres = await startPostgres();
const prometheus = await startPrometheus();
const service = await buildService(
  createMetricAggregationService({ ...metricConfigFrom({}), closeIntervalMs: 0 }),
  {
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'error',
      DATABASE_URL: postgres.url,
      JWT_SECRET,
      RATE_LIMIT_MAX: '100000000',
    },
    runJobs: false,
  },
);
const tenant = `bench-promql-${Date.now().toString(36)}`;
try {
  const platform = await service.app.listen({ port: 0, host: '127.0.0.1' });
  const token = (scopes: ('ingest' | 'read')[]) =>
    `Bearer ${mintToken({ tenantId: tenant, scopes, secret: JWT_SECRET })}`;
  const end = Math.floor((Date.now() - 60_000) / INTERVAL) * INTERVAL;
  const start = end - HOUR;
  const series = dataset(start, end);
  const samples = series.reduce((n, s) => n + s.samples.length, 0);
  let t0 = performance.now();
  await writeAll(`${prometheus.url}/api/v1/write`, series);
  const promWrite = (performance.now() - t0) / 1000;
  t0 = performance.now();
  await writeAll(`${platform}/prometheus/api/v1/write`, series, token(['ingest']));
  const platformWrite = (performance.now() - t0) / 1000;
  console.log(
    `${series.length} series, ${samples.toLocaleString('en-US')} samples remote-written: ` +
      `Prometheus ${promWrite.toFixed(1)} s, platform ${platformWrite.toFixed(1)} s`,
  );

  const read = token(['read']);
  const range = (query: string) =>
    `/api/v1/query_range?${new URLSearchParams({
      query,
      start: String(start / 1000),
      end: String(end / 1000),
      step: '60',
    }).toString()}`;
  console.log(
    `\nquery_range over 1 h, step 60 s; ${rounds} requests each after ${WARMUP} warm-ups, alternating servers\n`,
  );
  console.log(
    '| query | series | platform p50 | platform p99 | Prometheus p50 | Prometheus p99 | ratio p50 | ratio p99 |',
  );
  console.log('| --- | --: | --: | --: | --: | --: | --: | --: |');
  for (const [name, query] of QUERIES) {
    const mine: number[] = [];
    const theirs: number[] = [];
    let seriesCount = 0;
    for (let i = 0; i < WARMUP + rounds; i += 1) {
      const [a, mineBody] = await timed(`${platform}/prometheus${range(query)}`, read);
      const [b, theirBody] = await timed(`${prometheus.url}${range(query)}`);
      if (i === 0) {
        seriesCount = theirBody.data.result.length;
        if (mineBody.data.result.length !== seriesCount || seriesCount === 0) {
          throw new Error(
            `${query}: ${mineBody.data.result.length} series on the platform, ${seriesCount} on Prometheus`,
          );
        }
      }
      if (i >= WARMUP) {
        mine.push(a);
        theirs.push(b);
      }
    }
    mine.sort((x, y) => x - y);
    theirs.sort((x, y) => x - y);
    const [p50, p99, q50, q99] = [
      percentile(mine, 50),
      percentile(mine, 99),
      percentile(theirs, 50),
      percentile(theirs, 99),
    ];
    console.log(
      `| ${name}: \`${query}\` | ${seriesCount} | ${ms(p50)} ms | ${ms(p99)} ms | ${ms(q50)} ms | ${ms(q99)} ms | ${(p50 / q50).toFixed(1)}× | ${(p99 / q99).toFixed(1)}× |`,
    );
  }
} finally {
  await service.close();
  await prometheus.stop();
  if (postgres.external) {
    // On a shared database the bench's tenant leaves nothing behind.
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    const tables = ['raw_points', 'window_parts', 'windows', 'cumulative_streams', 'streams'];
    for (const table of [...tables, 'metrics']) {
      await client.query(`DELETE FROM metric.${table} WHERE tenant_id = $1`, [tenant]);
    }
    await client.end();
  }
  await postgres.stop();
}
