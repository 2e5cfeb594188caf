import type { AttributeValue, TelemetryDimensions, TraceStatus } from '@obs/domain';
import type { Transaction } from '@obs/service-kit';

export interface StoredSpanEvent {
  /** ISO-8601. */
  readonly timestamp: string;
  readonly name: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/** A span as the store keeps it: already in the domain's terms, every value domain-valid. */
export interface StoredSpan {
  readonly tenantId: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  /** Epoch milliseconds (the domain keeps start times at millisecond precision). */
  readonly startMs: number;
  readonly durationMs: number;
  readonly status: TraceStatus;
  readonly statusMessage: string | null;
  readonly service: string;
  readonly dimensions: TelemetryDimensions;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly events: readonly StoredSpanEvent[];
}

/** A stored span with the store's arrival order, which assembly uses to tell late spans apart. */
export interface SequencedSpan extends StoredSpan {
  readonly seq: number;
}

/**
 * The span store's read side: what `GET /v1/traces/{traceId}` and assembly need. Two adapters:
 * Postgres (the default, also the writer) and Application Insights (KQL over AppRequests and
 * AppDependencies by OperationId).
 */
export interface SpanReader {
  /** Every span of the trace in the tenant, in start order; empty when there is none. */
  spansOf(tenantId: string, traceId: string, tx?: Transaction): Promise<readonly SequencedSpan[]>;
}

/** The write side: one bulk write per ingest batch, inside the batch's transaction. */
export interface SpanWriter {
  write(tx: Transaction, spans: readonly StoredSpan[], receivedAt: number): Promise<void>;
}
