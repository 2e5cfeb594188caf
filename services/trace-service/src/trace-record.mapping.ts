import type { SpanInput, SpanSnapshot, TelemetryDimensions } from '@obs/domain';
import type { StoredSpan } from './span-store/span-store.port.js';

/** A stored span as the domain takes it (kind, service and status message stay in the store). */
export function toSpanInput(span: StoredSpan): SpanInput {
  return {
    traceId: span.traceId,
    tenantId: span.tenantId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    moduleId: span.dimensions.moduleId,
    startedAt: new Date(span.startMs).toISOString(),
    durationMs: span.durationMs,
    status: span.status,
    attributes: span.attributes,
    events: span.events,
  };
}

export function toSpanSnapshot(span: StoredSpan): SpanSnapshot {
  return {
    ...toSpanInput(span),
    status: span.status,
    attributes: { ...span.attributes },
    events: span.events.map((e) => ({ ...e, attributes: { ...e.attributes } })),
  };
}

/** The `traces` row as raw SQL returns it. */
export interface TraceRow {
  tenant_id: string;
  trace_id: string;
  version: number;
  status: string;
  problem_code: string | null;
  problem_message: string | null;
  root_span_id: string | null;
  root_span_name: string | null;
  start_ms: string;
  duration_ms: number;
  span_count: number;
  dimensions: TelemetryDimensions;
  pending: boolean;
  assembled_seq: string;
  recorded_at: string | null;
  updated_at: string | null;
  pinned_at: string | null;
}

export const TRACE_ROW_COLUMNS =
  'tenant_id, trace_id, version, status, problem_code, problem_message, root_span_id, root_span_name, start_ms, duration_ms, span_count, dimensions, pending, assembled_seq, recorded_at, updated_at, pinned_at';
