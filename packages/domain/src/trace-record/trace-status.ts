import { ensure } from '../kernel/domain-error.js';

/** OpenTelemetry span status codes, as the spec names them. */
export const TRACE_STATUSES = ['ok', 'error', 'unset'] as const;
export type TraceStatus = (typeof TRACE_STATUSES)[number];

export function traceStatus(value: string): TraceStatus {
  ensure(
    (TRACE_STATUSES as readonly string[]).includes(value),
    'trace.invalid_status',
    `status must be one of ${TRACE_STATUSES.join(', ')}`,
    { value },
  );
  return value as TraceStatus;
}

/**
 * The status of a whole trace. One failing span makes the trace an error (what Jaeger, Tempo and
 * Sentry show); otherwise the root span speaks for the operation, because only it knows whether
 * the end-to-end request succeeded.
 */
export function traceStatusOf(
  rootStatus: TraceStatus,
  spanStatuses: Iterable<TraceStatus>,
): TraceStatus {
  for (const status of spanStatuses) {
    if (status === 'error') return 'error';
  }
  return rootStatus;
}
