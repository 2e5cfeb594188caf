import { findFreePort } from '@obs/local-infra';
import { createLogQueryService, logQueryConfigFrom } from '@obs/log-query-service';
import { createMetricAggregationService, metricConfigFrom } from '@obs/metric-aggregation-service';
import { buildOtlpGateway, type OtlpGateway, type RunningService } from '@obs/service-kit';
import { bearer, startTestService, TestClock } from '@obs/service-kit/testing';
import { createTraceService, traceConfigFrom } from '@obs/trace-service';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 24's one OTLP/HTTP endpoint, with real processes: trace-service, log-query-service and
 * metric-aggregation-service on real PostgreSQL and Kafka, the front door as its own process
 * (packages/service-kit/src/http/otlp-gateway-main.ts, what the images run), and an application
 * instrumented with the unmodified OpenTelemetry Node SDK (e2e/fixtures/otel-env-app.ts) that is
 * configured by the README's block of standard variables only. Every signal is read back
 * through the services' public APIs; refusals (400, 503 + Retry-After) and CORS pass unchanged.
 */
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const APP = join(root, 'e2e', 'fixtures', 'otel-env-app.ts');
const GATEWAY_MAIN = join(root, 'packages', 'service-kit', 'src', 'http', 'otlp-gateway-main.ts');
const IDLE_MS = 1_000;
const ORIGIN = 'https://app.example.com';
const RATE = { RATE_LIMIT_MAX: '100000' };

const tenant = `otlp-door-${randomUUID().slice(0, 8)}`;
const clock = new TestClock(Date.now());

let traces: RunningService;
let logs: RunningService;
let metrics: RunningService;
let full: RunningService;
let fullGateway: OtlpGateway;
/** The full replica, and the front door before it. */
let fullUrl: string;
let fullFront: string;
let gateway: ChildProcess;
let gatewayOutput = '';
let endpoint: string;
const direct: Record<'traces' | 'logs' | 'metrics', string> = { traces: '', logs: '', metrics: '' };

/** The README's sh block that sets OTEL_EXPORTER_OTLP_ENDPOINT. */
function readmeBlock(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .find((b) => b.includes('OTEL_EXPORTER_OTLP_ENDPOINT'));
  if (!block) throw new Error('README.md has no sh block with OTEL_EXPORTER_OTLP_ENDPOINT');
  return block;
}

/**
 * Runs the README block in bash, with the test's endpoint and tenant for `pnpm start`'s, then the
 * instrumented application in the environment it left; the app prints its trace id.
 */
async function runApp(extra: Record<string, string> = {}): Promise<string> {
  const block = readmeBlock();
  const script = block
    .replaceAll('http://127.0.0.1:4318', endpoint)
    .replaceAll('tenant.id=dev-tenant', `tenant.id=${tenant}`);
  expect(script).not.toBe(block);
  const { stdout } = await promisify(execFile)(
    'bash',
    ['-e', '-c', `${script}\nexec "${process.execPath}" --import tsx "${APP}"`],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TOKEN: bearer(tenant, ['ingest']).authorization.slice('Bearer '.length),
        ...extra,
      },
      timeout: 60_000,
    },
  );
  const traceId = /TRACE ([0-9a-f]{32})/.exec(stdout)?.[1];
  if (!traceId) throw new Error(`the instrumented app printed no trace id: ${stdout}`);
  return traceId;
}

const reader = bearer(tenant, ['read']);

