import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import type { TelemetryDimensions } from '../kernel/telemetry-dimensions.js';
import {
  MAX_SERIES_PER_EVENT,
  SPAN_METRICS_DURATION_BOUNDS_MS,
  SpanMetricsBatch,
  bucketOf,
  type MeteredSpan,
} from './span-metrics.js';

const dims = (service: string, tenantId = 'acme'): TelemetryDimensions => ({
  tenantId: tenantId as TelemetryDimensions['tenantId'],
  projectId: 'checkout',
  moduleId: 'payments',
  artifactId: `${service}-artifact`,
  executionId: 'exec-1',
  agentId: 'none',
  service,
  serviceVersion: '1.0.0',
  environment: 'production',
  region: 'westeurope',
  origin: 'generated-saas',
});

let next = 0;
const span = (
  traceId: string,
  service: string,
  name: string,
  kind: number,
  durationMs: number,
  status: MeteredSpan['status'] = 'unset',
): MeteredSpan => ({
  traceId,
  spanId: (++next).toString(16).padStart(16, '0'),
  name,
  kind,
  status,
  durationMs,
  dimensions: dims(service),
});

/**
 * Three traces over two services: a gateway (server) calling the cart service (client → server),
 * one of them failing at the cart and the gateway.
 */
function fixedTraces(): MeteredSpan[] {
  const a = 'a'.repeat(32);
  const b = 'b'.repeat(32);
  const c = 'c'.repeat(32);
  return [
    span(a, 'gateway', 'GET /cart', 2, 120, 'ok'),
    span(a, 'gateway', 'cart.get', 3, 100),
    span(a, 'cart', 'GetCart', 2, 90),
    span(b, 'gateway', 'GET /cart', 2, 30, 'ok'),
    span(b, 'gateway', 'cart.get', 3, 8),
    span(b, 'cart', 'GetCart', 2, 5),
    span(c, 'gateway', 'GET /cart', 2, 2_500, 'error'),
    span(c, 'gateway', 'cart.get', 3, 2_400, 'error'),
    span(c, 'cart', 'GetCart', 2, 20_000, 'error'),
  ];
}

const byLabels = (batch: SpanMetricsBatch) =>
  Object.fromEntries(
    batch
      .toSeries()
      .map((s) => [
        `${s.dimensions.service} ${s.spanName} ${s.spanKind} ${s.statusCode}`,
        { calls: s.calls, sum: s.durationSumMs, buckets: s.bucketCounts },
      ]),
  );

/** Bucket counts with `n` at each listed index. */
const buckets = (...at: number[]) => {
  const out = new Array<number>(SPAN_METRICS_DURATION_BOUNDS_MS.length + 1).fill(0);
  for (const i of at) out[i] = (out[i] as number) + 1;
  return out;
};

describe('SpanMetricsBatch', () => {
  it('gives calls, errors and the duration histogram per service, operation, kind and status', () => {
    const batch = SpanMetricsBatch.forTenant('acme');
    for (const s of fixedTraces()) batch.count(s);
    expect(batch.spanCount).toBe(9);
    expect(byLabels(batch)).toEqual({
      // bounds: 2,4,6,8,10,50,100,200,400,800,1000,1400,2000,5000,10000,15000 (index 0..15), +Inf 16
      'gateway GET /cart SPAN_KIND_SERVER STATUS_CODE_OK': {
        calls: 2,
        sum: 150,
        buckets: buckets(5, 7),
      },
      'gateway GET /cart SPAN_KIND_SERVER STATUS_CODE_ERROR': {
        calls: 1,
        sum: 2_500,
        buckets: buckets(13),
      },
      'gateway cart.get SPAN_KIND_CLIENT STATUS_CODE_UNSET': {
        calls: 2,
        sum: 108,
        buckets: buckets(3, 6),
      },
      'gateway cart.get SPAN_KIND_CLIENT STATUS_CODE_ERROR': {
        calls: 1,
        sum: 2_400,
        buckets: buckets(13),
      },
      'cart GetCart SPAN_KIND_SERVER STATUS_CODE_UNSET': {
        calls: 2,
        sum: 95,
        buckets: buckets(2, 6),
      },
      'cart GetCart SPAN_KIND_SERVER STATUS_CODE_ERROR': {
        calls: 1,
        sum: 20_000,
        buckets: buckets(16),
      },
    });
  });

  it('counts a retried copy of a span (same traceId and spanId) once', () => {
    const batch = SpanMetricsBatch.forTenant('acme');
    const spans = fixedTraces();
    for (const s of [...spans, ...spans, spans[0] as MeteredSpan]) batch.count(s);
    expect(batch.spanCount).toBe(9);
    const calls = batch.toSeries().reduce((sum, s) => sum + s.calls, 0);
    expect(calls).toBe(9);
  });

  it('keeps min and max, and puts a bound itself in its own bucket (le), as OTLP and Prometheus', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(2)).toBe(0);
    expect(bucketOf(2.0001)).toBe(1);
    expect(bucketOf(15_000)).toBe(15);
    expect(bucketOf(15_000.5)).toBe(16);
    const batch = SpanMetricsBatch.forTenant('acme');
    batch.count(span('d'.repeat(32), 'cart', 'x', 1, 7));
    batch.count(span('d'.repeat(32), 'cart', 'x', 1, 3));
    expect(batch.toSeries()[0]).toMatchObject({ durationMinMs: 3, durationMaxMs: 7 });
  });

  it('labels an unknown span kind as unspecified', () => {
    const batch = SpanMetricsBatch.forTenant('acme');
    batch.count(span('e'.repeat(32), 'cart', 'x', 9, 1));
    batch.count(span('e'.repeat(32), 'cart', 'x', 0, 1));
    expect(batch.toSeries().map((s) => [s.spanKind, s.calls])).toEqual([
      ['SPAN_KIND_UNSPECIFIED', 2],
    ]);
  });

  it("refuses another tenant's span and a negative duration", () => {
    const batch = SpanMetricsBatch.forTenant('acme');
    const other = { ...span('f'.repeat(32), 'cart', 'x', 2, 1), dimensions: dims('cart', 'other') };
    expect(() => batch.count(other)).toThrow(DomainError);
    expect(() => batch.count(span('f'.repeat(32), 'cart', 'x', 2, -1))).toThrow(
      expect.objectContaining({ code: 'trace.invalid_duration' }),
    );
  });

  it('records nothing when empty, and one event per MAX_SERIES_PER_EVENT series', () => {
    expect(SpanMetricsBatch.forTenant('acme').recorded('b1', '2024-05-01T10:00:05.000Z')).toEqual(
      [],
    );
    const batch = SpanMetricsBatch.forTenant('acme');
    for (let i = 0; i < MAX_SERIES_PER_EVENT + 1; i++) {
      batch.count(span('9'.repeat(32), 'cart', `op-${i}`, 2, 1));
    }
    const events = batch.recorded('b2', '2024-05-01T10:00:05.000Z');
    expect(events.map((e) => [e.aggregateId, e.payload.part, e.payload.series.length])).toEqual([
      ['b2', 1, MAX_SERIES_PER_EVENT],
      ['b2', 2, 1],
    ]);
    expect(events[0]).toMatchObject({
      eventType: 'SpanMetricsRecorded',
      aggregateType: 'TraceRecord',
      tenantId: 'acme',
      occurredAt: '2024-05-01T10:00:05.000Z',
      payload: { observedAt: '2024-05-01T10:00:05.000Z', spanCount: MAX_SERIES_PER_EVENT },
    });
  });
});
