import type { DomainEvent } from '../kernel/aggregate-root.js';
import type { CorrelationKind } from './correlation-kind.js';

export const TELEMETRY_CORRELATION_AGGREGATE_TYPE = 'TelemetryCorrelation';

/**
 * Payload contract: the event payload schemas in packages/event-envelope/src/payloads (CorrelationSnapshotted, internal). Links carry
 * kind, targetId and store only (the envelope's v1 shape); locators stay in the aggregate.
 * telemetry-correlation-service does not publish this event (docs/services/telemetry-correlation.md):
 * v1 of the envelope has no `cost` kind and requires a projectId, which is null until the trace or
 * a record naming its project is seen. Publishing it would take an eventVersion 2.
 */
export interface CorrelationSnapshottedPayload {
  readonly traceId: string;
  readonly projectId: string | null;
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
