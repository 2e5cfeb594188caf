import { describe, expect, it } from 'vitest';
import type { SpanInput } from './span.entity.js';
import { TraceRecord, type RecordTraceInput } from './trace-record.aggregate.js';
import { findChildOutsideParent } from './trace-tree.js';

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

function spanAt(i: number, parent: number | null, startMs: number, durationMs: number): SpanInput {
  return {
    traceId: TRACE,
    tenantId: 'acme',
    spanId: sid(i),
    parentSpanId: parent === null ? null : sid(parent),
    name: `op-${i}`,
    moduleId: 'checkout',
    startedAt: iso(startMs),
    durationMs,
    status: 'ok',
  };
}

const input = (spans: SpanInput[]): RecordTraceInput => ({
  traceId: TRACE,
  tenantId: 'acme',
  dimensions,
  spans,
  recordedAt: iso(10_000),
});

describe('TraceRecord.assemble', () => {
  it('records a sound tree as create does, without a problem', () => {
    const trace = TraceRecord.assemble(input([spanAt(0, null, 0, 100), spanAt(1, 0, 10, 50)]));
    expect(trace.problem).toBeNull();
    expect(trace.status).toBe('ok');
    expect(trace.toSnapshot()).not.toHaveProperty('problem');
    expect(trace.pullEvents().map((e) => e.eventType)).toEqual(['TraceRecorded']);
  });

  it.each([
    ['an orphan', [spanAt(0, null, 0, 100), spanAt(1, 7, 10, 5)], 'trace.orphan_span'],
    ['two roots', [spanAt(0, null, 0, 100), spanAt(1, null, 10, 5)], 'trace.multiple_roots'],
    ['a cycle', [spanAt(0, null, 0, 100), spanAt(1, 2, 10, 5), spanAt(2, 1, 10, 5)], 'trace.cycle'],
    [
      'a child outside its parent',
      [spanAt(0, null, 0, 100), spanAt(1, 0, 90, 50)],
      'trace.child_outside_parent',
    ],
    [
      'two different spans with one spanId',
      [spanAt(0, null, 0, 100), spanAt(1, 0, 10, 5), spanAt(1, 0, 10, 6)],
      'trace.duplicate_span',
    ],
  ])('records %s as status error with the reason and keeps every span', (_name, spans, code) => {
    const trace = TraceRecord.assemble(input(spans));
    expect(trace.status).toBe('error');
    expect(trace.problem?.code).toBe(code);
    expect(trace.spans).toHaveLength(spans.length);
    const [event] = trace.pullEvents();
    expect(event?.payload).toMatchObject({ status: 'error', spanCount: spans.length });
  });

  it('round-trips a broken record through its snapshot', () => {
    const broken = TraceRecord.assemble(input([spanAt(0, null, 0, 100), spanAt(1, 7, 10, 5)]));
    const again = TraceRecord.rehydrate(broken.toSnapshot());
    expect(again.toSnapshot()).toEqual(broken.toSnapshot());
    expect(again.pullEvents()).toEqual([]);
  });

  it('a late parent mends a broken record and records TraceRecorded again', () => {
    const trace = TraceRecord.assemble(input([spanAt(0, null, 0, 100), spanAt(2, 1, 20, 5)]));
    expect(trace.problem?.code).toBe('trace.orphan_span');
    trace.pullEvents();
    expect(trace.reassemble([spanAt(1, 0, 10, 50)], iso(20_000))).toBe(1);
    expect(trace.problem).toBeNull();
    expect(trace.status).toBe('ok');
    expect(trace.pullEvents()).toHaveLength(1);
  });

  it('a retried copy is no change and records nothing', () => {
    const spans = [spanAt(0, null, 0, 100)];
    const trace = TraceRecord.assemble(input(spans));
    trace.pullEvents();
    expect(trace.reassemble(spans, iso(20_000))).toBe(0);
    expect(trace.pullEvents()).toEqual([]);
  });
});

describe('findChildOutsideParent', () => {
  const node = (id: string, parent: string | null, startedAt: number, durationMs: number) => ({
    spanId: id,
    parentSpanId: parent,
    startedAt,
    durationMs,
  });
  it('allows the tolerance and names the first child beyond it', () => {
    const parent = node('p', null, 0, 10);
    expect(findChildOutsideParent([parent, node('a', 'p', 0, 11)], 1)).toBeUndefined();
    expect(findChildOutsideParent([parent, node('b', 'p', -2, 3)], 1)?.spanId).toBe('b');
    expect(findChildOutsideParent([parent, node('c', 'p', 5, 7)], 1)?.spanId).toBe('c');
    expect(findChildOutsideParent([parent, node('d', 'x', 50, 7)], 1)).toBeUndefined();
  });
});
