export { DomainError, ensure } from './shared/domain-error.js';
export type { Branded, TenantId, TraceId, SpanId } from './shared/ids.js';
export { tenantId, traceId, isTraceId, spanId, requiredText } from './shared/ids.js';
export type {
  Origin,
  DimensionName,
  TelemetryDimensions,
  TelemetryDimensionsInput,
} from './shared/telemetry-dimensions.js';
export {
  ORIGINS,
  DIMENSION_NAMES,
  DIMENSION_ATTRIBUTE_KEYS,
  telemetryDimensions,
  dimensionKey,
} from './shared/telemetry-dimensions.js';
export type { TimeRange, WindowSize, Window } from './shared/time.js';
export {
  parseInstant,
  toIso,
  timeRange,
  rangeContains,
  WINDOWS,
  windowSize,
  windowMs,
  windowContaining,
  positiveMinutes,
} from './shared/time.js';
export type { Severity } from './shared/severity.js';
export { SEVERITIES, severity, severityRank } from './shared/severity.js';
export type { Money } from './shared/money.js';
export {
  MICROS_PER_UNIT,
  currency,
  money,
  moneyFromMicros,
  addMoney,
  toAmount,
} from './shared/money.js';
export type { DomainEvent } from './shared/aggregate-root.js';
export { AggregateRoot } from './shared/aggregate-root.js';
