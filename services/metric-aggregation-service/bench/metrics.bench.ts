/**
 * `pnpm bench:metrics` (tsx services/metric-aggregation-service/bench/metrics.bench.ts): not a
 * test, it prints figures measured in one run on real PostgreSQL (DATABASE_URL, or a local one).
 * 1. Ingest: points/s through POST /v1/metric-points over HTTP, batches of 1,000, durable (the 200
 *    comes after the commit of raw points and windows), in the series form (points grouped by
 *    stream) and the flat form (the same points, dimensions on each), against raw COPY (pg-copy-streams) of the
 *    same point rows into a copy of the raw_points table, in the same run. Target ≥ 0.5×. The
 *    requests come from a worker thread, so the client does not share the server's event loop.
 *    A second COPY baseline writes the rows as the ingest must (each batch of 1,000 its own COPY
 *    and commit, over as many connections): it shows per-batch durability is not what costs.
 * 2. Aggregation alone, in process: points/s folded into per-minute cells and merged into their
 *    1m, 5m, 1h and 1d windows, as the ingest does, without the database.
 * 3. Accuracy: relative error of p50/p95/p99 (DDSketch, 1 %) against the exact values over
 *    1,000,000 points from uniform, lognormal and bimodal distributions, merged from 100 windows.
 *
 *   env: BENCH_POINTS=200000 (ingest), BENCH_CONNECTIONS=4, BENCH_STREAMS=50, BENCH_ROUNDS=3
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { cpuBetween, sampleCpu, startPostgres, type CpuSample } from '@obs/local-infra';
import { buildService, mintToken } from '@obs/service-kit';
import { postFromLoadThread } from '@obs/service-kit/testing';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createMetricAggregationService, metricConfigFrom } from '../src/app.js';
import { prepareNativePoints, type NativePointInput } from '../src/ingest/native-points.js';
import { RAW_POINT_COLUMNS, rawPointCopyText } from '../src/ingest/point-rows.js';
import {
  emptyWindowState,
  mergeWindowState,
  observe,
  valuesOf,
  type WindowState,
} from '../src/window/window-state.js';
import { WINDOWS, windowContaining } from '@obs/domain';

const totalPoints = Number(process.env.BENCH_POINTS ?? 200_000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 4);
const streams = Number(process.env.BENCH_STREAMS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = 1_000;
const JWT_SECRET = 'bench-secret-0123456789abcdef';
/** Both baselines write raw_points' columns into a table made LIKE it. */
const COPY_SQL = `COPY metric.bench_copy (${RAW_POINT_COLUMNS.join(', ')}) FROM STDIN`;

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

const DIMENSIONS = {
  projectId: 'bench',
  moduleId: 'payments',
  artifactId: 'payments-api',
  executionId: 'exec-1',
  agentId: 'none',
  serviceVersion: '1.0.0',
  environment: 'production',
  region: 'westeurope',
  origin: 'generated-saas',
} as const;

/**
 * Batches of native points over `streams` series (service × route), as live senders produce
 * them: each batch holds the last few seconds, the run moves forward in time.
 */
