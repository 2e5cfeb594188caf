import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import type { SpanInput } from './span.entity.js';
import { TraceRecord, type RecordTraceInput } from './trace-record.aggregate.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const iso = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();
const sid = (i: number): string => (i + 1).toString(16).padStart(16, '0');

const dimensions = {
  tenantId: 'acme',
  projectId: 'shop',
  moduleId: 'checkout',
  artifactId: 'checkout-api',
  executionId: 'exec-1',
  agentId: 'none',
  service: 'checkout-api',
  serviceVersion: '1.4.0',
  environment: 'prod',
  region: 'westeurope',
  origin: 'generated-saas',
};

function spanAt(
  i: number,
  parent: number | null,
  startMs: number,
  durationMs: number,
  extra: Partial<SpanInput> = {},
): SpanInput {
  return {
    traceId: TRACE,
    tenantId: 'acme',
    spanId: sid(i),
    parentSpanId: parent === null ? null : sid(parent),
    name: `op-${i}`,
    moduleId: 'checkout',
    startedAt: iso(startMs),
    durationMs,
    ...extra,
  };
}

const input = (spans: SpanInput[], recordedAt = iso(10_000)): RecordTraceInput => ({
  traceId: TRACE,
  tenantId: 'acme',
  dimensions,
  spans,
  recordedAt,
});

const validSpans = [
  spanAt(0, null, 0, 100, { status: 'ok' }),
  spanAt(1, 0, 10, 50),
  spanAt(2, 1, 20, 10),
];

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

describe('TraceRecord.create', () => {
  it('records TraceRecorded with the contract payload', () => {
    const trace = TraceRecord.create(input(validSpans));
    expect(trace.pullEvents()).toEqual([
      {
        eventType: 'TraceRecorded',
        aggregateType: 'TraceRecord',
        aggregateId: TRACE,
        tenantId: 'acme',
        traceId: TRACE,
        occurredAt: iso(10_000),
        payload: {
          traceId: TRACE,
          projectId: 'shop',
          moduleId: 'checkout',
          rootSpanName: 'op-0',
          startedAt: iso(0),
          durationMs: 100,
          status: 'ok',
          spanCount: 3,
          dimensions,
        },
      },
    ]);
    expect(trace.pullEvents()).toEqual([]);
  });

  it('exposes the summary fields of the spec', () => {
    const trace = TraceRecord.create(input(validSpans));
    expect({
      traceId: trace.traceId,
      tenantId: trace.tenantId,
      projectId: trace.projectId,
      moduleId: trace.moduleId,
      rootSpanName: trace.rootSpanName,
      startedAt: trace.startedAt,
      durationMs: trace.durationMs,
      status: trace.status,
      spanCount: trace.spanCount,
      service: trace.dimensions.service,
      spans: trace.spans.length,
    }).toEqual({
      traceId: TRACE,
      tenantId: 'acme',
      projectId: 'shop',
      moduleId: 'checkout',
      rootSpanName: 'op-0',
      startedAt: iso(0),
      durationMs: 100,
      status: 'ok',
      spanCount: 3,
      service: 'checkout-api',
      spans: 3,
    });
  });

  it('marks the trace as error when any span errored', () => {
    const spans = [
      spanAt(0, null, 0, 100, { status: 'ok' }),
      spanAt(1, 0, 5, 5, { status: 'error' }),
    ];
    expect(TraceRecord.create(input(spans)).status).toBe('error');
  });

  it('covers every span in start and duration, even a skewed child', () => {
    const trace = TraceRecord.create(input([spanAt(0, null, 100, 50), spanAt(1, 0, 90, 80)]));
    expect(trace.startedAt).toBe(iso(90));
    expect(trace.durationMs).toBe(80);
  });

  it('refuses an invalid tree with its code and records nothing', () => {
    expect(codeOf(() => TraceRecord.create(input([spanAt(1, 0, 0, 1)])))).toBe(
      'trace.missing_root',
    );
    expect(
      codeOf(() => TraceRecord.create(input([spanAt(0, null, 0, 1), spanAt(1, 5, 0, 1)]))),
    ).toBe('trace.orphan_span');
    expect(
      codeOf(() =>
        TraceRecord.create(
          input([spanAt(0, null, 0, 1), spanAt(1, 0, 0, 1, { tenantId: 'evil' })]),
        ),
      ),
    ).toBe('trace.tenant_mismatch');
  });

  it('refuses dimensions of another tenant: trace.tenant_mismatch', () => {
    const bad = { ...input(validSpans), dimensions: { ...dimensions, tenantId: 'other' } };
    expect(codeOf(() => TraceRecord.create(bad))).toBe('trace.tenant_mismatch');
  });

  it('refuses missing dimensions: telemetry.missing_dimensions', () => {
    const bad = { ...input(validSpans), dimensions: { ...dimensions, region: '' } };
    expect(codeOf(() => TraceRecord.create(bad))).toBe('telemetry.missing_dimensions');
  });

  it('collapses identical copies in a batch but refuses conflicting ones', () => {
    const copy = spanAt(1, 0, 10, 50);
    expect(TraceRecord.create(input([...validSpans, copy])).spanCount).toBe(3);
    const conflict = spanAt(1, 0, 10, 51);
    expect(codeOf(() => TraceRecord.create(input([...validSpans, conflict])))).toBe(
      'trace.duplicate_span',
    );
  });

  it('stores spans in an order independent of arrival', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(validSpans, { minLength: 3 }), (shuffled) => {
        expect(TraceRecord.create(input(shuffled)).toSnapshot()).toEqual(
          TraceRecord.create(input(validSpans)).toSnapshot(),
        );
      }),
    );
  });
});

