import type { RunningService } from '@obs/service-kit';
import { TestClock, expectProblem } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  newSpanId,
  newTraceId,
  reader,
  resourceAttributes,
  sendSpans,
  startTraceService,
  uniqueTenant,
} from '../../test/trace-test-kit.js';

const clock = new TestClock(Date.parse('2031-03-01T12:00:00.000Z'));
/** Span times: nanoseconds with sub-microsecond digits, as SDKs send them. */
const T0_NS = BigInt(clock.nowMs - 60_000) * 1_000_000n + 123_456n;
const ns = (offsetUs: number, extraNs = 0) =>
  String(T0_NS + BigInt(offsetUs) * 1000n + BigInt(extraNs));
const T0_US = Number(T0_NS / 1000n);

const tenant = uniqueTenant('jaeger');
const intruder = uniqueTenant('jaeger-x');
let service: RunningService;

const traceA = newTraceId();
const traceB = newTraceId();
const traceC = newTraceId();
const linked = newTraceId();
const rootA = newSpanId();
const clientA = newSpanId();
const serverA = newSpanId();
const dbA = newSpanId();
const linkedSpan = newSpanId();

const kv = (key: string, value: Record<string, unknown>) => ({ key, value });
const str = (key: string, value: string) => kv(key, { stringValue: value });

function resource(name: string, extra: { key: string; value: Record<string, unknown> }[] = []) {
  return {
    attributes: [
      ...Object.entries(resourceAttributes(tenant, { 'service.name': name })).map(([k, v]) =>
        str(k, v),
      ),
      ...extra,
    ],
  };
}

/** Trace A: frontend (server root → client) → checkout (server → client to a database). */
const bodyA = {
  resourceSpans: [
    {
      resource: resource('frontend', [
        kv('host.cores', { intValue: '8' }),
        kv('telemetry.sdk.language', { stringValue: 'nodejs' }),
      ]),
      scopeSpans: [
        {
          scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0' },
          spans: [
            {
              traceId: traceA,
              spanId: rootA,
              name: 'GET /cart',
              kind: 2,
              startTimeUnixNano: ns(0),
              endTimeUnixNano: ns(50_000, 999),
              traceState: 'vendor=abc',
              attributes: [
                str('http.route', '/cart'),
                kv('http.status_code', { intValue: '200' }),
                kv('ratio', { doubleValue: 0.25 }),
                kv('whole', { doubleValue: 3 }),
                kv('cached', { boolValue: true }),
                kv('blob', { bytesValue: Buffer.from('hi').toString('base64') }),
                kv('big', { intValue: '9007199254740993' }),
                kv('list', { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }] } }),
                kv('map', {
                  kvlistValue: {
                    values: [kv('z', { intValue: '1' }), kv('a', { stringValue: '<b>' })],
                  },
                }),
              ],
              events: [
                {
                  name: 'cache miss',
                  timeUnixNano: ns(1_000, 500),
                  attributes: [kv('attempt', { intValue: '2' }), str('cache.key', 'cart:42')],
                },
              ],
              status: { code: 1 },
            },
            {
              traceId: traceA,
              spanId: clientA,
              parentSpanId: rootA,
              name: 'POST checkout',
              kind: 3,
              startTimeUnixNano: ns(5_000),
              endTimeUnixNano: ns(45_000),
              links: [
                {
                  traceId: linked,
                  spanId: linkedSpan,
                  attributes: [str('opentracing.ref_type', 'follows_from')],
                },
              ],
            },
          ],
        },
      ],
    },
    {
      resource: resource('checkout'),
      scopeSpans: [
        {
          spans: [
            {
              traceId: traceA,
              spanId: serverA,
              parentSpanId: clientA,
              name: 'POST /checkout',
              kind: 2,
              startTimeUnixNano: ns(10_000),
              // Outlasts the client's end (45ms): Jaeger warns about the skew it would adjust.
              endTimeUnixNano: ns(47_000),
              status: { code: 2, message: 'card declined' },
            },
            {
              traceId: traceA,
              spanId: dbA,
              parentSpanId: serverA,
              name: 'INSERT orders',
              kind: 3,
              startTimeUnixNano: ns(12_000),
              endTimeUnixNano: ns(20_000),
              attributes: [str('db.system', 'postgresql')],
            },
          ],
        },
      ],
    },
  ],
};

function simpleTrace(traceId: string, name: string, durationUs: number, startUs: number) {
  return {
    resourceSpans: [
      {
        resource: resource('batch'),
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: newSpanId(),
                name,
                kind: 1,
                startTimeUnixNano: ns(startUs),
                endTimeUnixNano: ns(startUs + durationUs),
                attributes: [str('job', name)],
              },
            ],
          },
        ],
      },
    ],
  };
}

