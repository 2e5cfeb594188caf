/**
 * `pnpm bench:ingest` (tsx services/trace-service/bench/ingest.bench.ts): not a test, it prints
 * figures measured in one run on real PostgreSQL (DATABASE_URL, or a local one).
 * - OTLP/HTTP JSON: batches of 512 spans through POST /v1/traces over HTTP, durable (the 200
 *   comes after the commit of the spans and their traces' rows): spans/s and p99 per batch.
 * - The same through OTLP/HTTP protobuf.
 * - Both again through the OTLP/HTTP front door (the kit's buildOtlpGateway, what 4318 serves in
 *   `pnpm start`, compose and Azure) to the same service: its cost against posting directly. In
 *   each round the direct and front-door paths alternate which goes first.
 * - Baseline, same run: raw COPY (pg-copy-streams) of the same span rows, as the service writes
 *   them, into the same table (trace.spans, with its two indexes).
 * - Tenant limits (docs/limits.md): the service runs with the default per-tenant limits in
 *   place (and the default request limit, which ingest routes leave); a 429 is waited out after
 *   its Retry-After and the batch sent again, as an OTLP exporter does, and counted. Then the
 *   sustained spans/s of one tenant at the defaults, of one raised by an override in the limits
 *   file, and of one lowered by an override (the bucket holding a rate below the instance's).
 *
 *   env: BENCH_SPANS=100000 (per round and path), BENCH_CONNECTIONS=4, BENCH_ROUNDS=3,
 *   BENCH_LIMIT_SPANS=102400 (per tenant in the limits phase), BENCH_LOWERED_RATE=2000
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPostgres } from '@obs/local-infra';
import {
  buildOtlpGateway,
  buildService,
  DEFAULT_LIMITS,
  mintToken,
  normalizeMessage,
  otlpTypes,
} from '@obs/service-kit';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createTraceService, traceConfigFrom } from '../src/app.js';
import { parseOtlpSpans } from '../src/ingest/otlp-spans.js';
import { SPAN_COLUMNS, spanCopyLine } from '../src/span-store/postgres-span-store.js';

const totalSpans = Number(process.env.BENCH_SPANS ?? 100_000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const limitSpans = Number(process.env.BENCH_LIMIT_SPANS ?? 102_400);
const loweredRate = Number(process.env.BENCH_LOWERED_RATE ?? 2_000);
/** 429s answered during the run (each waited out and its batch sent again). */
let refusals = 0;
const BATCH = 512;
const SPANS_PER_TRACE = 16;
const JWT_SECRET = 'bench-secret-0123456789abcdef';
const TRACES = otlpTypes('traces').request;

const kv = (key: string, value: string | number | boolean) => ({
  key,
  value:
    typeof value === 'string'
      ? { stringValue: value }
      : typeof value === 'boolean'
        ? { boolValue: value }
        : { intValue: String(value) },
});

function resource(tenant: string, service: string) {
  return {
    attributes: [
      kv('tenant.id', tenant),
      kv('project.id', 'bench'),
      kv('module.id', 'checkout'),
      kv('artifact.id', 'checkout-api'),
      kv('execution.id', 'exec-1'),
      kv('agent.id', 'none'),
      kv('service.name', service),
      kv('service.version', '1.4.2'),
      kv('deployment.environment.name', 'production'),
      kv('cloud.region', 'westeurope'),
      kv('telemetry.origin', 'generated-saas'),
      kv('telemetry.sdk.name', 'opentelemetry'),
      kv('telemetry.sdk.language', 'nodejs'),
      kv('telemetry.sdk.version', '2.12.0'),
    ],
  };
}

const ns = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