describe('TraceRecord.addSpans', () => {
  it('merges late spans, updates the summary and records TraceRecorded again', () => {
    const trace = TraceRecord.create(input(validSpans));
    trace.pullEvents();
    const added = trace.addSpans(
      [spanAt(3, 2, 30, 200, { status: 'error' }), spanAt(4, 0, 40, 1)],
      iso(20_000),
    );
    expect(added).toBe(2);
    expect(trace.spanCount).toBe(5);
    expect(trace.status).toBe('error');
    expect(trace.durationMs).toBe(230);
    const [event] = trace.pullEvents();
    expect(event?.occurredAt).toBe(iso(20_000));
    expect(event?.payload).toMatchObject({ spanCount: 5, status: 'error', durationMs: 230 });
    expect(trace.toSnapshot().updatedAt).toBe(iso(20_000));
    expect(trace.toSnapshot().recordedAt).toBe(iso(10_000));
  });

  it('ignores an identical retried span without an event', () => {
    const trace = TraceRecord.create(input(validSpans));
    trace.pullEvents();
    expect(trace.addSpans([validSpans[1] as SpanInput], iso(20_000))).toBe(0);
    expect(trace.pullEvents()).toEqual([]);
  });

  it('refuses a different span with a held spanId: trace.duplicate_span', () => {
    const trace = TraceRecord.create(input(validSpans));
    expect(codeOf(() => trace.addSpans([spanAt(1, 0, 10, 999)], iso(20_000)))).toBe(
      'trace.duplicate_span',
    );
  });

  it('refuses late spans that break the tree and leaves the record unchanged', () => {
    const trace = TraceRecord.create(input(validSpans));
    trace.pullEvents();
    const before = trace.toSnapshot();
    expect(codeOf(() => trace.addSpans([spanAt(5, null, 0, 1)], iso(20_000)))).toBe(
      'trace.multiple_roots',
    );
    expect(codeOf(() => trace.addSpans([spanAt(6, 9, 0, 1)], iso(20_000)))).toBe(
      'trace.orphan_span',
    );
    expect(
      codeOf(() =>
        trace.addSpans(
          [spanAt(7, 0, 0, 1, { traceId: '0af7651916cd43dd8448eb211c80319c' })],
          iso(1),
        ),
      ),
    ).toBe('trace.trace_id_mismatch');
    expect(trace.toSnapshot()).toEqual(before);
    expect(trace.pullEvents()).toEqual([]);
  });

  it('never moves updatedAt backwards for late-arriving event times', () => {
    const trace = TraceRecord.create(input(validSpans));
    trace.addSpans([spanAt(3, 0, 0, 1)], iso(5_000));
    expect(trace.toSnapshot().updatedAt).toBe(iso(10_000));
  });
});

describe('TraceRecord.rehydrate', () => {
  it('round-trips the snapshot without recording events', () => {
    const original = TraceRecord.create(input(validSpans));
    original.addSpans([spanAt(3, 1, 15, 5)], iso(12_000));
    const snapshot = original.toSnapshot();
    const restored = TraceRecord.rehydrate(snapshot);
    expect(restored.pullEvents()).toEqual([]);
    expect(restored.toSnapshot()).toEqual(snapshot);
  });

  it('refuses a corrupt stored tree', () => {
    const snapshot = TraceRecord.create(input(validSpans)).toSnapshot();
    const corrupt = {
      ...snapshot,
      spans: snapshot.spans.map((s) =>
        s.parentSpanId === null ? { ...s, parentSpanId: sid(2) } : s,
      ),
    };
    expect(codeOf(() => TraceRecord.rehydrate(corrupt))).toBe('trace.missing_root');
  });
});