beforeAll(async () => {
  const env = { ...RATE, CORS_ORIGINS: ORIGIN };
  traces = await startTestService(
    createTraceService({
      ...traceConfigFrom({}),
      idleMs: IDLE_MS,
      assemblyIntervalMs: 0,
      retentionIntervalMs: 0,
    }),
    { clock: clock.now, runJobs: false, env },
  );
  logs = await startTestService(createLogQueryService(logQueryConfigFrom({})), { env });
  metrics = await startTestService(createMetricAggregationService(metricConfigFrom({})), {
    env,
    runJobs: false,
  });
  direct.traces = await traces.app.listen({ port: 0, host: '127.0.0.1' });
  direct.logs = await logs.app.listen({ port: 0, host: '127.0.0.1' });
  direct.metrics = await metrics.app.listen({ port: 0, host: '127.0.0.1' });

  const port = await findFreePort();
  endpoint = `http://127.0.0.1:${port}`;
  gateway = spawn(process.execPath, ['--import', 'tsx', GATEWAY_MAIN], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      TRACE_SERVICE_URL: direct.traces,
      LOG_QUERY_SERVICE_URL: direct.logs,
      METRIC_AGGREGATION_SERVICE_URL: direct.metrics,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  gateway.stdout?.on('data', (chunk: Buffer) => (gatewayOutput += chunk.toString()));
  gateway.stderr?.on('data', (chunk: Buffer) => (gatewayOutput += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (gateway.exitCode !== null) throw new Error(`the gateway exited:\n${gatewayOutput}`);
    const up = await fetch(`${endpoint}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  // A replica of trace-service whose assembly backlog is full at one trace: it answers 503.
  full = await startTestService(
    createTraceService({
      ...traceConfigFrom({}),
      maxPendingTraces: 1,
      assemblyIntervalMs: 0,
      retentionIntervalMs: 0,
    }),
    { clock: clock.now, runJobs: false, env: RATE },
  );
  fullUrl = await full.app.listen({ port: 0, host: '127.0.0.1' });
  fullGateway = await buildOtlpGateway({
    env: { LOG_LEVEL: 'silent' },
    upstreams: {
      'trace-service': fullUrl,
      'log-query-service': direct.logs,
      'metric-aggregation-service': direct.metrics,
    },
  });
  fullFront = await fullGateway.listen(0);
}, 180_000);

afterAll(async () => {
  if (gateway?.exitCode === null) gateway.kill('SIGKILL');
  await fullGateway?.close();
  await Promise.all([traces, logs, metrics, full].map((service) => service?.close()));
});

const getTrace = (traceId: string) =>
  traces.app.inject({ method: 'GET', url: `/v1/traces/${traceId}`, headers: reader });

const queryLogs = (traceId: string) =>
  logs.app.inject({
    method: 'POST',
    url: '/v1/log-queries',
    headers: reader,
    payload: {
      traceId,
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 3_600_000).toISOString(),
      limit: 50,
    },
  });

describe('the unmodified SDK, configured by OTEL_EXPORTER_OTLP_ENDPOINT and _HEADERS only', () => {
  it.each([
    ['http/protobuf (the SDK default)', {}],
    ['http/json', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }],
    ['http/protobuf with gzip', { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }],
  ])(
    'exports traces, logs and metrics through the one endpoint over %s; all read back',
    async (_name, extra) => {
      const traceId = await runApp(extra);

      clock.nowMs += IDLE_MS + 1;
      await traces.jobs.get('trace-assembly')!.runOnce();
      const trace = await getTrace(traceId);
      expect(trace.statusCode, trace.body).toBe(200);
      const body = trace.json<{
        status: string;
        rootSpanName: string | null;
        dimensions: Record<string, string>;
        spans: { name: string; status: string }[];
      }>();
      expect(body).toMatchObject({ status: 'error', rootSpanName: 'POST /checkout' });
      expect(body.dimensions).toMatchObject({
        tenantId: tenant,
        projectId: 'checkout',
        service: 'payments-api',
        origin: 'generated-saas',
      });
      expect(body.spans.map(({ name, status }) => ({ name, status }))).toEqual([
        { name: 'POST /checkout', status: 'unset' },
        { name: 'SELECT orders', status: 'error' },
      ]);

      const found = await queryLogs(traceId);
      expect(found.statusCode, found.body).toBe(200);
      expect(
        found.json<{ items: { body: string; level: string }[] }>().items.map((r) => r.body),
      ).toEqual(['checkout started', 'payment provider timed out']);

      const metric = await metrics.app.inject({
        method: 'GET',
        url: '/v1/metrics/checkout.orders',
        headers: reader,
      });
      expect(metric.statusCode, metric.body).toBe(200);
      expect(metric.json()).toMatchObject({
        name: 'checkout.orders',
        dimensions: expect.arrayContaining(['tenantId', 'projectId', 'service']) as unknown,
        attributes: ['outcome'],
      });
    },
    90_000,
  );

  it('keeps tenants apart through the front door: another tenant reads nothing', async () => {
    const traceId = await runApp();
    const other = bearer(`${tenant}-other`, ['read']);
    const res = await traces.app.inject({
      method: 'GET',
      url: `/v1/traces/${traceId}`,
      headers: other,
    });
    expect(res.statusCode).toBe(404);
  }, 60_000);
});

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}
const VARYING = ['date', 'connection', 'keep-alive', 'x-ratelimit-remaining', 'x-ratelimit-reset'];

async function send(url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!VARYING.includes(name)) headers[name] = value;
  });
  if (res.status === 204) delete headers['content-length'];
  return { status: res.status, headers, body: await res.text() };
}

describe('refusals pass through unchanged', () => {
  it('a body that does not parse: the same 400 and google.rpc.Status, from each service', async () => {
    const ingest = bearer(tenant, ['ingest']);
    for (const [signal, base] of [
      ['traces', direct.traces],
      ['metrics', direct.metrics],
      ['logs', direct.logs],
    ] as const) {
      const init = {
        method: 'POST',
        headers: { ...ingest, 'content-type': 'application/json' },
        body: '{"resource',
      };
      const a = await send(`${base}/v1/${signal}`, init);
      const b = await send(`${endpoint}/v1/${signal}`, init);
      expect(b, signal).toEqual(a);
      expect(b.status).toBe(400);
      expect(JSON.parse(b.body)).toMatchObject({ code: 3 });
    }
  });

  it('a full assembly backlog: the same 503 with Retry-After', async () => {
    const ingest = bearer(tenant, ['ingest']);
    const span = (traceId: string) =>
      JSON.stringify({
        resourceSpans: [
          {
            resource: {
              attributes: Object.entries({
                'tenant.id': tenant,
                'project.id': 'checkout',
                'module.id': 'payments',
                'artifact.id': 'payments-api',
                'execution.id': 'exec-1',
                'agent.id': 'none',
                'service.name': 'payments-api',
                'service.version': '1.14.2',
                'deployment.environment.name': 'production',
                'cloud.region': 'westeurope',
                'telemetry.origin': 'generated-saas',
              }).map(([key, value]) => ({ key, value: { stringValue: value } })),
            },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId,
                    spanId: randomUUID().replaceAll('-', '').slice(0, 16),
                    name: 'GET /cart',
                    startTimeUnixNano: `${BigInt(clock.nowMs) * 1_000_000n}`,
                    endTimeUnixNano: `${BigInt(clock.nowMs + 5) * 1_000_000n}`,
                  },
                ],
              },
            ],
          },
        ],
      });
    const post = (url: string) =>
      send(`${url}/v1/traces`, {
        method: 'POST',
        headers: { ...ingest, 'content-type': 'application/json' },
        body: span(randomUUID().replaceAll('-', '')),
      });
    // At least one trace now waits for assembly (this one, or one of the tests above); once the
    // backlog is read again, the replica is full.
    const first = await post(fullFront);
    expect([200, 503], first.body).toContain(first.status);
    clock.nowMs += 1_001;
    const a = await post(fullUrl);
    const b = await post(fullFront);
    expect(b).toEqual(a);
    expect(b.status).toBe(503);
    expect(b.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    expect(JSON.parse(b.body)).toMatchObject({ code: 14 });
  });
});

describe('CORS through the front door', () => {
  const preflight = (url: string, origin: string) =>
    send(url, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, content-encoding',
      },
    });
  const cors = (answer: Answer) =>
    Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'));

  it('answers the preflight and the export of an allowed origin, for every signal', async () => {
    for (const signal of ['traces', 'metrics', 'logs']) {
      const pre = await preflight(`${endpoint}/v1/${signal}`, ORIGIN);
      expect(pre.status, signal).toBe(204);
      expect(pre.headers).toMatchObject({
        'access-control-allow-origin': ORIGIN,
        'access-control-allow-methods': 'GET, HEAD, POST',
        'access-control-allow-headers': 'Authorization, Content-Type, Content-Encoding',
      });
      const res = await send(`${endpoint}/v1/${signal}`, {
        method: 'POST',
        headers: {
          ...bearer(tenant, ['ingest']),
          origin: ORIGIN,
          'content-type': 'application/json',
        },
        body: '{}',
      });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.headers['access-control-expose-headers']).toContain('Retry-After');
    }
  });

  it('gives another origin nothing', async () => {
    const pre = await preflight(`${endpoint}/v1/traces`, 'https://evil.example.net');
    expect(pre.status).toBe(404);
    expect(cors(pre)).toEqual([]);
    const res = await send(`${endpoint}/v1/traces`, {
      method: 'POST',
      headers: {
        ...bearer(tenant, ['ingest']),
        origin: 'https://evil.example.net',
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(cors(res)).toEqual([]);
  });

  it('gives nothing by default: a service without CORS_ORIGINS answers no preflight', async () => {
    const pre = await preflight(`${fullFront}/v1/traces`, ORIGIN);
    expect(pre.status).toBe(405);
    expect(cors(pre)).toEqual([]);
  });
});

describe('the front door process', () => {
  it('drains and exits 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => gateway.once('exit', resolve));
    gateway.kill('SIGTERM');
    expect(await exited, gatewayOutput).toBe(0);
  });
});
