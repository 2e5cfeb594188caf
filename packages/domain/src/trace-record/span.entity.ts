import { ensure } from '../kernel/domain-error.js';
import {
  requiredText,
  spanId,
  tenantId,
  traceId,
  type SpanId,
  type TenantId,
  type TraceId,
} from '../kernel/ids.js';
import { parseInstant, toIso } from '../kernel/time.js';
import {
  attributes,
  type AttributeScalar,
  type AttributeValue,
  type Attributes,
} from './span-attributes.js';
import { traceStatus, type TraceStatus } from './trace-status.js';

export interface SpanEvent {
  readonly timestamp: number;
  readonly name: string;
  readonly attributes: Attributes;
}

export interface SpanEventInput {
  readonly timestamp: string;
  readonly name: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

export interface SpanEventSnapshot {
  timestamp: string;
  name: string;
  attributes: Record<string, AttributeValue>;
}

/**
 * A span inside a TraceRecord. It carries its own traceId and tenantId (as OTLP delivers them) so
 * the tree check can prove they match the aggregate's instead of assuming it.
 */
export interface Span {
  readonly traceId: TraceId;
  readonly tenantId: TenantId;
  readonly spanId: SpanId;
  readonly parentSpanId: SpanId | null;
  readonly name: string;
  readonly moduleId: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly durationMs: number;
  readonly status: TraceStatus;
  readonly attributes: Attributes;
  readonly events: readonly SpanEvent[];
}

export interface SpanInput {
  readonly traceId: string;
  readonly tenantId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly name: string;
  readonly moduleId: string;
  readonly startedAt: string;
  readonly durationMs: number;
  /** Defaults to `unset`, OTLP's default status. */
  readonly status?: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly events?: readonly SpanEventInput[];
}

export interface SpanSnapshot {
  traceId: string;
  tenantId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  moduleId: string;
  startedAt: string;
  durationMs: number;
  status: TraceStatus;
  attributes: Record<string, AttributeValue>;
  events: SpanEventSnapshot[];
}

const MAX_NAME_LENGTH = 1024;

/** Shared by spans and the tree check, so both refuse a bad duration with the same code. */
export function spanDuration(value: number): number {
  ensure(Number.isFinite(value), 'trace.invalid_duration', 'durationMs must be a finite number', {
    value,
  });
  ensure(value >= 0, 'trace.negative_duration', 'durationMs must be ≥ 0', { value });
  return value;
}

function spanEvent(input: SpanEventInput): SpanEvent {
  return Object.freeze({
    timestamp: parseInstant(input.timestamp, 'span event timestamp'),
    name: requiredText(input.name, 'span event name', 'trace.invalid_span_event', MAX_NAME_LENGTH),
    attributes: attributes(input.attributes),
  });
}

/** Checks one span's own fields; how spans relate to each other is `validateTraceTree`'s job. */
export function span(input: SpanInput): Span {
  return Object.freeze({
    traceId: traceId(input.traceId),
    tenantId: tenantId(input.tenantId),
    spanId: spanId(input.spanId),
    parentSpanId: input.parentSpanId === null ? null : spanId(input.parentSpanId),
    name: requiredText(input.name, 'span name', 'trace.invalid_span_name', MAX_NAME_LENGTH),
    moduleId: requiredText(input.moduleId, 'moduleId', 'trace.invalid_module_id'),
    startedAt: parseInstant(input.startedAt, 'span startedAt'),
    durationMs: spanDuration(input.durationMs),
    status: traceStatus(input.status ?? 'unset'),
    attributes: attributes(input.attributes),
    events: Object.freeze((input.events ?? []).map(spanEvent)),
  });
}

export function spanSnapshot(value: Span): SpanSnapshot {
  return {
    traceId: value.traceId,
    tenantId: value.tenantId,
    spanId: value.spanId,
    parentSpanId: value.parentSpanId,
    name: value.name,
    moduleId: value.moduleId,
    startedAt: toIso(value.startedAt),
    durationMs: value.durationMs,
    status: value.status,
    attributes: copyAttributes(value.attributes),
    events: value.events.map((e) => ({
      timestamp: toIso(e.timestamp),
      name: e.name,
      attributes: copyAttributes(e.attributes),
    })),
  };
}

function copyAttributes(source: Attributes): Record<string, AttributeValue> {
  const copy: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(source)) {
    copy[key] = Array.isArray(value) ? [...(value as readonly AttributeScalar[])] : value;
  }
  return copy;
}

/**
 * OTLP exporters retry whole batches, so the same span can arrive twice. Equality ignores
 * attribute key order, which differs between encoders.
 */
export function sameSpan(a: Span, b: Span): boolean {
  return canonical(spanSnapshot(a)) === canonical(spanSnapshot(b));
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