interface Envelope<T> {
  data: T;
  total: number;
  limit: number;
  offset: number;
  errors: { code?: number; msg: string; traceID?: string }[] | null;
}
interface Trace {
  traceID: string;
  spans: {
    spanID: string;
    operationName: string;
    references: unknown[];
    startTime: number;
    duration: number;
    tags: { key: string; type: string; value: unknown }[];
    logs: { timestamp: number; fields: unknown[] }[];
    processID: string;
    warnings: string[] | null;
  }[];
  processes: Record<string, { serviceName: string; tags: unknown[] }>;
  warnings: null;
}

async function get<T>(url: string, tenantId = tenant): Promise<Envelope<T>> {
  const res = await service.app.inject({ method: 'GET', url, headers: reader(tenantId) });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.json<Envelope<T>>();
}

const ids = (traces: Trace[]) => traces.map((t) => t.traceID).sort();

beforeAll(async () => {
  service = await startTraceService({ clock });
  await sendSpans(service, tenant, bodyA);
  // A retried export of the same batch: shown once.
  await sendSpans(service, tenant, bodyA);
  await sendSpans(service, tenant, simpleTrace(traceB, 'nightly', 2_000_000, 100));
  await sendSpans(service, tenant, simpleTrace(traceC, 'hourly', 30_000, 200));
});
afterAll(async () => {
  await service.close();
});

describe('GET /jaeger/api/traces/{traceId}', () => {
  it("answers the trace in Jaeger's JSON model, as Jaeger builds it from OTLP", async () => {
    const body = await get<Trace[]>(`/jaeger/api/traces/${traceA}`);
    expect(body).toMatchObject({ total: 0, limit: 0, offset: 0, errors: null });
    expect(body.data).toHaveLength(1);
    const trace = body.data[0] as Trace;
    expect(trace.traceID).toBe(traceA);
    expect(trace.warnings).toBeNull();
    expect(trace.spans).toHaveLength(4);
    const span = (id: string) => trace.spans.find((s) => s.spanID === id);
    const root = span(rootA);
    expect(root).toEqual({
      traceID: traceA,
      spanID: rootA,
      operationName: 'GET /cart',
      references: [],
      startTime: T0_US,
      // 50ms and 999ns: truncated to microseconds, as Jaeger's Duration / 1000.
      duration: 50_000,
      tags: [
        { key: 'big', type: 'int64', value: '9007199254740993' },
        { key: 'blob', type: 'binary', value: 'aGk=' },
        { key: 'cached', type: 'bool', value: true },
        { key: 'http.route', type: 'string', value: '/cart' },
        { key: 'http.status_code', type: 'int64', value: 200 },
        { key: 'list', type: 'string', value: '["a",2]' },
        { key: 'map', type: 'string', value: '{"a":"\\u003cb\\u003e","z":1}' },
        { key: 'otel.scope.name', type: 'string', value: '@opentelemetry/instrumentation-http' },
        { key: 'otel.scope.version', type: 'string', value: '0.57.0' },
        { key: 'otel.status_code', type: 'string', value: 'OK' },
        { key: 'ratio', type: 'float64', value: 0.25 },
        { key: 'span.kind', type: 'string', value: 'server' },
        { key: 'w3c.tracestate', type: 'string', value: 'vendor=abc' },
        { key: 'whole', type: 'float64', value: 3 },
      ],
      logs: [
        {
          timestamp: T0_US + 1_000,
          fields: [
            { key: 'event', type: 'string', value: 'cache miss' },
            { key: 'attempt', type: 'int64', value: 2 },
            { key: 'cache.key', type: 'string', value: 'cart:42' },
          ],
        },
      ],
      processID: 'p1',
      warnings: null,
    });
    expect(trace.processes.p1?.serviceName).toBe('frontend');
    expect(trace.processes.p1?.tags).toEqual(
      expect.arrayContaining([
        { key: 'host.cores', type: 'int64', value: 8 },
        { key: 'telemetry.sdk.language', type: 'string', value: 'nodejs' },
        { key: 'tenant.id', type: 'string', value: tenant },
      ]),
    );
    expect(JSON.stringify(trace.processes.p1?.tags)).not.toContain('service.name');

    expect(span(clientA)?.references).toEqual([
      { refType: 'CHILD_OF', traceID: traceA, spanID: rootA },
      { refType: 'FOLLOWS_FROM', traceID: linked, spanID: linkedSpan },
    ]);
    expect(span(clientA)?.processID).toBe('p1');
    const server = span(serverA);
    expect(server?.processID).toBe('p2');
    expect(trace.processes.p2?.serviceName).toBe('checkout');
    expect(server?.tags).toEqual([
      { key: 'error', type: 'bool', value: true },
      { key: 'otel.status_code', type: 'string', value: 'ERROR' },
      { key: 'otel.status_description', type: 'string', value: 'card declined' },
      { key: 'span.kind', type: 'string', value: 'server' },
    ]);
    // Parent 5-45ms, child 10-47ms: Jaeger centres the child (5 + (40 - 37) / 2 - 10 = -3.5ms) but, with
    // adjustment disabled (its default), only warns.
    expect(server?.warnings).toEqual([
      'clock skew adjustment disabled; not applying calculated delta of -3.5ms',
    ]);
    expect(span(dbA)?.warnings).toBeNull();
  });

  it('accepts a short or upper-case id as Jaeger does, and 404s an unknown one', async () => {
    const upper = await get<Trace[]>(`/jaeger/api/traces/${traceA.toUpperCase()}`);
    expect(upper.data[0]?.traceID).toBe(traceA);
    const res = await service.app.inject({
      method: 'GET',
      url: `/jaeger/api/traces/${newTraceId()}`,
      headers: reader(tenant),
    });
    expectProblem(res, 404, 'not_found');
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: '/jaeger/api/traces/0',
        headers: reader(tenant),
      }),
      404,
      'not_found',
    );
  });
});

