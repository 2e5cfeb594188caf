import type { RunningService } from '@obs/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJaeger, type JaegerPeer } from '../../test/jaeger-peer.js';
import {
  ingester,
  reader,
  resourceAttributes,
  startTraceService,
  uniqueTenant,
} from '../../test/trace-test-kit.js';

/*
 * Differential test: the real Jaeger v1.75 (memory storage, OTLP/HTTP receiver) and this service
 * receive the same OTLP/JSON requests; their Jaeger APIs must answer the same services,
 * operations, a search by service + tag + duration, and every trace by id, once process ids and
 * orders (which Jaeger leaves to map iteration) are normalised.
 */

const tenant = uniqueTenant('jaeger-diff');
const SERVICES = ['frontend', 'checkout', 'payments', 'inventory'] as const;
const TRACES = 24;

/** A small deterministic generator (mulberry32), so a failure replays. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(20260601);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
const hex = (bytes: number) =>
  Array.from({ length: bytes }, () =>
    Math.floor(rnd() * 256)
      .toString(16)
      .padStart(2, '0'),
  ).join('');

type Value = Record<string, unknown>;
const kv = (key: string, value: Value) => ({ key, value });

/** Attributes of every OTLP type: string, bool, int (small and beyond 2^53), double, bytes, array, kvlist. */
function attributesOf(i: number) {
  return [
    kv('http.route', { stringValue: pick(['/cart', '/pay', '/stock', '/']) }),
    kv('http.status_code', { intValue: String(pick([200, 201, 404, 500])) }),
    kv('retry', { boolValue: i % 2 === 0 }),
    kv('ratio', { doubleValue: Math.round(rnd() * 1000) / 1000 + 0.001 }),
    kv('weight', { doubleValue: 2 }),
    kv('order.id', { intValue: String(1_000_000 + i) }),
    kv('huge', { intValue: '9223372036854775807' }),
    kv('payload', { bytesValue: Buffer.from(`p${i}`).toString('base64') }),
    kv('tags', {
      arrayValue: { values: [{ stringValue: 'a' }, { intValue: '7' }, { boolValue: false }] },
    }),
    kv('ctx', {
      kvlistValue: { values: [kv('z', { intValue: '1' }), kv('b', { stringValue: 'x&y' })] },
    }),
    kv('payment.method', { stringValue: pick(['card', 'wallet']) }),
  ];
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  traceState?: string;
  attributes: { key: string; value: Value }[];
  events: { name: string; timeUnixNano?: string; attributes: { key: string; value: Value }[] }[];
  links: { traceId: string; spanId: string; attributes?: { key: string; value: Value }[] }[];
  status: { code: number; message?: string };
}

const NOW_NS = BigInt(Date.now() - 10 * 60_000) * 1_000_000n;

/**
 * Trace i: frontend server root → frontend client → checkout server → (payments client →
 * payments server, with an error sometimes) and (inventory producer → inventory consumer);
 * checkout internal spans with events; links to earlier traces; children that do not fit in their
 * parents (clock-skew warnings); every few traces an orphan whose parent never arrives.
 */
