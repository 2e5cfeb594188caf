import { SPEC_VERSION } from './envelope-schema.js';
import { AGGREGATE_STREAM_KEY } from './event-definition.js';
import { exampleEnvelope, exampleHeaders } from './examples.js';
import { describeEvent, envelopeJsonSchema, type JsonSchema } from './json-schema.js';
import { TENANT_ID_PATTERN } from './payloads/common.js';
import { registeredEvents, type RegisteredEvent } from './registry.js';
import {
  AGGREGATE_TOPICS,
  AGGREGATE_TYPES,
  DLQ_HEADERS,
  HEADERS,
  TRACEPARENT_PATTERN,
  dlqTopicFor,
  type AggregateType,
} from './topics.js';

const KAFKA_BINDING_VERSION = '0.5.0';

/** Component and message ids: AsyncAPI keys allow no dots, so `IncidentOpened.v1` is spelt V1. */
export function messageIdFor(entry: RegisteredEvent): string {
  return `${entry.eventType}V${entry.eventVersion}`;
}

const envelopeSchemaId = (entry: RegisteredEvent): string => `${messageIdFor(entry)}Envelope`;

function headersSchema(entry: RegisteredEvent): JsonSchema {
  return {
    type: 'object',
    required: [HEADERS.eventType, HEADERS.eventVersion, HEADERS.tenantId],
    properties: {
      [HEADERS.eventType]: {
        type: 'string',
        const: entry.eventType,
        description: 'Copy of envelope eventType, for routing without parsing the value',
      },
      [HEADERS.eventVersion]: {
        type: 'string',
        const: String(entry.eventVersion),
        description:
          'Copy of envelope eventVersion as decimal text, so a consumer can skip versions it does not read without parsing the value',
      },
      [HEADERS.tenantId]: {
        type: 'string',
        pattern: TENANT_ID_PATTERN.source,
        description: 'Copy of envelope tenantId',
      },
      [HEADERS.traceparent]: {
        type: 'string',
        pattern: TRACEPARENT_PATTERN.source,
        description:
          'W3C trace context of the producing request or consumer span; absent when there was none',
      },
    },
  };
}

