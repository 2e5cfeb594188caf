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
} from './trace-record.events.js';
export { TraceRecord } from './trace-record.aggregate.js';
export type {
  RecordTraceInput,
  TraceProblem,
  TraceRecordSnapshot,
} from './trace-record.aggregate.js';