function traceSpans(i: number, earlier: readonly OtlpSpan[]): Map<string, OtlpSpan[]> {
  const traceId = hex(16);
  const base = NOW_NS + BigInt(i) * 3_000_000_000n + BigInt(Math.floor(rnd() * 1000));
  const at = (us: number) => String(base + BigInt(Math.round(us * 1000)) + BigInt(i % 7));
  const spans = new Map<string, OtlpSpan[]>(SERVICES.map((s) => [s, []]));
  const add = (
    service: string,
    span: Omit<OtlpSpan, 'traceId' | 'events' | 'links' | 'attributes'> & Partial<OtlpSpan>,
  ) => {
    const full: OtlpSpan = { traceId, attributes: [], events: [], links: [], ...span };
    spans.get(service)?.push(full);
    return full;
  };
  const total = 40_000 + Math.floor(rnd() * 80_000);
  const root = add('frontend', {
    spanId: hex(8),
    name: pick(['GET /cart', 'POST /checkout', 'GET /']),
    kind: 2,
    startTimeUnixNano: at(0),
    endTimeUnixNano: at(total),
    attributes: attributesOf(i),
    status: { code: i % 5 === 0 ? 2 : 1, ...(i % 5 === 0 ? { message: 'upstream failed' } : {}) },
    ...(i % 3 === 0 ? { traceState: 'vendor=v1,other=o2' } : {}),
  });
  const client = add('frontend', {
    spanId: hex(8),
    parentSpanId: root.spanId,
    name: 'POST checkout',
    kind: 3,
    startTimeUnixNano: at(1_000),
    endTimeUnixNano: at(total - 1_000),
    attributes: [kv('peer.service', { stringValue: 'checkout' })],
    status: { code: 0 },
  });
  // Sometimes the server outlasts its client (clocks of two hosts): a clock-skew warning.
  const skew = i % 4 === 1 ? 3_000 : 0;
  const server = add('checkout', {
    spanId: hex(8),
    parentSpanId: client.spanId,
    name: 'POST /checkout',
    kind: 2,
    startTimeUnixNano: at(2_000),
    endTimeUnixNano: at(total - 2_000 + skew),
    attributes: attributesOf(i + 100),
    events: [
      {
        name: 'validated',
        timeUnixNano: at(2_500),
        attributes: [
          kv('items', { intValue: String(1 + (i % 4)) }),
          kv('coupon', { stringValue: `c${i % 3}` }),
        ],
      },
      // An event that names itself: Jaeger keeps the attribute, not the name.
      {
        name: 'annotated',
        timeUnixNano: at(2_600),
        attributes: [kv('event', { stringValue: 'custom' })],
      },
    ],
    status: { code: 0 },
  });
  const work = add('checkout', {
    spanId: hex(8),
    parentSpanId: server.spanId,
    name: 'price cart',
    kind: 1,
    startTimeUnixNano: at(3_000),
    endTimeUnixNano: at(3_000 + 500 + Math.floor(rnd() * 5_000)),
    status: { code: 0 },
    links:
      earlier.length === 0
        ? []
        : [
            {
              traceId: (earlier[earlier.length - 1] as OtlpSpan).traceId,
              spanId: (earlier[earlier.length - 1] as OtlpSpan).spanId,
            },
          ],
  });
  const payClient = add('checkout', {
    spanId: hex(8),
    parentSpanId: server.spanId,
    name: 'charge',
    kind: 3,
    startTimeUnixNano: at(10_000),
    endTimeUnixNano: at(30_000),
    attributes: [kv('rpc.service', { stringValue: 'payments.Charge' })],
    status: { code: 0 },
  });
  add('payments', {
    spanId: hex(8),
    parentSpanId: payClient.spanId,
    name: 'Charge',
    kind: 2,
    startTimeUnixNano: at(11_000),
    endTimeUnixNano: at(29_000 + (i % 6 === 2 ? 4_000 : 0)),
    attributes: [kv('payment.method', { stringValue: pick(['card', 'wallet']) })],
    status: i % 3 === 2 ? { code: 2, message: 'card declined' } : { code: 0 },
    events:
      i % 3 === 2
        ? [
            {
              name: 'exception',
              timeUnixNano: at(20_000),
              attributes: [kv('exception.type', { stringValue: 'Declined' })],
            },
          ]
        : [],
  });
  const produce = add('checkout', {
    spanId: hex(8),
    parentSpanId: server.spanId,
    name: 'publish order',
    kind: 4,
    startTimeUnixNano: at(31_000),
    endTimeUnixNano: at(32_000),
    attributes: [kv('messaging.system', { stringValue: 'kafka' })],
    status: { code: 0 },
  });
  add('inventory', {
    spanId: hex(8),
    parentSpanId: produce.spanId,
    name: 'reserve stock',
    kind: 5,
    startTimeUnixNano: at(33_000),
    endTimeUnixNano: at(38_000),
    // A link to the producer typed child_of: Jaeger keeps the parent CHILD_OF.
    links: [
      {
        traceId,
        spanId: produce.spanId,
        attributes: [kv('opentracing.ref_type', { stringValue: 'child_of' })],
      },
    ],
    status: { code: 1 },
  });
  add('inventory', {
    spanId: hex(8),
    parentSpanId: work.spanId,
    name: 'lookup sku',
    kind: 3,
    startTimeUnixNano: at(3_100),
    endTimeUnixNano: at(3_200),
    // A link to its own parent without a type: the parent reference becomes FOLLOWS_FROM.
    links: i % 2 === 0 ? [{ traceId, spanId: work.spanId }] : [],
    attributes: [kv('db.system', { stringValue: 'redis' })],
    status: { code: 0 },
  });
  if (i % 5 === 3) {
    add('inventory', {
      spanId: hex(8),
      parentSpanId: hex(8), // never sent
      name: 'late callback',
      kind: 1,
      startTimeUnixNano: at(50_000),
      endTimeUnixNano: at(50_100),
      events: [{ name: 'no time', attributes: [] }],
      status: { code: 0 },
    });
  }
  return spans;
}

