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

export type TraceRecordEvent = TraceRecorded;
