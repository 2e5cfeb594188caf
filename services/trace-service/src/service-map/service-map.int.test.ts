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

const clock = new TestClock(Date.parse('2032-06-01T12:00:00.000Z'));
const T0 = clock.nowMs - 600_000;
const tenant = uniqueTenant('map');
let service: RunningService;

interface Span {
  service: string;
  project?: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  kind: number;
  startMs: number;
  durationMs: number;
  error?: boolean;
  attributes?: Record<string, string>;
}

/** One OTLP request, a resource per span (service and project from the span). */
function body(spans: readonly Span[]) {
  const ns = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
  return {
    resourceSpans: spans.map((s) => ({
      resource: {
        attributes: Object.entries(
          resourceAttributes(tenant, {
            'service.name': s.service,
            'project.id': s.project ?? 'shop',
          }),
        ).map(([key, value]) => ({ key, value: { stringValue: value } })),
      },
      scopeSpans: [
        {
          spans: [
            {
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId === undefined ? {} : { parentSpanId: s.parentSpanId }),
              name: `${s.service}-op`,
              kind: s.kind,
              startTimeUnixNano: ns(s.startMs),
              endTimeUnixNano: ns(s.startMs + s.durationMs),
              attributes: Object.entries(s.attributes ?? {}).map(([key, value]) => ({
                key,
                value: { stringValue: value },
              })),
              status: { code: s.error === true ? 2 : 0 },
            },
          ],
        },
      ],
    })),
  };
}

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;
const INTERNAL = 1;

/**
 * Checkout trace i (i = 0, 1, 2): frontend server → frontend client (10, 20, 30 ms) → checkout
 * server (the third one fails) → a database client span (postgresql, no server span) and a
 * producer → worker consumer; an internal span inside checkout; a client span naming nothing.
 */
function checkoutTrace(i: number): Span[] {
  const traceId = newTraceId();
  const at = T0 + i * 1000;
  const root = newSpanId();
  const client = newSpanId();
  const server = newSpanId();
  const producer = newSpanId();
  return [
    { service: 'frontend', traceId, spanId: root, kind: SERVER, startMs: at, durationMs: 50 },
    {
      service: 'frontend',
      traceId,
      spanId: client,
      parentSpanId: root,
      kind: CLIENT,
      startMs: at + 1,
      durationMs: 10 * (i + 1),
    },
    {
      service: 'checkout',
      traceId,
      spanId: server,
      parentSpanId: client,
      kind: SERVER,
      startMs: at + 2,
      durationMs: 5,
      error: i === 2,
    },
    {
      service: 'checkout',
      traceId,
      spanId: newSpanId(),
      parentSpanId: server,
      kind: CLIENT,
      startMs: at + 3,
      durationMs: 2,
      attributes: { 'db.system': 'postgresql', 'server.address': 'db.internal' },
    },
    {
      service: 'checkout',
      traceId,
      spanId: newSpanId(),
      parentSpanId: server,
      kind: INTERNAL,
      startMs: at + 3,
      durationMs: 1,
    },
    {
      service: 'checkout',
      traceId,
      spanId: newSpanId(),
      parentSpanId: server,
      kind: CLIENT,
      startMs: at + 3,
      durationMs: 1,
    },
    {
      service: 'checkout',
      traceId,
      spanId: producer,
      parentSpanId: server,
      kind: PRODUCER,
      startMs: at + 4,
      durationMs: 1,
    },
    {
      service: 'worker',
      traceId,
      spanId: newSpanId(),
      parentSpanId: producer,
      kind: CONSUMER,
      startMs: at + 6,
      durationMs: 4,
    },
  ];
}

/** A gateway internal span that is the parent of an api server span: no client span between. */
function gatewayTrace(project: string): Span[] {
  const traceId = newTraceId();
  const root = newSpanId();
  return [
    {
      service: 'gateway',
      project,
      traceId,
      spanId: root,
      kind: INTERNAL,
      startMs: T0,
      durationMs: 9,
    },
    {
      service: 'api',
      project,
      traceId,
      spanId: newSpanId(),
      parentSpanId: root,
      kind: SERVER,
      startMs: T0 + 1,
      durationMs: 7,
    },
  ];
}

interface Edge {
  caller: string;
  callee: string;
  calleeKind: string;
  peerAttribute: string | null;
  callCount: number;
  errorCount: number;
  p50Ms: number;
  p95Ms: number;
}
interface ServiceMap {
  from: string;
  to: string;
  projectId: string | null;
  nodes: { name: string; kind: string }[];
  edges: Edge[];
}

