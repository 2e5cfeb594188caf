export { CORRELATION_KINDS, correlationKind } from './correlation-kind.js';
export type { CorrelationKind } from './correlation-kind.js';
export {
  correlationLink,
  sameLinkTarget,
  sameLinkLocation,
  compareLinks,
} from './correlation-link.entity.js';
export type { CorrelationLink, LinkLocator } from './correlation-link.entity.js';
export { TELEMETRY_CORRELATION_AGGREGATE_TYPE } from './telemetry-correlation.events.js';
export type {
  CorrelationSnapshotted,
  CorrelationSnapshottedPayload,
  TelemetryCorrelationEvent,
} from './telemetry-correlation.events.js';
export { TelemetryCorrelation } from './telemetry-correlation.aggregate.js';
export type {
  ResolvedLinkInput,
  StartCorrelationInput,
  TelemetryCorrelationSnapshot,
} from './telemetry-correlation.aggregate.js';
