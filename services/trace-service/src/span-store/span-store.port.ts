import type { AttributeValue, TelemetryDimensions, TraceStatus } from '@obs/domain';
import type { Transaction } from '@obs/service-kit';

export interface StoredSpanEvent {
  /** ISO-8601. */
  readonly timestamp: string;
  readonly name: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/**
 * The type of an attribute value where its JSON form does not tell it: `f` a double with an
 * integral value (JSON `3` for OTLP 3.0), `b` bytes (kept as base64 text), `i` a 64-bit integer
 * beyond 2^53 (kept as decimal text), `m` a kvlist and `a` a nested array (kept as JSON text).
 * Absent for a key whose JSON form is its type (text, a safe integer, a fractional double, bool).
 */
export type AttributeTypeHint = 'f' | 'b' | 'i' | 'm' | 'a';
export type AttributeTypes = Readonly<Record<string, AttributeTypeHint>>;

/** A span link, as Jaeger's references read it. */
export interface StoredSpanLink {
  readonly traceId: string;
  readonly spanId: string;
  /** `opentracing.ref_type` = `child_of` on the link makes it CHILD_OF; anything else FOLLOWS_FROM. */
  readonly refType: 'CHILD_OF' | 'FOLLOWS_FROM';
}

/**
 * What OTLP says of a span beyond the domain's model, kept so reads in another model (the Jaeger
 * API) answer what was sent: microsecond times, the whole resource, scope, links, trace state,
 * and the attribute types JSON cannot tell. Null for spans read from a store that never had it
 * (Application Insights, rows written before it was kept): readers then derive it.
 */
export interface SpanDetail {
  /** Start, microseconds since the epoch (truncated from nanoseconds, as Jaeger does). */
  readonly startUs: number;
  /** The start's nanoseconds below the microsecond (1-999; absent when 0). */
  readonly startSubUsNs?: number;
  /** End minus start in nanoseconds (capped at 2^63-1). */
  readonly durationNs: number;
  /** Every resource attribute, service.name and the eleven dimensions included. */
  readonly resource: Readonly<Record<string, AttributeValue>>;
  readonly resourceTypes?: AttributeTypes;
  readonly attributeTypes?: AttributeTypes;
  readonly scopeName?: string;
  readonly scopeVersion?: string;
  readonly traceState?: string;
  readonly links?: readonly StoredSpanLink[];
  /** Per event, in the order of `events`: its time in microseconds, and its attribute types. */
  readonly events?: readonly { readonly timeUs: number; readonly types?: AttributeTypes }[];
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
  readonly detail: SpanDetail | null;
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