describe('services and operations', () => {
  it('lists the services of the tenant, sorted', async () => {
    const body = await get<string[]>('/jaeger/api/services');
    expect(body).toEqual({
      data: ['batch', 'checkout', 'frontend'],
      total: 3,
      limit: 0,
      offset: 0,
      errors: null,
    });
  });

  it('lists operations with their kind, and names only on the legacy route', async () => {
    const all = await get<{ name: string; spanKind: string }[]>(
      '/jaeger/api/operations?service=checkout',
    );
    expect(all.data).toEqual([
      { name: 'INSERT orders', spanKind: 'client' },
      { name: 'POST /checkout', spanKind: 'server' },
    ]);
    expect(all.total).toBe(2);
    const servers = await get<unknown[]>('/jaeger/api/operations?service=checkout&spanKind=server');
    expect(servers.data).toEqual([{ name: 'POST /checkout', spanKind: 'server' }]);
    const legacy = await get<string[]>('/jaeger/api/services/frontend/operations');
    expect(legacy.data).toEqual(['GET /cart', 'POST checkout']);
    const unknown = await get<string[]>('/jaeger/api/services/nobody/operations');
    expect(unknown).toMatchObject({ data: [], total: 0 });
  });
});

describe('GET /jaeger/api/traces (search)', () => {
  const search = async (query: string) =>
    ids((await get<Trace[]>(`/jaeger/api/traces?${query}`)).data);

  it('finds traces with one span meeting every filter', async () => {
    expect(await search('service=frontend')).toEqual([traceA]);
    expect(await search('service=batch')).toEqual([traceB, traceC].sort());
    expect(await search('service=batch&operation=nightly')).toEqual([traceB]);
    expect(await search('service=batch&minDuration=1s')).toEqual([traceB]);
    expect(await search('service=batch&maxDuration=100ms')).toEqual([traceC]);
    expect(await search('service=batch&minDuration=10ms&maxDuration=1.5s')).toEqual([traceC]);
    // The duration belongs to the span of the service: checkout's spans are all < 40ms.
    expect(await search('service=checkout&minDuration=40ms')).toEqual([]);
  });

  it('matches tags on span, resource and event attributes, and error on the status', async () => {
    const tags = (json: object) => encodeURIComponent(JSON.stringify(json));
    expect(await search(`service=frontend&tags=${tags({ 'http.status_code': '200' })}`)).toEqual([
      traceA,
    ]);
    expect(await search(`service=frontend&tags=${tags({ 'http.status_code': '500' })}`)).toEqual(
      [],
    );
    expect(await search(`service=frontend&tags=${tags({ 'host.cores': '8' })}`)).toEqual([traceA]);
    expect(await search(`service=frontend&tags=${tags({ 'cache.key': 'cart:42' })}`)).toEqual([
      traceA,
    ]);
    expect(await search('service=frontend&tag=cache.key:cart:42')).toEqual([traceA]);
    expect(await search(`service=checkout&tags=${tags({ error: 'true' })}`)).toEqual([traceA]);
    expect(await search(`service=frontend&tags=${tags({ error: 'true' })}`)).toEqual([]);
    // Both conditions on one span: the route is the root's, db.system the database call's.
    expect(
      await search(
        `service=checkout&tags=${tags({ 'http.route': '/cart', 'db.system': 'postgresql' })}`,
      ),
    ).toEqual([]);
  });

  it('applies start, end and limit', async () => {
    const startUs = T0_US + 150;
    expect(await search(`service=batch&start=${startUs}`)).toEqual([traceC]);
    expect(await search(`service=batch&end=${startUs}`)).toEqual([traceB]);
    const newest = await get<Trace[]>('/jaeger/api/traces?service=batch&limit=1');
    expect(ids(newest.data)).toEqual([traceC]);
    // Outside the default window (48 hours back from now): nothing.
    expect(await search(`service=batch&end=${T0_US - 1}`)).toEqual([]);
  });

  it('reads an empty parameter as an absent one, as Jaeger (Go FormValue) does', async () => {
    expect(
      await search(
        'service=batch&operation=&tags=&tag=&minDuration=&maxDuration=&start=&end=&limit=&lookback=1h',
      ),
    ).toEqual([traceB, traceC].sort());
    const ops = await get<unknown[]>('/jaeger/api/operations?service=batch&spanKind=');
    expect(ops.data).toEqual([
      { name: 'hourly', spanKind: 'internal' },
      { name: 'nightly', spanKind: 'internal' },
    ]);
    const deps = await get<unknown[]>('/jaeger/api/dependencies?endTs=&lookback=&service=');
    expect(deps.data).toEqual((await get<unknown[]>('/jaeger/api/dependencies')).data);
    expect(deps.data).toEqual(
      expect.arrayContaining([{ parent: 'frontend', child: 'checkout', callCount: 1 }]),
    );
  });

  it('answers traces by id, naming the ones not found', async () => {
    const missing = newTraceId();
    const body = await get<Trace[]>(`/jaeger/api/traces?traceID=${traceB}&traceID=${missing}`);
    expect(ids(body.data)).toEqual([traceB]);
    expect(body.errors).toEqual([{ msg: 'trace not found', traceID: missing }]);
  });
});

