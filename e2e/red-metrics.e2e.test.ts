import { randomBytes } from 'node:crypto';
import type { RunningService } from '@obs/service-kit';
import {
  bearer,
  resourceAttributesOf,
  startTestService,
  TestClock,
} from '@obs/service-kit/testing';
import { createTraceService, traceConfigFrom } from '@obs/trace-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricService, type ListeningMetricService } from './fixtures/metric-service.js';

/**
 * RED metrics from spans end to end (issue 24), over real Postgres and Kafka: OTLP/JSON spans into
 * trace-service → assembly → SpanMetricsRecorded (outbox, Kafka) → metric-aggregation-service's
 * consumer → the Prometheus API and GET /v1/metric-series. The exporter's retried request counts
 * once.
 */
const tenant = `e2e-red-${Date.now()}`;
const MINUTE = 60_000;
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE;
const clock = new TestClock(T0 + 30_000);
const IDLE = traceConfigFrom({}).idleMs;

let traces: RunningService;
let metrics: ListeningMetricService;

beforeAll(async () => {
  metrics = await startMetricService(clock);
  traces = await startTestService(
    createTraceService({ ...traceConfigFrom({}), assemblyIntervalMs: 0, retentionIntervalMs: 0 }),
    { clock: clock.now, runJobs: false, env: { RATE_LIMIT_MAX: '100000' } },
  );
}, 180_000);
afterAll(async () => {
  await traces.close();
  await metrics.service.close();
});

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const ns = (ms: number) => (BigInt(Math.round(ms * 1_000)) * 1_000n).toString();

interface Spec {
  traceId: string;
  spanId: string;
  parent?: string;
  name: string;
  kind: number;
  ms: number;
  error?: boolean;
}

function body(service: string, spans: Spec[]) {
  const resource = resourceAttributesOf(tenant, { 'service.name': service });
  return {
    resourceSpans: [
      {
        resource: {
          attributes: Object.entries(resource).map(([key, v]) => ({
            key,
            value: { stringValue: v },
          })),
        },
        scopeSpans: [
          {
            scope: { name: 'e2e' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parent === undefined ? {} : { parentSpanId: s.parent }),
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: ns(T0),
              endTimeUnixNano: ns(T0 + s.ms),
              status: { code: s.error === true ? 2 : 0 },
            })),
          },
        ],
      },
    ],
  };
}

async function exportSpans(service: string, spans: Spec[]): Promise<void> {
  const res = await traces.app.inject({
    method: 'POST',
    url: '/v1/traces',
    headers: { ...bearer(tenant, ['ingest']), 'content-type': 'application/json' },
    payload: JSON.stringify(body(service, spans)),
  });
  expect(res.statusCode, res.body).toBe(200);
}

async function promQuery(query: string): Promise<Record<string, number>> {
  const res = await metrics.service.app.inject({
    method: 'GET',
    url: '/prometheus/api/v1/query',
    query: { query, time: String((clock.nowMs + 1_000) / 1000) },
    headers: bearer(tenant, ['read']),
  });
  expect(res.statusCode, res.body).toBe(200);
  const data = res.json<{
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  }>();
  return Object.fromEntries(
    data.data.result.map((r) => [
      `${r.metric.service_name} ${r.metric.span_name} ${r.metric.span_kind} ${r.metric.status_code}`,
      Number(r.value[1]),
    ]),
  );
}

describe('RED metrics from spans', () => {
  it('counts calls and errors per service and operation, a retried export once', async () => {
    const gateway: Spec[] = [];
    const cart: Spec[] = [];
    for (const [ms, error] of [
      [120, false],
      [30, false],
      [2_500, true],
    ] as const) {
      const traceId = hex(16);
      const root = hex(8);
      const client = hex(8);
      gateway.push(
        { traceId, spanId: root, name: 'GET /cart', kind: 2, ms, error },
        { traceId, spanId: client, parent: root, name: 'cart.get', kind: 3, ms: ms - 10 },
      );
      cart.push({
        traceId,
        spanId: hex(8),
        parent: client,
        name: 'GetCart',
        kind: 2,
        ms: ms - 20,
        error,
      });
    }
    await exportSpans('gateway', gateway);
    await exportSpans('cart', cart);
    // The SDK retries the gateway's request (its answer was lost): the same spans again.
    await exportSpans('gateway', gateway);

    clock.nowMs += IDLE;
    expect(await traces.jobs.get('trace-assembly')?.runOnce()).toBe(true);

    await expect
      .poll(
        () =>
          promQuery(
            'sum by (service_name, span_name, span_kind, status_code) (traces_service_calls_total)',
          ),
        {
          timeout: 120_000,
          interval: 500,
        },
      )
      .toEqual({
        'gateway GET /cart SPAN_KIND_SERVER STATUS_CODE_UNSET': 2,
        'gateway GET /cart SPAN_KIND_SERVER STATUS_CODE_ERROR': 1,
        'gateway cart.get SPAN_KIND_CLIENT STATUS_CODE_UNSET': 3,
        'cart GetCart SPAN_KIND_SERVER STATUS_CODE_UNSET': 2,
        'cart GetCart SPAN_KIND_SERVER STATUS_CODE_ERROR': 1,
      });

    // The duration histogram in PromQL, as the Prometheus histogram of the spanmetrics connector:
    // its _count agrees with the calls, and its buckets place the slowest call above 2 s.
    expect(
      await promQuery(
        'sum by (service_name, span_name, span_kind, status_code) (traces_service_duration_milliseconds_count)',
      ),
    ).toEqual({
      'gateway GET /cart SPAN_KIND_SERVER STATUS_CODE_UNSET': 2,
      'gateway GET /cart SPAN_KIND_SERVER STATUS_CODE_ERROR': 1,
      'gateway cart.get SPAN_KIND_CLIENT STATUS_CODE_UNSET': 3,
      'cart GetCart SPAN_KIND_SERVER STATUS_CODE_UNSET': 2,
      'cart GetCart SPAN_KIND_SERVER STATUS_CODE_ERROR': 1,
    });
    expect(
      await promQuery(
        'sum by (service_name, span_name, span_kind, status_code) (traces_service_duration_milliseconds_bucket{le="2000"})',
      ),
    ).toMatchObject({
      'gateway GET /cart SPAN_KIND_SERVER STATUS_CODE_UNSET': 2,
      'gateway GET /cart SPAN_KIND_SERVER STATUS_CODE_ERROR': 0,
    });

    // The duration histogram's windows: three calls of the gateway's GET /cart, the slowest 2.5 s.
    const res = await metrics.service.app.inject({
      method: 'GET',
      url: '/v1/metric-series',
      query: {
        metricName: 'traces.service.duration',
        aggregation: 'max',
        groupBy: 'service,span.name',
        from: new Date(T0 - 10 * MINUTE).toISOString(),
        to: new Date(clock.nowMs + 10 * MINUTE).toISOString(),
      },
      headers: bearer(tenant, ['read']),
    });
    expect(res.statusCode, res.body).toBe(200);
    const series = res.json<{
      series: { group: Record<string, string>; points: { value: number; count: number }[] }[];
    }>().series;
    const root = series.find(
      (s) => s.group.service === 'gateway' && s.group['span.name'] === 'GET /cart',
    );
    expect(root?.points.reduce((n, p) => n + p.count, 0)).toBe(3);
    expect(Math.max(...(root?.points.map((p) => p.value) ?? []))).toBe(2_500);
  });
});
