export type { EnvelopeErrorCode, EnvelopeIssue } from './errors.js';
export { ENVELOPE_ERROR_CODES, EnvelopeError } from './errors.js';

export type {
  EventDefinition,
  EventExample,
  StreamKey,
  StreamKeySource,
  Visibility,
} from './event-definition.js';
export { AGGREGATE_STREAM_KEY, VISIBILITIES, defineEvent } from './event-definition.js';

export type { AggregateType, HeaderName, Topic } from './topics.js';
export {
  AGGREGATE_TOPICS,
  AGGREGATE_TYPES,
  DLQ_HEADERS,
  DLQ_SUFFIX,
  HEADERS,
  TOPICS,
  TRACEPARENT_PATTERN,
  dlqTopicFor,
  producerForAggregate,
  topicForAggregate,
} from './topics.js';

export type {
  AggregateTypeOf,
  EventDefinitionOf,
  EventType,
  EventVersionOf,
  PayloadOf,
  RegisteredEvent,
  StreamKeyed,
} from './registry.js';
export {
  EVENT_TYPES,
  findEvent,
  getEvent,
  isEventType,
  latestVersionOf,
  registeredEvents,
  streamKeyOf,
  topicFor,
  versionsOf,
  visibilityOf,
} from './registry.js';

export type { UntypedEnvelope } from './envelope-schema.js';
export {
  SPEC_VERSION,
  aggregateRefSchema,
  envelopeSchema,
  envelopeSchemaFor,
} from './envelope-schema.js';

export type {
  CreateEnvelopeInput,
  Envelope,
  EnvelopeForType,
  EnvelopeFromDomainEventOptions,
  EnvelopeOf,
} from './envelope.js';
export { createEnvelope, envelopeFromDomainEvent, parseEnvelope } from './envelope.js';

export { exampleEnvelope, exampleHeaders } from './examples.js';

export type { JsonSchema } from './json-schema.js';
export {
  JSON_SCHEMA_DIALECT,
  envelopeJsonSchema,
  eventJsonSchemaDocument,
  schemaFileName,
  schemaIdFor,
} from './json-schema.js';
export { buildAsyncApiDocument, messageIdFor } from './asyncapi.js';

export {
  CURRENCY_PATTERN,
  TENANT_ID_PATTERN,
  TRACE_ID_PATTERN,
  dimensionsSchema,
  tenantIdSchema,
  traceIdSchema,
} from './payloads/common.js';
export {
  TRACE_STATUSES,
  spanMetricsRecordedPayloadSchema,
  traceRecordedPayloadSchema,
} from './payloads/trace-record.js';
export { metricAggregatedPayloadSchema, metricValuesSchema } from './payloads/metric-series.js';
export {
  dashboardDefinedPayloadSchema,
  dashboardScopeSchema,
  dashboardUpdatedPayloadSchema,
} from './payloads/dashboard-definition.js';
export {
  AGGREGATIONS,
  COMPARISON_OPERATORS,
  alertTriggeredPayloadSchema,
  alertResolvedPayloadSchema,
} from './payloads/alert-rule.js';
export {
  INCIDENT_SOURCES,
  incidentAcknowledgedPayloadSchema,
  incidentEscalatedPayloadSchema,
  incidentOpenedPayloadSchema,
  incidentResolvedPayloadSchema,
} from './payloads/incident.js';
export {
  FEEDBACK_CATEGORIES,
  FEEDBACK_SOURCES,
  SENTIMENTS,
  feedbackItemCreatedPayloadSchema,
  feedbackItemRoutedPayloadSchema,
  feedbackItemAppliedPayloadSchema,
} from './payloads/feedback-item.js';
export {
  artifactScoreSchema,
  qualityDimensionsSchema,
  qualityScoreComputedPayloadSchema,
} from './payloads/quality-score.js';
export { COST_CATEGORIES, costAnomalyDetectedPayloadSchema } from './payloads/cost-signal.js';
export {
  sloBreachedPayloadSchema,
  sloBurnRateAlertFiredPayloadSchema,
  sloBurnRateAlertResolvedPayloadSchema,
  SLO_BURN_ALERT_SEVERITIES,
  SLO_BURN_ALERT_WINDOWS,
  SLO_BURN_ALERT_RULES,
} from './payloads/slo-definition.js';
export {
  CORRELATION_LINK_KINDS,
  correlationLinkSchema,
  correlationSnapshottedPayloadSchema,
} from './payloads/telemetry-correlation.js';