function resourceOf(service: string) {
  return {
    attributes: [
      ...Object.entries(resourceAttributes(tenant, { 'service.name': service })).map(([k, v]) =>
        kv(k, { stringValue: v }),
      ),
      kv('host.cores', { intValue: String(2 + SERVICES.indexOf(service as never)) }),
      kv('process.pid', { intValue: '4242' }),
      kv('container.ready', { boolValue: true }),
      kv('load', { doubleValue: 0.75 }),
    ],
  };
}

/** One OTLP request per trace (a resource per service, scopes named and versioned). */
function requestOf(spans: Map<string, OtlpSpan[]>) {
  return {
    resourceSpans: [...spans]
      .filter(([, list]) => list.length > 0)
      .map(([service, list]) => ({
        resource: resourceOf(service),
        scopeSpans: [
          { scope: { name: `${service}-instrumentation`, version: '1.2.3' }, spans: list },
        ],
      })),
  };
}

// --- normalisation ---------------------------------------------------------------------------

interface KeyValue {
  key: string;
  type: string;
  value: unknown;
}
interface JSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: unknown[];
  startTime: number;
  duration: number;
  tags: KeyValue[];
  logs: { timestamp: number; fields: KeyValue[] }[];
  processID: string;
  warnings: string[] | null;
  flags?: number;
}
interface JTrace {
  traceID: string;
  spans: JSpan[];
  processes: Record<string, { serviceName: string; tags: KeyValue[] }>;
  warnings: string[] | null;
}