function message(entry: RegisteredEvent): Record<string, unknown> {
  const example = exampleEnvelope(entry);
  return {
    name: entry.eventType,
    title: `${entry.eventType} v${entry.eventVersion}${entry.visibility === 'internal' ? ' (internal)' : ''}`,
    summary: entry.description,
    description: describeEvent(entry),
    contentType: 'application/json',
    tags: [{ name: entry.visibility }],
    headers: headersSchema(entry),
    payload: { $ref: `#/components/schemas/${envelopeSchemaId(entry)}` },
    correlationId: {
      description: 'Groups the events of one business flow',
      location: '$message.payload#/correlationId',
    },
    bindings: {
      kafka: {
        key: { type: 'string', description: entry.streamKey.description },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
    examples: [
      {
        name: `${messageIdFor(entry)}Example`,
        summary: `A ${entry.eventType} envelope`,
        headers: exampleHeaders(example),
        payload: example,
      },
    ],
    'x-event-type': entry.eventType,
    'x-event-version': entry.eventVersion,
    'x-visibility': entry.visibility,
  };
}

/** The distinct key descriptions of a channel's messages, naming the messages that deviate. */
function keysOf(entries: readonly RegisteredEvent[]): string {
  const defaults = entries.filter((entry) => entry.streamKey === AGGREGATE_STREAM_KEY);
  const own = entries.filter((entry) => entry.streamKey !== AGGREGATE_STREAM_KEY);
  return [
    ...(defaults.length > 0 ? [AGGREGATE_STREAM_KEY.description] : []),
    ...own.map((entry) => `${entry.eventType}: ${entry.streamKey.description}`),
  ].join('; ');
}

/** Channel id = aggregate type: one topic per publishing aggregate. */
function channel(aggregateType: AggregateType, entries: readonly RegisteredEvent[]) {
  const { topic, producer } = AGGREGATE_TOPICS[aggregateType];
  const internalOnly = entries.every((entry) => entry.visibility === 'internal');
  return {
    address: topic,
    title: `${aggregateType} events`,
    description: [
      `Events of the ${aggregateType} aggregate, published by ${producer} through its transactional outbox.`,
      `Record key (order holds per key): ${keysOf(entries)}. Value: the canonical envelope as JSON.`,
      `Records a consumer cannot process after its retries go to ${dlqTopicFor(topic)} with the original headers plus ${[DLQ_HEADERS.error, DLQ_HEADERS.attempts, DLQ_HEADERS.consumer, DLQ_HEADERS.origin].join(', ')}; \`pnpm dlq replay\` puts one back here with the dlq-* headers removed and ${DLQ_HEADERS.replays} counting its replays (consumers apply it once, through their inbox).`,
      internalOnly ? 'Internal topic: not a contract with downstream consumers.' : '',
    ]
      .filter((line) => line !== '')
      .join(' '),
    messages: Object.fromEntries(
      entries.map((entry) => [
        messageIdFor(entry),
        { $ref: `#/components/messages/${messageIdFor(entry)}` },
      ]),
    ),
    tags: [{ name: internalOnly ? 'internal' : 'public' }],
    bindings: { kafka: { topic, bindingVersion: KAFKA_BINDING_VERSION } },
  };
}

function operation(aggregateType: AggregateType, entries: readonly RegisteredEvent[]) {
  const { producer } = AGGREGATE_TOPICS[aggregateType];
  return {
    action: 'send',
    channel: { $ref: `#/channels/${aggregateType}` },
    title: `${producer} publishes ${aggregateType} events`,
    summary: entries.map((entry) => entry.eventType).join(', '),
    description: `${producer} relays its outbox to this topic; each message type says whether it is public or internal.`,
    messages: entries.map((entry) => ({
      $ref: `#/channels/${aggregateType}/messages/${messageIdFor(entry)}`,
    })),
    'x-producer': producer,
  };
}

const INFO_DESCRIPTION = `Domain events of the Observability & Feedback Platform, all in one canonical envelope (specVersion ${SPEC_VERSION}).

- Every record value is the envelope as JSON; the payload is validated by the event's schema before it is written to the outbox.
- The record key is the stream whose order matters, declared per message (its Kafka binding says which): aggregate.id unless stated otherwise; MetricAggregated is keyed by its series, so consecutive windows of a series stay in order.
- Headers: ${HEADERS.eventType}, ${HEADERS.eventVersion}, ${HEADERS.tenantId} and (when the producer ran inside a trace) ${HEADERS.traceparent}.
- Delivery is at least once: consumers de-duplicate on eventId.
- Messages tagged "internal" are published for the platform's own services and may change without notice; "public" ones change only by bumping eventVersion.
- Generated from packages/event-envelope by \`pnpm generate\`; do not edit by hand.`;

/** The AsyncAPI 3.0.0 document of every topic, message and producing operation. */
export function buildAsyncApiDocument(): Record<string, unknown> {
  const entries = registeredEvents();
  const byAggregate = AGGREGATE_TYPES.map(
    (type) => [type, entries.filter((entry) => entry.aggregateType === type)] as const,
  ).filter(([, list]) => list.length > 0);

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Observability & Feedback Platform events',
      version: '1.0.0',
      description: INFO_DESCRIPTION,
      tags: [
        { name: 'public', description: 'Contract with downstream consumers' },
        { name: 'internal', description: 'For the platform services only; may change' },
      ],
    },
    defaultContentType: 'application/json',
    channels: Object.fromEntries(byAggregate.map(([type, list]) => [type, channel(type, list)])),
    operations: Object.fromEntries(
      byAggregate.map(([type, list]) => [`publish${type}Events`, operation(type, list)]),
    ),
    components: {
      schemas: Object.fromEntries(
        entries.map((entry) => [envelopeSchemaId(entry), envelopeJsonSchema(entry)]),
      ),
      messages: Object.fromEntries(entries.map((entry) => [messageIdFor(entry), message(entry)])),
    },
  };
}