/** One batch: 512 spans of 32 traces (a server root, 15 children), as a Node SDK exports them. */
function batch(tenant: string, b: number, now: number) {
  const spans = [];
  for (let t = 0; t < BATCH / SPANS_PER_TRACE; t += 1) {
    const traceId = randomBytes(16).toString('hex');
    const rootId = randomBytes(8).toString('hex');
    const start = now - 60_000 + b * 10 + t;
    for (let i = 0; i < SPANS_PER_TRACE; i += 1) {
      const root = i === 0;
      spans.push({
        traceId,
        spanId: root ? rootId : randomBytes(8).toString('hex'),
        ...(root ? {} : { parentSpanId: rootId }),
        name: root ? 'POST /v1/checkout' : `SELECT orders ${i}`,
        kind: root ? 2 : 3,
        startTimeUnixNano: ns(start + (root ? 0 : i)),
        endTimeUnixNano: ns(start + (root ? 40 : i + 1.5)),
        attributes: root
          ? [
              kv('http.request.method', 'POST'),
              kv('http.route', '/v1/checkout'),
              kv('http.response.status_code', 200),
              kv('url.scheme', 'https'),
              kv('server.address', 'checkout.internal'),
              kv('user_agent.original', 'Mozilla/5.0 (bench)'),
            ]
          : [
              kv('db.system', 'postgresql'),
              kv('db.namespace', 'orders'),
              kv('db.operation.name', 'SELECT'),
              kv('db.query.text', 'SELECT id, total FROM orders WHERE customer_id = $1'),
              kv('server.address', 'db.internal'),
              kv('server.port', 5432),
            ],
        events:
          i === 3
            ? [{ name: 'retry', timeUnixNano: ns(start + i), attributes: [kv('attempt', 2)] }]
            : [],
        status: { code: root ? 1 : 0 },
      });
    }
  }
  return {
    resourceSpans: [
      {
        resource: resource(tenant, 'checkout-api'),
        scopeSpans: [
          { scope: { name: '@opentelemetry/instrumentation-pg', version: '0.50.0' }, spans },
        ],
      },
    ],
  };
}

type Body = ReturnType<typeof batch>;

/** The protobuf form of a JSON body: ids go from hex to bytes (protobufjs takes base64). */
function protobufOf(body: Body): Buffer {
  const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
  const copy = structuredClone(body);
  for (const rs of copy.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans as Record<string, unknown>[]) {
        s.traceId = b64(s.traceId as string);
        s.spanId = b64(s.spanId as string);
        if (s.parentSpanId) s.parentSpanId = b64(s.parentSpanId as string);
      }
    }
  }
  return Buffer.from(TRACES.encode(TRACES.fromObject(copy)).finish());
}

async function runPool<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await work(item);
      }
    }),
  );
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const p99 = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[
    Math.min(values.length - 1, Math.floor(values.length * 0.99))
  ] ?? Number.NaN;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function send(url: string, authorization: string, type: string, body: string | Buffer) {
  return fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { authorization, 'content-type': type },
    body,
  });
}