function batches(tenant: string, count: number, now: number, seed: number): NativePointInput[][] {
  const next = random(seed);
  const out: NativePointInput[][] = [];
  const batchCount = count / BATCH;
  // 1,000 points every 100 ms of event time (10k points/s), ending now.
  const start = now - batchCount * 100;
  for (let b = 0; b < batchCount; b += 1) {
    const batch: NativePointInput[] = [];
    for (let i = 0; i < BATCH; i += 1) {
      const s = Math.floor(next() * streams);
      batch.push({
        metricName: 'http.server.duration',
        value: Math.round(Math.exp(3 + next() * 2) * 100) / 100,
        timestamp: new Date(start + b * 100 + Math.floor(next() * 5_000)).toISOString(),
        unit: 'ms',
        traceId:
          next() < 0.01
            ? Math.floor(next() * 2 ** 52)
                .toString(16)
                .padStart(32, '1')
            : undefined,
        dimensions: { ...DIMENSIONS, tenantId: tenant, service: `svc-${s % 10}` },
        attributes: { 'http.route': `/r${Math.floor(s / 10)}` },
      });
    }
    out.push(batch);
  }
  void tenant;
  return out;
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function ingestBench(databaseUrl: string): Promise<void> {
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    DATABASE_URL: databaseUrl,
    JWT_SECRET,
    RATE_LIMIT_MAX: '100000000',
    BODY_LIMIT_BYTES: String(4 * 1024 * 1024),
  };
  const service = await buildService(
    createMetricAggregationService({ ...metricConfigFrom({}), closeIntervalMs: 0 }),
    { env, runJobs: false },
  );
  const url = await service.app.listen({ port: 0, host: '127.0.0.1' });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const settings = await client.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method')`,
  );
  await client.query('DROP TABLE IF EXISTS metric.bench_copy');
  await client.query('CREATE TABLE metric.bench_copy (LIKE metric.raw_points INCLUDING ALL)');

  const flatRates: number[] = [];
  const seriesRates: number[] = [];
  const copyRates: number[] = [];
  const flatCpu: (CpuSample | undefined)[] = [];
  const seriesCpu: (CpuSample | undefined)[] = [];
  const copyCpu: (CpuSample | undefined)[] = [];
  const batchCopyRates: number[] = [];
  const batchCopyCpu: (CpuSample | undefined)[] = [];
  const pool = new pg.Pool({ connectionString: databaseUrl, max: connections });
  const tenants: string[] = [];
  for (let round = 0; round < rounds; round += 1) {
    // The same points for both forms, each under its own tenant (its own streams and windows).
    const tenant = `bench-${Date.now().toString(36)}-${round}`;
    const seriesTenant = `${tenant}-series`;
    tenants.push(tenant, seriesTenant);
    const data = batches(tenant, totalPoints, Date.now(), 42 + round);
    const seriesData = batches(seriesTenant, totalPoints, Date.now(), 42 + round);
    const flatRun = await postBatches(
      url,
      tenant,
      data.map((points) => JSON.stringify({ points })),
    );
    flatRates.push(flatRun.rate);
    flatCpu.push(flatRun.cpu);
    const seriesRun = await postBatches(
      url,
      seriesTenant,
      seriesData.map((points) => JSON.stringify({ series: seriesOf(points) })),
    );
    seriesRates.push(seriesRun.rate);
    seriesCpu.push(seriesRun.cpu);

    // The same point rows, in the very COPY text the ingest sends (its stream ids and encoding).
    const receivedAt = Date.now();
    const chunks = data.map((points) =>
      rawPointCopyText(
        tenant,
        new Map(
          prepareNativePoints(tenant, points, receivedAt, 300_000).map((p, i) => [
            String(i),
            { points: [p], late: false },
          ]),
        ),
        receivedAt,
      ),
    );
    const copyCpu0 = sampleCpu();
    const c0 = performance.now();
    await pipeline(Readable.from(chunks), client.query(copyFrom(COPY_SQL)));
    copyRates.push(totalPoints / ((performance.now() - c0) / 1000));
    copyCpu.push(perThousand(cpuBetween(copyCpu0, sampleCpu()), totalPoints));

    // The same rows again, as the ingest's durability asks: each batch of 1,000 its own COPY and
    // commit, over the same number of connections.
    const batchCpu0 = sampleCpu();
    const b0 = performance.now();
    await copyInBatches(pool, chunks);
    batchCopyRates.push(totalPoints / ((performance.now() - b0) / 1000));
    batchCopyCpu.push(perThousand(cpuBetween(batchCpu0, sampleCpu()), totalPoints));
    console.log(
      `round ${round + 1}: POST /v1/metric-points flat ${fmt(flatRates[round] ?? 0)} points/s, series ${fmt(seriesRates[round] ?? 0)} points/s, COPY ${fmt(copyRates[round] ?? 0)} rows/s, COPY per batch ${fmt(batchCopyRates[round] ?? 0)} rows/s`,
    );
  }
  await pool.end();
  await client.query('DROP TABLE metric.bench_copy');
  // The bench's tenants leave nothing behind: on a shared database, a later window-close run
  // would otherwise close their open windows and publish thousands of MetricAggregated events.
  for (const table of ['raw_points', 'window_parts', 'windows', 'streams', 'metrics']) {
    await client.query(`DELETE FROM metric.${table} WHERE tenant_id = ANY($1::text[])`, [tenants]);
  }
  await client.end();
  await service.close();
  const flat = median(flatRates);
  const series = median(seriesRates);
  const copy = median(copyRates);
  const batchCopy = median(batchCopyRates);
  console.log('\n## Ingest (durable) vs raw COPY of the same rows');
  console.log(
    `settings: ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ')}; ${connections} connections, ${streams} streams, ${totalPoints} points per round, ${rounds} rounds (medians)`,
  );
  console.log(`| path | points/s | ratio to COPY |\n| --- | --- | --- |`);
  console.log(
    `| POST /v1/metric-points, series form (batches of 1,000, HTTP, JSON, windows) | ${fmt(series)} | ${(series / copy).toFixed(2)}× |`,
  );
  console.log(
    `| POST /v1/metric-points, flat form (same points, dimensions on every point) | ${fmt(flat)} | ${(flat / copy).toFixed(2)}× |`,
  );
  console.log(`| COPY FROM STDIN, one stream, same rows | ${fmt(copy)} | 1× |`);
  console.log(
    `| COPY FROM STDIN per batch of 1,000, each committed, ${connections} connections | ${fmt(batchCopy)} | ${(batchCopy / copy).toFixed(2)}× |`,
  );
  console.log(`series form ratio ${(series / copy).toFixed(2)}× (target ≥ 0.5×)`);
  console.log(
    `series form ratio to COPY per committed batch ${(series / batchCopy).toFixed(2)}×, flat form ${(flat / batchCopy).toFixed(2)}×`,
  );
  console.log(
    "\nCPU ms per 1,000 points (medians): this process's main thread (the service; the load runs in a worker) and PostgreSQL",
  );
  console.log('| path | service thread | PostgreSQL |\n| --- | --- | --- |');
  for (const [path, samples] of [
    ['series form', seriesCpu],
    ['flat form', flatCpu],
    ['COPY', copyCpu],
    ['COPY per batch', batchCopyCpu],
  ] as const) {
    const main = median(samples.map((c) => c?.main ?? Number.NaN));
    const postgres = median(samples.map((c) => c?.postgres ?? Number.NaN));
    console.log(`| ${path} | ${main.toFixed(1)} | ${postgres.toFixed(1)} |`);
  }

  /** POSTs the bodies (the first one as warm-up) and answers the points per second. */
  async function postBatches(target: string, tenantId: string, bodies: readonly string[]) {
    const authorization = `Bearer ${mintToken({ tenantId, scopes: ['ingest'], secret: JWT_SECRET })}`;
    const headers = { authorization, 'content-type': 'application/json' };
    const warm = await fetch(`${target}/v1/metric-points`, {
      method: 'POST',
      headers,
      body: bodies[0],
    });
    if (warm.status !== 200)
      throw new Error(`warm-up answered ${warm.status}: ${await warm.text()}`);
    // From a worker thread: the load generator does not share the server's event loop.
    const cpu0 = sampleCpu();
    const load = await postFromLoadThread({
      url: `${target}/v1/metric-points`,
      headers,
      bodies: bodies.slice(1),
      connections,
    });
    const failed = load.statuses.filter((status) => status !== 200).length;
    if (failed > 0) throw new Error(`${failed} ingest requests failed: ${load.firstFailure}`);
    const points = (bodies.length - 1) * BATCH;
    return { rate: points / load.seconds, cpu: perThousand(cpuBetween(cpu0, sampleCpu()), points) };
  }
}

