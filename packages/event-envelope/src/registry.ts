import type { z } from 'zod';
import {
  AGGREGATE_STREAM_KEY,
  type EventDefinition,
  type StreamKey,
  type StreamKeySource,
  type Visibility,
} from './event-definition.js';
import { envelopeSchemaFor } from './envelope-schema.js';
import { EnvelopeError } from './errors.js';
import { alertResolved, alertTriggered } from './payloads/alert-rule.js';
import { costAnomalyDetected } from './payloads/cost-signal.js';
import { dashboardDefined, dashboardUpdated } from './payloads/dashboard-definition.js';
import {
  feedbackItemApplied,
  feedbackItemCreated,
  feedbackItemRouted,
} from './payloads/feedback-item.js';
import {
  incidentAcknowledged,
  incidentEscalated,
  incidentOpened,
  incidentResolved,
} from './payloads/incident.js';
import { metricAggregated } from './payloads/metric-series.js';
import { qualityScoreComputed } from './payloads/quality-score.js';
import {
  sloBreached,
  sloBurnRateAlertFired,
  sloBurnRateAlertResolved,
} from './payloads/slo-definition.js';
import { correlationSnapshotted } from './payloads/telemetry-correlation.js';
import { spanMetricsRecorded, traceRecorded } from './payloads/trace-record.js';
import { producerForAggregate, topicForAggregate, type Topic } from './topics.js';

/**
 * Every event of the platform, in topic order (docs/design.md#ports), then internal ones after the
 * public ones of the same aggregate. This order is also the order of the generated documents.
 * A new payload version is a new entry here; the old one stays while consumers still read it.
 */
const DEFINITIONS = [
  traceRecorded,
  spanMetricsRecorded,
  metricAggregated,
  dashboardDefined,
  dashboardUpdated,
  alertTriggered,
  alertResolved,
  incidentOpened,
  incidentResolved,
  incidentAcknowledged,
  incidentEscalated,
  feedbackItemCreated,
  feedbackItemRouted,
  feedbackItemApplied,
  qualityScoreComputed,
  costAnomalyDetected,
  sloBreached,
  sloBurnRateAlertFired,
  sloBurnRateAlertResolved,
  correlationSnapshotted,
] as const;

type Definitions = (typeof DEFINITIONS)[number];

export type EventType = Definitions['eventType'];

/** The definition of one (eventType, eventVersion); all versions of the type when V is omitted. */
export type EventDefinitionOf<T extends EventType, V extends number = number> = Extract<
  Definitions,
  { readonly eventType: T; readonly eventVersion: V }
>;

export type EventVersionOf<T extends EventType> = EventDefinitionOf<T>['eventVersion'];

export type PayloadOf<
  T extends EventType,
  V extends EventVersionOf<T> = EventVersionOf<T>,
> = z.output<EventDefinitionOf<T, V>['schema']>;

export type AggregateTypeOf<T extends EventType> = EventDefinitionOf<T>['aggregateType'];

/** A definition with what the registry adds: where it is published and by whom. */
export interface RegisteredEvent extends EventDefinition {
  readonly eventType: EventType;
  readonly topic: Topic;
  readonly producer: string;
  /** The whole envelope with this payload: what the JSON Schema and AsyncAPI documents export. */
  readonly envelopeSchema: z.ZodType;
  /** The definition's stream key, or the aggregate id when it declares none. */
  readonly streamKey: StreamKey<unknown>;
}

const keyOf = (eventType: string, eventVersion: number): string => `${eventType}@${eventVersion}`;

const REGISTERED: readonly RegisteredEvent[] = DEFINITIONS.map((definition) => ({
  ...definition,
  topic: topicForAggregate(definition.aggregateType),
  producer: producerForAggregate(definition.aggregateType),
  envelopeSchema: envelopeSchemaFor(definition),
  // Widened to unknown: streamKeyOf passes only envelopes whose payload the schema accepted.
  streamKey: definition.streamKey ?? AGGREGATE_STREAM_KEY,
}));

const BY_KEY: ReadonlyMap<string, RegisteredEvent> = new Map(
  REGISTERED.map((entry) => [keyOf(entry.eventType, entry.eventVersion), entry]),
);

/** Distinct event types, in registry order. */
export const EVENT_TYPES: readonly EventType[] = [
  ...new Set(REGISTERED.map((entry) => entry.eventType)),
];

/** All registered (eventType, eventVersion) entries, in a stable order. */
export function registeredEvents(): readonly RegisteredEvent[] {
  return REGISTERED;
}

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

export function findEvent(eventType: string, eventVersion: number): RegisteredEvent | undefined {
  return BY_KEY.get(keyOf(eventType, eventVersion));
}

/** Looks an event up, naming what is unknown: the type, or only that version of it. */
export function getEvent(eventType: string, eventVersion: number): RegisteredEvent {
  const entry = findEvent(eventType, eventVersion);
  if (entry) return entry;
  if (!isEventType(eventType)) {
    throw new EnvelopeError(
      'envelope.unknown_event_type',
      `unknown eventType "${eventType}"; registered: ${EVENT_TYPES.join(', ')}`,
    );
  }
  const known = versionsOf(eventType);
  throw new EnvelopeError(
    'envelope.unknown_event_version',
    `unknown eventVersion ${eventVersion} of ${eventType}; registered versions: ${known.join(', ')}`,
  );
}

export function versionsOf(eventType: EventType): readonly number[] {
  return REGISTERED.filter((entry) => entry.eventType === eventType).map(
    (entry) => entry.eventVersion,
  );
}

export function visibilityOf(eventType: EventType): Visibility {
  return getEvent(eventType, latestVersionOf(eventType)).visibility;
}

export function latestVersionOf(eventType: EventType): number {
  return Math.max(...versionsOf(eventType));
}

/**
 * Topic an event type is published on. All versions of a type share the topic: the version lives
 * in the envelope so one consumer group sees them in order.
 */
export function topicFor(eventType: EventType): Topic {
  return getEvent(eventType, latestVersionOf(eventType)).topic;
}

/** What streamKeyOf reads: the envelope (or any value with its identifying fields). */
export interface StreamKeyed extends StreamKeySource<unknown> {
  readonly eventType: string;
  readonly eventVersion: number;
}

/**
 * The Kafka record key of an envelope: the stream its event declares
 * (docs/design.md#kafka-records). Every producer and every test fixture keys records with this, so
 * partitioning never differs between them. Throws for an unregistered type or version, and for an
 * empty key, which Kafka would partition as "no key" (round robin, no order at all).
 */
export function streamKeyOf(envelope: StreamKeyed): string {
  const key = getEvent(envelope.eventType, envelope.eventVersion).streamKey.of(envelope);
  if (key === '') {
    throw new EnvelopeError(
      'envelope.invalid_envelope',
      `empty stream key for ${envelope.eventType} v${envelope.eventVersion}`,
    );
  }
  return key;
}
