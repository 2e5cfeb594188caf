import { ensure } from './domain-error.js';

declare const brand: unique symbol;
/** A nominal type: a string that has passed its value object's checks. */
export type Branded<T, B extends string> = T & { readonly [brand]: B };

export type TenantId = Branded<string, 'TenantId'>;
export type TraceId = Branded<string, 'TraceId'>;
export type SpanId = Branded<string, 'SpanId'>;

const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TRACE_PATTERN = /^[0-9a-f]{32}$/;
const SPAN_PATTERN = /^[0-9a-f]{16}$/;

export function tenantId(value: string): TenantId {
  ensure(
    TENANT_PATTERN.test(value),
    'tenant.invalid_id',
    'tenantId must be 1-64 characters of letters, digits, dot, underscore or dash',
    { value },
  );
  return value as TenantId;
}

/** W3C trace id: 32 lowercase hex characters, not all zeros. */
export function traceId(value: string): TraceId {
  ensure(
    TRACE_PATTERN.test(value) && !/^0+$/.test(value),
    'trace.invalid_trace_id',
    'traceId must be 32 lowercase hex characters and not all zeros',
    { value },
  );
  return value as TraceId;
}

export function isTraceId(value: string): value is TraceId {
  return TRACE_PATTERN.test(value) && !/^0+$/.test(value);
}

/** W3C span id: 16 lowercase hex characters, not all zeros. */
export function spanId(value: string): SpanId {
  ensure(
    SPAN_PATTERN.test(value) && !/^0+$/.test(value),
    'trace.invalid_span_id',
    'spanId must be 16 lowercase hex characters and not all zeros',
    { value },
  );
  return value as SpanId;
}

/** Non-empty identifiers of other aggregates (projectId, moduleId...) with a length cap. */
export function requiredText(value: string, field: string, code: string, max = 256): string {
  ensure(
    typeof value === 'string' && value.trim().length > 0 && value.length <= max,
    code,
    `${field} is required (1-${max} characters)`,
    { field },
  );
  return value;
}
