import type { MeteredSpan, SpanMetricsBatch } from '@obs/domain';
import type { SequencedSpan } from '../span-store/span-store.port.js';

/**
 * The spans an assembly sees for the first time: those stored after the trace's last assembly
 * (`assembledSeq`, 0 before the first) whose spanId the trace did not hold yet. An exporter's
 * retried copy of a held span is not new; a late span is, once, at the assembly that merges it.
 */
export function spansNewTo(
  spans: readonly SequencedSpan[],
  assembledSeq: number,
): readonly SequencedSpan[] {
  const held = new Set(spans.filter((s) => s.seq <= assembledSeq).map((s) => s.spanId));
  return spans.filter((s) => s.seq > assembledSeq && !held.has(s.spanId));
}

/** A stored span as the RED metrics count it: its resource's dimensions, name, kind and status. */
export function meteredSpan(span: SequencedSpan): MeteredSpan {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    name: span.name,
    kind: span.kind,
    status: span.status,
    durationMs: span.durationMs,
    dimensions: span.dimensions,
  };
}

/** Counts the spans new to this assembly into their tenant's batch (retried copies once). */
export function countNewSpans(
  batch: SpanMetricsBatch,
  spans: readonly SequencedSpan[],
  assembledSeq: number,
): void {
  for (const span of spansNewTo(spans, assembledSeq)) batch.count(meteredSpan(span));
}