async function serviceMap(query = '', tenantId = tenant): Promise<ServiceMap> {
  const res = await service.app.inject({
    method: 'GET',
    url: `/v1/service-map${query}`,
    headers: reader(tenantId),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ServiceMap>();
}

beforeAll(async () => {
  service = await startTraceService({ clock });
  for (let i = 0; i < 3; i += 1) {
    const spans = body(checkoutTrace(i));
    await sendSpans(service, tenant, spans);
    // The exporter retried the first trace whole: its spans count once.
    if (i === 0) await sendSpans(service, tenant, spans);
  }
  await sendSpans(service, tenant, body(gatewayTrace('shop')));
  await sendSpans(service, tenant, body(gatewayTrace('admin')));
});
afterAll(async () => {
  await service.close();
});

describe('GET /v1/service-map', () => {
  it('gives the expected edges and counts for a fixed set of traces', async () => {
    const map = await serviceMap();
    expect(map.edges).toEqual([
      {
        caller: 'checkout',
        callee: 'postgresql',
        calleeKind: 'peer',
        peerAttribute: 'db.system',
        callCount: 3,
        errorCount: 0,
        p50Ms: 2,
        p95Ms: 2,
      },
      {
        caller: 'checkout',
        callee: 'worker',
        calleeKind: 'service',
        peerAttribute: null,
        callCount: 3,
        errorCount: 0,
        p50Ms: 1,
        p95Ms: 1,
      },
      {
        caller: 'frontend',
        callee: 'checkout',
        calleeKind: 'service',
        peerAttribute: null,
        callCount: 3,
        errorCount: 1,
        // The client spans lasted 10, 20 and 30 ms (the retried copy counted once).
        p50Ms: 20,
        p95Ms: 29,
      },
      {
        caller: 'gateway',
        callee: 'api',
        calleeKind: 'service',
        peerAttribute: null,
        callCount: 2,
        errorCount: 0,
        p50Ms: 7,
        p95Ms: 7,
      },
    ]);
    expect(map.nodes).toEqual([
      { name: 'api', kind: 'service' },
      { name: 'checkout', kind: 'service' },
      { name: 'frontend', kind: 'service' },
      { name: 'gateway', kind: 'service' },
      { name: 'postgresql', kind: 'peer' },
      { name: 'worker', kind: 'service' },
    ]);
    expect(map.to).toBe(new Date(clock.nowMs).toISOString());
  });

  it('keeps one project, and the window', async () => {
    const admin = await serviceMap('?projectId=admin');
    expect(admin.projectId).toBe('admin');
    expect(admin.edges.map((e) => [e.caller, e.callee, e.callCount])).toEqual([
      ['gateway', 'api', 1],
    ]);
    const before = await serviceMap(`?to=${new Date(T0).toISOString()}`);
    expect(before.edges).toEqual([]);
    const late = await serviceMap(
      `?from=${new Date(T0 + 1500).toISOString()}&to=${new Date(T0 + 5000).toISOString()}`,
    );
    const frontend = late.edges.find((e) => e.caller === 'frontend');
    expect(frontend?.callCount).toBe(1);
  });

  it('shows another tenant nothing, and refuses a malformed window', async () => {
    expect((await serviceMap('', uniqueTenant('map-x'))).edges).toEqual([]);
    const res = await service.app.inject({
      method: 'GET',
      url: '/v1/service-map?from=yesterday',
      headers: reader(tenant),
    });
    const problem = expectProblem(res, 400, 'validation_failed');
    expect(problem.errors).toEqual([expect.objectContaining({ field: 'querystring.from' })]);
  });
});

describe('GET /jaeger/api/dependencies', () => {
  it('answers the same edges as Jaeger dependency links', async () => {
    const res = await service.app.inject({
      method: 'GET',
      url: `/jaeger/api/dependencies?endTs=${clock.nowMs}&lookback=3600000`,
      headers: reader(tenant),
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ data: { parent: string; child: string; callCount: number }[] }>();
    expect(body).toMatchObject({ total: 0, limit: 0, offset: 0, errors: null });
    expect(body.data).toEqual([
      { parent: 'checkout', child: 'postgresql', callCount: 3 },
      { parent: 'checkout', child: 'worker', callCount: 3 },
      { parent: 'frontend', child: 'checkout', callCount: 3 },
      { parent: 'gateway', child: 'api', callCount: 2 },
    ]);
    const worker = await service.app.inject({
      method: 'GET',
      url: `/jaeger/api/dependencies?endTs=${clock.nowMs}&service=worker`,
      headers: reader(tenant),
    });
    expect(worker.json<{ data: unknown[] }>().data).toEqual([
      { parent: 'checkout', child: 'worker', callCount: 3 },
    ]);
  });
});
