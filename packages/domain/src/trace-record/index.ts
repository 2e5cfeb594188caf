export { TRACE_STATUSES, traceStatus, traceStatusOf } from './trace-status.js';
export type { TraceStatus } from './trace-status.js';
export { attributes } from './span-attributes.js';
export type { AttributeScalar, AttributeValue, Attributes } from './span-attributes.js';
export { span, spanSnapshot, sameSpan, spanDuration } from './span.entity.js';
export type {
  Span,
  SpanEvent,
  SpanEventInput,
  SpanEventSnapshot,
  SpanInput,
  SpanSnapshot,
} from './span.entity.js';
export { findChildOutsideParent, validateTraceTree } from './trace-tree.js';
export type { TimedTraceNode, TraceTreeNode } from './trace-tree.js';
export { summarizeTrace } from './trace-summary.js';
export type { TraceSummary } from './trace-summary.js';
export { TRACE_RECORD_AGGREGATE_TYPE } from './trace-record.events.js';
export type {
  TraceRecordEvent,
  TraceRecorded,
  TraceRecordedPayload,
  SpanMetricsRecorded,
  SpanMetricsRecordedPayload,
  SpanMetricsSeries,
} from './trace-record.events.js';
export {
  MAX_SERIES_PER_EVENT,
  SPAN_KINDS,
  SPAN_METRICS_DURATION_BOUNDS_MS,
  SPAN_STATUS_CODES,
  SpanMetricsBatch,
  bucketOf,
} from './span-metrics.js';
export type { MeteredSpan, SpanKindLabel, SpanStatusCodeLabel } from './span-metrics.js';
export { TraceRecord } from './trace-record.aggregate.js';
export type {
  RecordTraceInput,
  TraceProblem,
  TraceRecordSnapshot,
} from './trace-record.aggregate.js';
