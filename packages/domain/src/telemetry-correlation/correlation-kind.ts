import { ensure } from '../kernel/domain-error.js';

/**
 * In display order: the trace anchors the view, then its logs, metrics, incidents, feedback and
 * the cost signals (anomalies) detected about it.
 */
export const CORRELATION_KINDS = [
  'trace',
  'log',
  'metric',
  'incident',
  'feedback',
  'cost',
] as const;
export type CorrelationKind = (typeof CORRELATION_KINDS)[number];

export function correlationKind(value: string): CorrelationKind {
  ensure(
    (CORRELATION_KINDS as readonly string[]).includes(value),
    'correlation.invalid_kind',
    `kind must be one of ${CORRELATION_KINDS.join(', ')}`,
    { value },
  );
  return value as CorrelationKind;
}
