import type { DomainEvent } from '../kernel/aggregate-root.js';
import type { TelemetryDimensions } from '../kernel/telemetry-dimensions.js';
import type { TraceStatus } from './trace-status.js';

export const TRACE_RECORD_AGGREGATE_TYPE = 'TraceRecord';

/** Payload contract: the event payload schemas in packages/event-envelope/src/payloads (TraceRecorded, public). */
export interface TraceRecordedPayload {
  readonly traceId: string;
  readonly projectId: string;
  readonly moduleId: string;
  readonly rootSpanName: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly status: TraceStatus;
  readonly spanCount: number;
  readonly dimensions: TelemetryDimensions;
}

export type TraceRecorded = DomainEvent<'TraceRecorded', TraceRecordedPayload>;

/** One series of span metrics: a service (all eleven dimensions), operation, kind and status. */
export interface SpanMetricsSeries {
  readonly dimensions: TelemetryDimensions;
  readonly spanName: string;
  readonly spanKind: string;
  readonly statusCode: string;
  readonly calls: number;
  readonly durationSumMs: number;
  readonly durationMinMs: number;
  readonly durationMaxMs: number;
  /** Per explicit bucket of durationBoundsMs, plus the one above the last bound. */
  readonly bucketCounts: readonly number[];
}

/** Payload contract: packages/event-envelope/src/payloads/trace-record.ts (SpanMetricsRecorded, internal). */
export interface SpanMetricsRecordedPayload {
  readonly observedAt: string;
  /** 1, 2, ...: the part of its batch (a batch with many series is split). */
  readonly part: number;
  readonly spanCount: number;
  readonly durationBoundsMs: readonly number[];
  readonly series: readonly SpanMetricsSeries[];
}

export type SpanMetricsRecorded = DomainEvent<'SpanMetricsRecorded', SpanMetricsRecordedPayload>;

export type TraceRecordEvent = TraceRecorded | SpanMetricsRecorded;