describe('tenancy', () => {
  it('shows another tenant none of the traces, services or operations', async () => {
    expect((await get<string[]>('/jaeger/api/services', intruder)).data).toEqual([]);
    expect(
      (await get<unknown[]>('/jaeger/api/operations?service=frontend', intruder)).data,
    ).toEqual([]);
    expect((await get<Trace[]>('/jaeger/api/traces?service=frontend', intruder)).data).toEqual([]);
    const byId = await get<Trace[]>(`/jaeger/api/traces?traceID=${traceA}`, intruder);
    expect(byId.data).toEqual([]);
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: `/jaeger/api/traces/${traceA}`,
        headers: reader(intruder),
      }),
      404,
      'not_found',
    );
    expect((await get<unknown[]>('/jaeger/api/dependencies', intruder)).data).toEqual([]);
  });
});

describe('bad input', () => {
  const refused = async (url: string, status: number, code: string, field?: string) => {
    const res = await service.app.inject({ method: 'GET', url, headers: reader(tenant) });
    const body = expectProblem(res, status, code);
    if (field !== undefined) {
      expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    }
  };

  it.each([
    ['/jaeger/api/traces?service=a&limit=0', 'querystring.limit'],
    ['/jaeger/api/traces?service=a&limit=x', 'querystring.limit'],
    ['/jaeger/api/traces?service=a&minDuration=abc', 'querystring.minDuration'],
    ['/jaeger/api/traces?service=a&maxDuration=5', 'querystring.maxDuration'],
    ['/jaeger/api/traces?service=a&tags=notjson', 'querystring.tags'],
    ['/jaeger/api/traces?service=a&tags=%7B%22a%22%3A1%7D', 'querystring.tags'],
    ['/jaeger/api/traces?service=a&tag=nocolon', 'querystring.tag'],
    ['/jaeger/api/traces?service=a&start=-1', 'querystring.start'],
    ['/jaeger/api/traces?service=a&bogus=1', 'querystring.bogus'],
    ['/jaeger/api/traces?traceID=xyz', 'querystring.traceID'],
    ['/jaeger/api/operations', 'querystring.service'],
    ['/jaeger/api/operations?service=a&spanKind=sideways', 'querystring.spanKind'],
    ['/jaeger/api/dependencies?endTs=soon', 'querystring.endTs'],
    ['/jaeger/api/dependencies?lookback=0', 'querystring.lookback'],
    [`/jaeger/api/traces/${'a'.repeat(33)}`, 'params.traceId'],
    ['/jaeger/api/traces/not-hex', 'params.traceId'],
  ])('%s answers 400 naming %s', async (url, field) => {
    await refused(url, 400, 'validation_failed', field);
  });

  it('answers 422 where only the combination of parameters is wrong', async () => {
    await refused('/jaeger/api/traces', 422, 'jaeger.service_required');
    await refused(
      '/jaeger/api/traces?service=a&minDuration=2s&maxDuration=1s',
      422,
      'jaeger.max_duration_below_min',
    );
  });

  it('needs a token with the read scope', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/jaeger/api/services' });
    expectProblem(res, 401, 'unauthorized');
  });
});
