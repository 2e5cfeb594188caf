import type { DomainEvent } from '../shared/aggregate-root.js';
import type { CorrelationKind } from './correlation-kind.js';

export const TELEMETRY_CORRELATION_AGGREGATE_TYPE = 'TelemetryCorrelation';

/** Payload contract: /work/notes/event-payloads.md (CorrelationSnapshotted, internal). */
export interface CorrelationSnapshottedPayload {
  readonly traceId: string;
  readonly projectId: string;
  readonly links: ReadonlyArray<{
    readonly kind: CorrelationKind;
    readonly targetId: string;
    readonly store: string;
  }>;
  readonly updatedAt: string;
}

export type CorrelationSnapshotted = DomainEvent<
  'CorrelationSnapshotted',
  CorrelationSnapshottedPayload
>;

export type TelemetryCorrelationEvent = CorrelationSnapshotted;
