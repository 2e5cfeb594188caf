import { traceStatusOf } from '@obs/domain';
import type { SequencedSpan } from './span-store/span-store.port.js';
import type { TraceRow } from './trace-record.mapping.js';

const iso = (ms: string | number | null): string | null =>
  ms === null ? null : new Date(Number(ms)).toISOString();

/** The trace's summary as the API shows it (search items, and the head of a single trace). */
export function traceSummaryView(row: TraceRow) {
  return {
    traceId: row.trace_id,
    status: row.status as 'assembling' | 'ok' | 'error' | 'unset',
    problem:
      row.problem_code === null
        ? null
        : { code: row.problem_code, message: row.problem_message ?? '' },
    version: row.version,
    rootSpanId: row.root_span_id,
    rootSpanName: row.root_span_name,
    startedAt: iso(row.start_ms) as string,
    durationMs: row.duration_ms,
    spanCount: row.span_count,
    dimensions: row.dimensions,
    pinned: row.pinned_at !== null,
    pinnedAt: iso(row.pinned_at),
    recordedAt: iso(row.recorded_at),
    updatedAt: iso(row.updated_at),
  };
}

/**
 * The span tree, flat in depth-first order from each root (children by start time), so a
 * waterfall renders it top to bottom. Retried copies of a span show once; spans no root reaches
 * (orphans, cycles of a broken tree) follow at depth 0, kept as evidence.
 */
export function spanTreeView(spans: readonly SequencedSpan[]) {
  const unique = new Map<string, SequencedSpan>();
  for (const span of spans) if (!unique.has(span.spanId)) unique.set(span.spanId, span);
  const children = new Map<string, SequencedSpan[]>();
  for (const span of unique.values()) {
    if (span.parentSpanId === null || !unique.has(span.parentSpanId)) continue;
    const siblings = children.get(span.parentSpanId) ?? [];
    siblings.push(span);
    children.set(span.parentSpanId, siblings);
  }
  const ordered: { span: SequencedSpan; depth: number }[] = [];
  const placed = new Set<string>();
  const visit = (root: SequencedSpan) => {
    const stack = [{ span: root, depth: 0 }];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      if (placed.has(next.span.spanId)) continue; // a cycle
      placed.add(next.span.spanId);
      ordered.push(next);
      const kids = children.get(next.span.spanId) ?? [];
      for (let i = kids.length - 1; i >= 0; i -= 1) {
        stack.push({ span: kids[i] as SequencedSpan, depth: next.depth + 1 });
      }
    }
  };
  for (const span of unique.values()) if (span.parentSpanId === null) visit(span);
  for (const span of unique.values()) if (!placed.has(span.spanId)) visit(span);
  return ordered.map(({ span, depth }) => ({
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    childSpanIds: (children.get(span.spanId) ?? []).map((c) => c.spanId),
    depth,
    name: span.name,
    kind: span.kind,
    service: span.service,
    startedAt: new Date(span.startMs).toISOString(),
    durationMs: span.durationMs,
    status: span.status,
    statusMessage: span.statusMessage,
    attributes: { ...span.attributes },
    events: span.events.map((e) => ({ ...e, attributes: { ...e.attributes } })),
  }));
}

/**
 * A summary from the spans alone, for a span reader that holds traces this service never
 * ingested (Application Insights fed by the Azure Monitor exporter): never assembled here, so
 * version 0 and no record times; the status is the trace status rule applied to the spans.
 */
export function summaryFromSpans(traceId: string, spans: readonly SequencedSpan[]) {
  const root = spans.find((s) => s.parentSpanId === null) ?? spans[0];
  const start = Math.min(...spans.map((s) => s.startMs));
  const end = Math.max(...spans.map((s) => s.startMs + s.durationMs));
  return {
    traceId,
    status: traceStatusOf(
      root?.status ?? 'unset',
      spans.map((s) => s.status),
    ),
    problem: null,
    version: 0,
    rootSpanId: root?.parentSpanId === null ? root.spanId : null,
    rootSpanName: root?.parentSpanId === null ? root.name : null,
    startedAt: new Date(start).toISOString(),
    durationMs: end - start,
    spanCount: new Set(spans.map((s) => s.spanId)).size,
    dimensions: (root ?? spans[0])?.dimensions as SequencedSpan['dimensions'],
    pinned: false,
    pinnedAt: null,
    recordedAt: null,
    updatedAt: null,
  };
}
