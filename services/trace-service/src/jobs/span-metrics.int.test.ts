import { topicFor, type Envelope } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { TestClock, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_CONFIG,
  assemble,
  newSpanId,
  newTraceId,
  otlpBody,
  resourceAttributes,
  sendSpans,
  startTraceService,
  uniqueTenant,
  type SpanSpec,
} from '../../test/trace-test-kit.js';

/**
 * RED metrics at assembly (SpanMetricsRecorded on obs.trace-record.v1): a fixed set of traces over
 * two services gives the expected calls, errors and duration buckets per service and operation;
 * exporter retries count once, late spans count once at the assembly that merges them.
 */
const clock = new TestClock();
const T0 = clock.nowMs - 60_000;
const IDLE = TEST_CONFIG.idleMs;
const SERVER = 2;
const CLIENT = 3;
let service: RunningService;
let events: TopicReader;

beforeAll(async () => {
  service = await startTraceService({ clock });
  events = await TopicReader.open(service.ctx.bus, [topicFor('SpanMetricsRecorded')]);
}, 180_000);
afterAll(async () => {
  await events.close();
  await service.close();
});

const send = (tenant: string, serviceName: string, spans: SpanSpec[]) =>
  sendSpans(
    service,
    tenant,
    otlpBody(resourceAttributes(tenant, { 'service.name': serviceName }), spans),
  );

/** Calls per `service operation kind status`, summed over the tenant's events. */
function calls(recorded: readonly Envelope<'SpanMetricsRecorded'>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of recorded) {
    for (const s of e.payload.series) {
      const key = `${s.dimensions.service} ${s.spanName} ${s.spanKind} ${s.statusCode}`;
      out[key] = (out[key] ?? 0) + s.calls;
    }
  }
  return out;
}

/** Two traces: gateway GET /cart (server) → cart.get (client) → cart GetCart (server). */
function fixedTraces() {
  const traces = [
    { id: newTraceId(), ms: 120, failed: false },
    { id: newTraceId(), ms: 2_500, failed: true },
  ];
  const gateway: SpanSpec[] = [];
  const cart: SpanSpec[] = [];
  for (const t of traces) {
    const root = newSpanId();
    const client = newSpanId();
    gateway.push(
      {
        traceId: t.id,
        spanId: root,
        name: 'GET /cart',
        startMs: T0,
        durationMs: t.ms,
        status: t.failed ? 2 : 1,
      },
      {
        traceId: t.id,
        spanId: client,
        parentSpanId: root,
        name: 'cart.get',
        kind: CLIENT,
        startMs: T0 + 1,
        durationMs: t.ms - 10,
      },
    );
    cart.push({
      traceId: t.id,
      spanId: newSpanId(),
      parentSpanId: client,
      name: 'GetCart',
      kind: SERVER,
      startMs: T0 + 2,
      durationMs: t.ms - 20,
      status: t.failed ? 2 : 0,
    });
  }
  return { traces, gateway, cart };
}

describe('RED metrics at trace assembly', () => {
  it('gives calls, errors and durations per service and operation; a retried export counts once', async () => {
    const tenant = uniqueTenant('red');
    const { gateway, cart } = fixedTraces();
    await send(tenant, 'gateway', gateway);
    await send(tenant, 'cart', cart);
    // The exporter retries both requests (a lost response): same traceIds and spanIds again.
    await send(tenant, 'gateway', gateway);
    await send(tenant, 'cart', cart);
    clock.nowMs += IDLE;
    await assemble(service);

    const recorded = await events.waitFor(tenant, 'SpanMetricsRecorded', 1);
    // One assembly run, one tenant: one event for both traces.
    expect(recorded).toHaveLength(1);
    const [event] = recorded as [Envelope<'SpanMetricsRecorded'>];
    expect(event).toMatchObject({
      aggregate: { type: 'TraceRecord', version: 1 },
      occurredAt: new Date(clock.nowMs).toISOString(),
      payload: { observedAt: new Date(clock.nowMs).toISOString(), part: 1, spanCount: 6 },
    });
    expect(calls(recorded)).toEqual({
      'gateway GET /cart SPAN_KIND_SERVER STATUS_CODE_OK': 1,
      'gateway GET /cart SPAN_KIND_SERVER STATUS_CODE_ERROR': 1,
      'gateway cart.get SPAN_KIND_CLIENT STATUS_CODE_UNSET': 2,
      'cart GetCart SPAN_KIND_SERVER STATUS_CODE_UNSET': 1,
      'cart GetCart SPAN_KIND_SERVER STATUS_CODE_ERROR': 1,
    });
    const clientSeries = event.payload.series.find((s) => s.spanName === 'cart.get');
    // 110 ms and 2,490 ms: the buckets (100, 200] and (2000, 5000].
    expect(clientSeries).toMatchObject({ calls: 2, durationSumMs: 2_600, durationMinMs: 110 });
    expect(clientSeries?.bucketCounts).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(event.payload.series[0]?.dimensions).toMatchObject({
      tenantId: tenant,
      projectId: 'checkout',
    });
  });

  it('counts a late span once, at the assembly that merges it; a retry after assembly counts nothing', async () => {
    const tenant = uniqueTenant('red-late');
    const traceId = newTraceId();
    const root: SpanSpec = {
      traceId,
      spanId: newSpanId(),
      name: 'POST /pay',
      startMs: T0,
      durationMs: 40,
    };
    await send(tenant, 'gateway', [root]);
    clock.nowMs += IDLE;
    await assemble(service);
    await events.waitFor(tenant, 'SpanMetricsRecorded', 1);

    // The root again (a retry) and a late child.
    await send(tenant, 'gateway', [
      root,
      {
        traceId,
        spanId: newSpanId(),
        parentSpanId: root.spanId,
        name: 'charge',
        kind: CLIENT,
        startMs: T0 + 1,
        durationMs: 30,
        status: 2,
      },
    ]);
    clock.nowMs += IDLE;
    await assemble(service);
    // Only the root again: the trace holds it, nothing is published.
    await send(tenant, 'gateway', [root]);
    clock.nowMs += IDLE;
    await assemble(service);

    const recorded = await events.waitFor(tenant, 'SpanMetricsRecorded', 2);
    expect(calls(recorded)).toEqual({
      'gateway POST /pay SPAN_KIND_SERVER STATUS_CODE_UNSET': 1,
      'gateway charge SPAN_KIND_CLIENT STATUS_CODE_ERROR': 1,
    });
    // A sentinel assembled after the last run proves no third event was on its way.
    const sentinel = newTraceId();
    await send(tenant, 'gateway', [
      { traceId: sentinel, spanId: newSpanId(), name: 'sentinel', startMs: T0, durationMs: 1 },
    ]);
    clock.nowMs += IDLE;
    await assemble(service);
    const after = await events.waitFor(tenant, 'SpanMetricsRecorded', 3);
    expect(after.map((e) => e.payload.series.map((s) => s.spanName))).toEqual([
      ['POST /pay'],
      ['charge'],
      ['sentinel'],
    ]);
  });
});