async function post(
  url: string,
  authorization: string,
  bodies: readonly (string | Buffer)[],
  type: string,
): Promise<{ rate: number; p99Ms: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  await runPool(bodies, connections, async (body) => {
    const s = performance.now();
    let res = await send(url, authorization, type, body);
    // A refused batch (the tenant's limit) is sent again after Retry-After, as exporters do.
    while (res.status === 429) {
      refusals += 1;
      await res.arrayBuffer();
      await sleep(Number(res.headers.get('retry-after') ?? '1') * 1000);
      res = await send(url, authorization, type, body);
    }
    const answer = Buffer.from(await res.arrayBuffer());
    latencies.push(performance.now() - s);
    if (res.status !== 200 || (type === 'application/json' && answer.toString() !== '{}')) {
      failed += 1;
      if (failed === 1) console.error(res.status, answer.toString().slice(0, 300));
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  if (failed > 0) throw new Error(`${failed} ingest requests failed`);
  return { rate: (bodies.length * BATCH) / seconds, p99Ms: p99(latencies) };
}

/**
 * The bench's traces are never assembled; left behind in a shared database they would be due for
 * every other assembly run there. Removed before and after the run.
 */
async function removeBenchRows(client: pg.Client): Promise<void> {
  for (const table of ['trace.spans', 'trace.traces']) {
    await client.query(`DELETE FROM ${table} WHERE tenant_id LIKE 'bench-%'`);
  }
}

async function main(): Promise<void> {
  const infra = await startPostgres();
  const databaseUrl = infra.url;
  // The default limits stay in place: no RATE_LIMIT_MAX, and the limits file only overrides the
  // two tenants of the limits phase.
  const runId = Date.now().toString(36);
  const raisedTenant = `bench-${runId}-raised`;
  const loweredTenant = `bench-${runId}-lowered`;
  const limitsDir = mkdtempSync(join(tmpdir(), 'bench-limits-'));
  const limitsFile = join(limitsDir, 'limits.json');
  writeFileSync(
    limitsFile,
    JSON.stringify({
      tenants: {
        [raisedTenant]: { spans: { rate: 1_000_000, burst: 2_000_000 } },
        [loweredTenant]: { spans: { rate: loweredRate, burst: loweredRate } },
      },
    }),
  );
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    DATABASE_URL: databaseUrl,
    JWT_SECRET,
    BODY_LIMIT_BYTES: String(16 * 1024 * 1024),
    TENANT_LIMITS_FILE: limitsFile,
  };
  const spanLimits = DEFAULT_LIMITS.spans;
  console.log(
    `limits: the defaults are in place: spans ${fmt(spanLimits.rate)}/s (burst ${fmt(spanLimits.burst)}), ${fmt(spanLimits.bytesRate / 1024 / 1024)} MiB/s (burst ${fmt(spanLimits.bytesBurst / 1024 / 1024)} MiB) per tenant; request limit RATE_LIMIT_MAX default (ingest routes leave it); a 429 is retried after Retry-After and counted`,
  );
  const service = await buildService(
    createTraceService({ ...traceConfigFrom({}), assemblyIntervalMs: 0, retentionIntervalMs: 0 }),
    { env, runJobs: false },
  );
  const url = await service.app.listen({ port: 0, host: '127.0.0.1' });
  const gateway = await buildOtlpGateway({
    env: { LOG_LEVEL: 'error' },
    upstreams: { 'trace-service': url },
  });
  const front = await gateway.listen(0);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const settings = await client.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit')`,
  );

  await removeBenchRows(client);
  const json: number[] = [];
  const proto: number[] = [];
  const copy: number[] = [];
  const jsonP99: number[] = [];
  const protoP99: number[] = [];
  const frontJson: number[] = [];
  const frontProto: number[] = [];
  const frontJsonP99: number[] = [];
  const frontProtoP99: number[] = [];
  const batches = Math.max(1, Math.round(totalSpans / BATCH));
  for (let round = 0; round < rounds; round += 1) {
    const tenant = `bench-${Date.now().toString(36)}-${round}`;
    const authorization = `Bearer ${mintToken({ tenantId: tenant, scopes: ['ingest'], secret: JWT_SECRET })}`;
    const now = Date.now();
    const jsonBodies = Array.from({ length: batches }, (_, b) => batch(tenant, b, now));
    const protoBodies = Array.from({ length: batches }, (_, b) =>
      protobufOf(batch(tenant, b, now)),
    );
    const jsonText = jsonBodies.map((b) => JSON.stringify(b));
    // The front door's own bodies: the same shape, other trace ids.
    const frontJsonText = Array.from({ length: batches }, (_, b) =>
      JSON.stringify(batch(tenant, b, now)),
    );
    const frontProtoBodies = Array.from({ length: batches }, (_, b) =>
      protobufOf(batch(tenant, b, now)),
    );
    // Building the bodies held the event loop for a while: let the servers' keep-alive timers
    // that expired meanwhile close their idle sockets before the client reuses one (a reused
    // socket the server is closing at that moment is an ECONNRESET, not a measurement).
    await sleep(250);
    // Warm-up, not measured.
    await post(url, authorization, jsonText.slice(0, 8), 'application/json');
    await post(url, authorization, protoBodies.slice(0, 8), 'application/x-protobuf');
    await post(front, authorization, frontJsonText.slice(0, 8), 'application/json');
    await post(front, authorization, frontProtoBodies.slice(0, 8), 'application/x-protobuf');

    const directPaths = async () => ({
      j: await post(url, authorization, jsonText, 'application/json'),
      p: await post(url, authorization, protoBodies, 'application/x-protobuf'),
    });
    const frontPaths = async () => ({
      fj: await post(front, authorization, frontJsonText, 'application/json'),
      fp: await post(front, authorization, frontProtoBodies, 'application/x-protobuf'),
    });
    // Interleaved: which of the two goes first alternates from round to round.
    const { j, p, fj, fp } =
      round % 2 === 0
        ? { ...(await directPaths()), ...(await frontPaths()) }
        : { ...(await frontPaths()), ...(await directPaths()) };

    // The same span rows the ingest wrote for the JSON bodies, as COPY text lines.
    const receivedAt = Date.now();
    const chunks = jsonBodies.map((body) =>
      parseOtlpSpans(normalizeMessage(TRACES, body), tenant)
        .spans.map((span) => spanCopyLine(span, receivedAt))
        .join('\n')
        .concat('\n'),
    );
    const c0 = performance.now();
    await pipeline(
      Readable.from(chunks),
      client.query(copyFrom(`COPY trace.spans (${SPAN_COLUMNS.join(', ')}) FROM STDIN`)),
    );
    const c = (batches * BATCH) / ((performance.now() - c0) / 1000);
    json.push(j.rate);
    proto.push(p.rate);
    copy.push(c);
    jsonP99.push(j.p99Ms);
    protoP99.push(p.p99Ms);
    frontJson.push(fj.rate);
    frontProto.push(fp.rate);
    frontJsonP99.push(fj.p99Ms);
    frontProtoP99.push(fp.p99Ms);
    console.log(
      `round ${round + 1}: JSON ${fmt(j.rate)} spans/s (p99 ${j.p99Ms.toFixed(1)} ms/batch), protobuf ${fmt(p.rate)} spans/s (p99 ${p.p99Ms.toFixed(1)} ms), COPY ${fmt(c)} rows/s; through 4318: JSON ${fmt(fj.rate)} spans/s (p99 ${fj.p99Ms.toFixed(1)} ms), protobuf ${fmt(fp.rate)} spans/s (p99 ${fp.p99Ms.toFixed(1)} ms)`,
    );
  }
  // Tenant limits: one tenant alone, JSON straight to the service, at the defaults and with
  // each override (no other traffic meanwhile).
  const limitBatches = Math.max(1, Math.round(limitSpans / BATCH));
  const sustained: { name: string; rate: number; refused: number }[] = [];
  for (const [name, tenant] of [
    ['defaults', `bench-${runId}-defaults`],
    ['override raised (1,000,000/s)', raisedTenant],
    [`override lowered (${fmt(loweredRate)}/s, burst ${fmt(loweredRate)})`, loweredTenant],
  ] as const) {
    const authorization = `Bearer ${mintToken({ tenantId: tenant, scopes: ['ingest'], secret: JWT_SECRET })}`;
    const now = Date.now();
    const bodies = Array.from({ length: limitBatches }, (_, b) =>
      JSON.stringify(batch(tenant, b, now)),
    );
    await sleep(250);
    const before = refusals;
    const result = await post(url, authorization, bodies, 'application/json');
    sustained.push({ name, rate: result.rate, refused: refusals - before });
    const bytesPerSpan =
      bodies.reduce((sum, body) => sum + body.length, 0) / (limitBatches * BATCH);
    console.log(
      `limits, ${name}: ${fmt(result.rate)} spans/s (${fmt((result.rate * bytesPerSpan) / 1024 / 1024)} MiB/s of JSON, ${fmt(bytesPerSpan)} B a span), ${refusals - before} refusals`,
    );
  }
  await removeBenchRows(client);
  await client.end();
  rmSync(limitsDir, { recursive: true, force: true });
  await gateway.close();
  await service.close();
  await infra.stop();
  const copyRate = median(copy);
  console.log('\n## POST /v1/traces (durable) vs raw COPY of the same span rows into trace.spans');
  console.log(
    `settings: ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ')}; ${connections} connections, batches of ${BATCH} spans (${SPANS_PER_TRACE} per trace), ${batches * BATCH} spans per path and round, ${rounds} rounds (medians)`,
  );
  console.log('| path | spans/s | ratio to COPY | p99 per batch |\n| --- | --- | --- | --- |');
  console.log(
    `| OTLP/HTTP JSON | ${fmt(median(json))} | ${(median(json) / copyRate).toFixed(2)}× | ${median(jsonP99).toFixed(1)} ms |`,
  );
  console.log(
    `| OTLP/HTTP protobuf | ${fmt(median(proto))} | ${(median(proto) / copyRate).toFixed(2)}× | ${median(protoP99).toFixed(1)} ms |`,
  );
  console.log(`| COPY FROM STDIN, one stream, same rows | ${fmt(copyRate)} | 1.00× | |`);
  console.log(`JSON target ≥ 0.5× of COPY: ${median(json) / copyRate >= 0.5 ? 'met' : 'NOT met'}`);
  console.log(
    '\n## The OTLP/HTTP front door (4318) vs posting to trace-service directly, same run, interleaved',
  );
  console.log(
    '| encoding | direct spans/s | via 4318 spans/s | ratio | direct p99 | via 4318 p99 |\n| --- | --- | --- | --- | --- | --- |',
  );
  for (const [name, d, f, dp, fp] of [
    ['JSON', json, frontJson, jsonP99, frontJsonP99],
    ['protobuf', proto, frontProto, protoP99, frontProtoP99],
  ] as const) {
    console.log(
      `| ${name} | ${fmt(median(d))} | ${fmt(median(f))} | ${(median(f) / median(d)).toFixed(2)}× | ${median(dp).toFixed(1)} ms | ${median(fp).toFixed(1)} ms |`,
    );
  }
  console.log(
    `\n## One tenant's sustained spans/s under its limits (JSON, ${connections} connections, ${limitBatches * BATCH} spans each; 429s waited out after Retry-After)`,
  );
  console.log('| tenant | spans/s | 429s |\n| --- | --- | --- |');
  for (const row of sustained) console.log(`| ${row.name} | ${fmt(row.rate)} | ${row.refused} |`);
  console.log(`429s in the whole run: ${refusals}`);
}

await main();
