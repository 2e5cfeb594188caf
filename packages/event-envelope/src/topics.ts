/**
 * Topic per publishing aggregate (docs/design.md#ports). Order holds per record key, which is each
 * event's declared stream (`streamKeyOf`: the aggregate id unless the event says otherwise); the
 * `.v1` suffix lets a breaking envelope change
 * move to a new topic while old consumers drain the old one.
 */
export const AGGREGATE_TOPICS = {
  TraceRecord: { topic: 'obs.trace-record.v1', producer: 'trace-service' },
  MetricSeries: { topic: 'obs.metric-series.v1', producer: 'metric-aggregation-service' },
  DashboardDefinition: { topic: 'obs.dashboard-definition.v1', producer: 'dashboard-service' },
  AlertRule: { topic: 'obs.alert-rule.v1', producer: 'alert-rule-service' },
  Incident: { topic: 'obs.incident.v1', producer: 'incident-service' },
  FeedbackItem: { topic: 'obs.feedback-item.v1', producer: 'feedback-service' },
  QualityScore: { topic: 'obs.quality-score.v1', producer: 'quality-score-service' },
  CostSignal: { topic: 'obs.cost-signal.v1', producer: 'cost-telemetry-service' },
  SloDefinition: { topic: 'obs.slo-definition.v1', producer: 'slo-service' },
  // Internal only: correlation snapshots feed the correlation view, not downstream consumers.
  TelemetryCorrelation: {
    topic: 'obs.telemetry-correlation.v1',
    producer: 'telemetry-correlation-service',
  },
} as const satisfies Readonly<Record<string, { topic: string; producer: string }>>;

/** Aggregates that publish events (LogRecordReference is query-only and has no topic). */
export type AggregateType = keyof typeof AGGREGATE_TOPICS;
export type Topic = (typeof AGGREGATE_TOPICS)[AggregateType]['topic'];

export const AGGREGATE_TYPES = Object.keys(AGGREGATE_TOPICS) as readonly AggregateType[];

export const TOPICS = AGGREGATE_TYPES.map(
  (type) => AGGREGATE_TOPICS[type].topic,
) as readonly Topic[];

export function topicForAggregate(aggregateType: AggregateType): Topic {
  return AGGREGATE_TOPICS[aggregateType].topic;
}

export function producerForAggregate(aggregateType: AggregateType): string {
  return AGGREGATE_TOPICS[aggregateType].producer;
}

export const DLQ_SUFFIX = '.dlq';

/** Dead-letter topic of a topic (docs/design.md#consumers): `<topic>.dlq`. */
export function dlqTopicFor(topic: string): string {
  return `${topic}${DLQ_SUFFIX}`;
}

/**
 * Kafka record headers. They duplicate envelope fields so brokers, routers and tracing can act
 * without parsing the value.
 */
export const HEADERS = {
  eventType: 'event-type',
  /** Decimal text: a consumer skips a version it does not read before parsing the value. */
  eventVersion: 'event-version',
  tenantId: 'tenant-id',
  traceparent: 'traceparent',
} as const;
export type HeaderName = (typeof HEADERS)[keyof typeof HEADERS];

/** W3C trace-context `traceparent` (version 00): version-traceid-parentid-flags. */
export const TRACEPARENT_PATTERN = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * Headers a dead-lettered record carries besides its original ones; same names as the service
 * kit's consumer runner writes, listed here so the AsyncAPI document can name them.
 */
export const DLQ_HEADERS = {
  error: 'dlq-error',
  attempts: 'dlq-attempts',
  consumer: 'dlq-consumer',
  origin: 'dlq-origin',
  /** On a record put back on its origin topic by `pnpm dlq replay`: how many times it was. */
  replays: 'dlq-replays',
} as const;