const byJson = (a: unknown, b: unknown) => {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Process ids replaced by the processes themselves; spans by id; tags of one key by value. */
function normalise(trace: JTrace) {
  return {
    traceID: trace.traceID,
    warnings: trace.warnings,
    spans: [...trace.spans]
      .sort((a, b) => (a.spanID < b.spanID ? -1 : 1))
      .map(({ processID, ...span }) => {
        const process = trace.processes[processID];
        return {
          ...span,
          tags: [...span.tags].sort(byJson),
          process: process && { ...process, tags: [...process.tags].sort(byJson) },
          warnings: span.warnings === null ? null : [...span.warnings].sort(),
        };
      }),
  };
}

/** Every leaf compared, and where the two differ (path: ours vs Jaeger's). */
function compare(
  ours: unknown,
  theirs: unknown,
  path: string,
  tally: { agreed: number; differences: string[] },
) {
  if (typeof ours === 'object' && ours !== null && typeof theirs === 'object' && theirs !== null) {
    if (Array.isArray(ours) !== Array.isArray(theirs)) {
      tally.differences.push(`${path}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`);
      return;
    }
    const keys = new Set([...Object.keys(ours), ...Object.keys(theirs)]);
    for (const key of keys) {
      compare(
        (ours as Record<string, unknown>)[key],
        (theirs as Record<string, unknown>)[key],
        `${path}.${key}`,
        tally,
      );
    }
    return;
  }
  if (JSON.stringify(ours) === JSON.stringify(theirs)) tally.agreed += 1;
  else tally.differences.push(`${path}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`);
}

// --- the run ---------------------------------------------------------------------------------

let jaeger: JaegerPeer;
let service: RunningService;
const traceIds: string[] = [];
const tally = { agreed: 0, differences: [] as string[] };
let tracesCompared = 0;
/** Traces the searches found (each compared whole as well). */
const searchHits: number[] = [];

async function ours<T>(path: string): Promise<T> {
  const res = await service.app.inject({
    method: 'GET',
    url: `/jaeger${path}`,
    headers: reader(tenant),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
}
async function theirs<T>(path: string): Promise<T> {
  const res = await fetch(`${jaeger.queryUrl}${path}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

beforeAll(async () => {
  [jaeger, service] = await Promise.all([startJaeger(), startTraceService()]);
  const earlier: OtlpSpan[] = [];
  for (let i = 0; i < TRACES; i += 1) {
    const spans = traceSpans(i, earlier);
    const body = JSON.stringify(requestOf(spans));
    const copies = i === 7 ? 2 : 1; // one exporter retry: both must show its spans once
    for (let c = 0; c < copies; c += 1) {
      const res = await service.app.inject({
        method: 'POST',
        url: '/v1/traces',
        headers: { ...ingester(tenant), 'content-type': 'application/json' },
        payload: body,
      });
      expect(res.statusCode, res.body).toBe(200);
      const sent = await fetch(`${jaeger.otlpUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(sent.status, await sent.text()).toBe(200);
    }
    const root = spans.get('frontend')?.[0] as OtlpSpan;
    traceIds.push(root.traceId);
    earlier.push(root);
  }
  // Jaeger's receiver stores asynchronously: wait until it has every trace.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const missing = [];
    for (const id of traceIds) {
      if ((await fetch(`${jaeger.queryUrl}/api/traces/${id}`)).status !== 200) missing.push(id);
    }
    if (missing.length === 0) break;
    if (Date.now() > deadline) throw new Error(`Jaeger never stored ${missing.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([jaeger?.stop(), service?.close()]);
  console.info(
    `jaeger differential: ${tracesCompared} traces compared, ${tally.agreed} fields agreed, ${tally.differences.length} differences; searches found ${searchHits.join(', ')} traces`,
  );
});

describe('the Jaeger API against Jaeger v1.75', () => {
  it('lists the same services', async () => {
    const a = await ours<{ data: string[] }>('/api/services');
    const b = await theirs<{ data: string[] }>('/api/services');
    compare([...a.data].sort(), [...b.data].sort(), 'services', tally);
    expect([...a.data].sort()).toEqual([...b.data].sort());
    expect(a.data).toHaveLength(SERVICES.length);
  });

  it.each(SERVICES)('lists the same operations of %s', async (name) => {
    type Op = { name: string; spanKind: string };
    const sortOps = (ops: Op[]) => [...ops].sort(byJson);
    const a = await ours<{ data: Op[]; total: number }>(`/api/operations?service=${name}`);
    const b = await theirs<{ data: Op[]; total: number }>(`/api/operations?service=${name}`);
    compare(
      { ...a, data: sortOps(a.data) },
      { ...b, data: sortOps(b.data) },
      `operations.${name}`,
      tally,
    );
    expect(sortOps(a.data)).toEqual(sortOps(b.data));
    const legacyA = await ours<{ data: string[] }>(`/api/services/${name}/operations`);
    const legacyB = await theirs<{ data: string[] }>(`/api/services/${name}/operations`);
    expect([...legacyA.data].sort()).toEqual([...legacyB.data].sort());
    for (const kind of ['server', 'client', 'internal']) {
      const ka = await ours<{ data: Op[] }>(`/api/operations?service=${name}&spanKind=${kind}`);
      const kb = await theirs<{ data: Op[] }>(`/api/operations?service=${name}&spanKind=${kind}`);
      expect(sortOps(ka.data)).toEqual(sortOps(kb.data));
    }
  });

  it.each([
    ['payments', { 'payment.method': 'card' }, '15ms', '25ms'],
    ['checkout', { coupon: 'c1' }, '1ms', ''],
    ['frontend', { 'host.cores': '2' }, '', '90ms'],
    ['checkout', { 'http.route': '/pay', 'messaging.system': 'kafka' }, '', ''],
  ])(
    'finds the same traces for service %s, tags %j, duration %s-%s',
    async (name, tags, min, max) => {
      const start = (NOW_NS / 1000n - 60_000_000n).toString();
      const end = (NOW_NS / 1000n + 3_600_000_000n).toString();
      const query =
        `/api/traces?service=${name}&tags=${encodeURIComponent(JSON.stringify(tags))}` +
        `&minDuration=${min}&maxDuration=${max}&start=${start}&end=${end}&limit=100`;
      const a = await ours<{ data: JTrace[] }>(query);
      const b = await theirs<{ data: JTrace[] }>(query);
      const ids = (traces: JTrace[]) => traces.map((t) => t.traceID).sort();
      compare(ids(a.data), ids(b.data), `search.${name}`, tally);
      searchHits.push(b.data.length);
      expect(ids(a.data)).toEqual(ids(b.data));
      const byId = (traces: JTrace[]) =>
        [...traces].sort((x, y) => (x.traceID < y.traceID ? -1 : 1)).map(normalise);
      expect(byId(a.data)).toEqual(byId(b.data));
    },
  );

  it('answers every trace by id as Jaeger does', async () => {
    for (const id of traceIds) {
      const a = await ours<{ data: JTrace[] }>(`/api/traces/${id}`);
      const b = await theirs<{ data: JTrace[] }>(`/api/traces/${id}`);
      const { data: da, ...envA } = a;
      const { data: db, ...envB } = b;
      compare(envA, envB, `trace ${id} envelope`, tally);
      compare(normalise(da[0] as JTrace), normalise(db[0] as JTrace), `trace ${id}`, tally);
      tracesCompared += 1;
    }
    expect(tally.differences).toEqual([]);
    expect(tracesCompared).toBeGreaterThanOrEqual(20);
    // The searches are not vacuous: together they found traces, and not all of them.
    const found = searchHits.reduce((a, b) => a + b, 0);
    expect(found).toBeGreaterThan(0);
    expect(searchHits.every((n) => n === TRACES)).toBe(false);
  });
});