/** Each chunk its own COPY in its own transaction, `pool.options.max` at a time. */
async function copyInBatches(pool: pg.Pool, chunks: readonly string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    const client = await pool.connect();
    try {
      for (let i = next++; i < chunks.length; i = next++) {
        await client.query('BEGIN');
        await pipeline(Readable.from([chunks[i] as string]), client.query(copyFrom(COPY_SQL)));
        await client.query('COMMIT');
      }
    } finally {
      client.release();
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
}

/** CPU per 1,000 points (undefined off Linux). */
function perThousand(cpu: CpuSample | undefined, points: number): CpuSample | undefined {
  const k = points / 1000;
  return cpu && { main: cpu.main / k, postgres: cpu.postgres / k, kafka: cpu.kafka / k };
}

/** A flat batch grouped by stream, in first-seen order: the series form of the same points. */
function seriesOf(points: readonly NativePointInput[]) {
  const byStream = new Map<string, { head: NativePointInput; readings: object[] }>();
  for (const p of points) {
    const key = JSON.stringify([p.metricName, p.unit, p.dimensions, p.attributes]);
    let entry = byStream.get(key);
    if (entry === undefined) {
      entry = { head: p, readings: [] };
      byStream.set(key, entry);
    }
    entry.readings.push({ timestamp: p.timestamp, value: p.value, traceId: p.traceId });
  }
  return [...byStream.values()].map(({ head, readings }) => ({
    metricName: head.metricName,
    unit: head.unit,
    dimensions: head.dimensions,
    attributes: head.attributes,
    points: readings,
  }));
}

/** What the ingest does in memory for a batch: cells per (stream, minute), merged into 4 sizes. */
function aggregationBench(): void {
  const n = 1_000_000;
  const now = Date.now();
  const tenant = 'bench-agg';
  const data = batches(tenant, n, now, 7);
  const prepared = data.map((points) => prepareNativePoints(tenant, points, now, 300_000));
  const windows = new Map<string, WindowState>();
  const t0 = performance.now();
  for (const batch of prepared) {
    const cells = new Map<string, { at: number; stream: string; state: WindowState }>();
    for (const p of batch) {
      const minute = windowContaining('1m', p.at).start;
      const key = `${p.stream.id}|${minute}`;
      let cell = cells.get(key);
      if (!cell) {
        cell = { at: minute, stream: p.stream.id, state: emptyWindowState() };
        cells.set(key, cell);
      }
      observe(cell.state, p.value, p.traceId, 5);
    }
    for (const cell of cells.values()) {
      for (const size of WINDOWS) {
        const key = `${cell.stream}|${size}|${windowContaining(size, cell.at).start}`;
        let window = windows.get(key);
        if (!window) {
          window = emptyWindowState();
          windows.set(key, window);
        }
        mergeWindowState(window, cell.state, 5);
      }
    }
  }
  for (const window of windows.values()) valuesOf(window);
  const seconds = (performance.now() - t0) / 1000;
  console.log('\n## Aggregation alone (in process)');
  console.log(
    `${fmt(n / seconds)} points/s into ${fmt(windows.size)} windows (1m/5m/1h/1d of ${streams} streams), values of every window computed once at the end`,
  );
}

function accuracyBench(): void {
  const n = 1_000_000;
  const next = random(2024);
  const gaussian = () => {
    const u = 1 - next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const distributions: Record<string, () => number> = {
    'uniform [1, 1000)': () => 1 + next() * 999,
    'lognormal (μ 3, σ 1)': () => Math.exp(3 + gaussian()),
    'bimodal (70 % N(100, 10), 30 % N(1000, 50))': () =>
      Math.max(0.001, next() < 0.7 ? 100 + 10 * gaussian() : 1000 + 50 * gaussian()),
  };
  console.log('\n## Accuracy, 1,000,000 points each, merged from 100 windows of 10,000');
  console.log(
    '| distribution | p50 exact | p50 sketch | err | p95 exact | p95 sketch | err | p99 exact | p99 sketch | err |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  let worst = 0;
  for (const [name, draw] of Object.entries(distributions)) {
    const values = Float64Array.from({ length: n }, draw);
    const merged = emptyWindowState();
    for (let w = 0; w < 100; w += 1) {
      const part = emptyWindowState();
      for (let i = w * 10_000; i < (w + 1) * 10_000; i += 1)
        observe(part, values[i] as number, null, 0);
      mergeWindowState(merged, part, 0);
    }
    const sketch = valuesOf(merged);
    const sorted = values.slice().sort();
    const cells: string[] = [];
    for (const [q, got] of [
      [0.5, sketch.p50],
      [0.95, sketch.p95],
      [0.99, sketch.p99],
    ] as const) {
      // The sketch's rank convention: the value at index floor(q × (n − 1)).
      const exact = sorted[Math.floor(q * (n - 1))] as number;
      const error = Math.abs(got - exact) / exact;
      worst = Math.max(worst, error);
      cells.push(exact.toFixed(3), got.toFixed(3), `${(error * 100).toFixed(3)} %`);
    }
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
  console.log(`worst relative error ${(worst * 100).toFixed(3)} % (bound 1 %)`);
}

const postgres = await startPostgres();
try {
  await ingestBench(postgres.url);
  aggregationBench();
  accuracyBench();
} finally {
  await postgres.stop();
}
